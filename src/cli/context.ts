// What every command shares: the global --config/--db/--dir flags, the loaded configuration, the token store.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { FlagValue } from '../core/config/resolve.js';
import { loadConfig, type LoadedConfig } from '../daemon/config/load-config.js';
import { findDaemon } from '../daemon/control/client.js';
import type { TokenBackend } from '../daemon/store/token-backend.js';

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

/**
 * The global flags given to this command, for a child `tokenomics` process (a daemon started by `start` or `run`):
 * as absolute paths, so the child loads the same configuration (it inherits the environment and the directory).
 */
export function globalArgs(command: Command, cwd = process.cwd()): string[] {
  const options = command.optsWithGlobals<GlobalOptions>();
  const args: string[] = [];
  if (options.dir) args.push('--dir', resolve(cwd, options.dir));
  if (options.config) args.push('--config', resolve(cwd, options.config));
  if (options.db) args.push('--db', resolve(cwd, options.db));
  return args;
}

export function loadCommandConfig(command: Command, extraFlags: readonly FlagValue[] = []): LoadedConfig {
  const options = command.optsWithGlobals<GlobalOptions>();
  return loadConfig({ configPath: options.config, flags: [...globalFlags(options), ...extraFlags] });
}

/**
 * Runs a command against the tokens: through the running daemon's control API when one holds the database,
 * else by opening the database directly. Says on stderr which it is.
 */
export async function withTokens<T>(loaded: LoadedConfig, run: (tokens: TokenBackend) => Promise<T>): Promise<T> {
  const daemon = findDaemon(loaded.config.dir);
  // The daemon serves only its own database; `--db` elsewhere opens that one directly.
  const same = daemon && resolve(daemon.state.db_path) === resolve(loaded.config.storage.db_path);
  if (daemon && same && (await daemon.status().then(() => true, () => false))) {
    process.stderr.write(`${daemon.description}\n`);
    return run(daemon);
  }
  // Loaded here, not at start-up: commands that never open the database (run, status) start faster without them.
  const [{ describeKeys, loadKeys }, { LocalTokens }, { TokenStore }] = await Promise.all([
    import('../daemon/keys/keys.js'),
    import('../daemon/store/token-backend.js'),
    import('../daemon/store/token-store.js'),
  ]);
  const keys = await loadKeys(loaded.config);
  const description = describeKeys(keys);
  process.stderr.write(`${description}\n`);
  const store = await TokenStore.open(loaded.config.storage.db_path, keys);
  try {
    return await run(new LocalTokens(store, keys, description));
  } finally {
    await store.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
