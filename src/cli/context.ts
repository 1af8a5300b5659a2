// What every command shares: the global --config/--db/--dir flags, the loaded configuration, the token store.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { FlagValue } from '../core/config/resolve.js';
import { loadConfig, type LoadedConfig } from '../daemon/config/load-config.js';
import { describeKeys, loadKeys, type Keys } from '../daemon/keys/keys.js';
import { TokenStore } from '../daemon/store/token-store.js';

export interface GlobalOptions {
  readonly config?: string;
  readonly db?: string;
  readonly dir?: string;
}

/** Paths typed on the command line are relative to the current directory. */
export function globalFlags(options: GlobalOptions, cwd = process.cwd()): FlagValue[] {
  const flags: FlagValue[] = [];
  if (options.dir) flags.push({ path: 'dir', flag: '--dir', value: resolve(cwd, options.dir) });
  if (options.db) flags.push({ path: 'storage.db_path', flag: '--db', value: resolve(cwd, options.db) });
  return flags;
}

export function loadCommandConfig(command: Command, extraFlags: readonly FlagValue[] = []): LoadedConfig {
  const options = command.optsWithGlobals<GlobalOptions>();
  return loadConfig({ configPath: options.config, flags: [...globalFlags(options), ...extraFlags] });
}

/** Opens the token store for one command, saying on stderr which backend holds the keys. */
export async function withTokenStore<T>(
  loaded: LoadedConfig,
  run: (store: TokenStore, keys: Keys) => Promise<T>,
): Promise<T> {
  const keys = await loadKeys(loaded.config);
  process.stderr.write(`${describeKeys(keys)}\n`);
  const store = await TokenStore.open(loaded.config.storage.db_path, keys);
  try {
    return await run(store, keys);
  } finally {
    await store.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
