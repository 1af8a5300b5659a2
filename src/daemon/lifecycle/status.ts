// What `tokenomics status` reports: the daemon of this {dir}, where the keys are, which provider variables are set in
// this shell, and how many tokens exist. Gathered here as one typed object that the plain report, `--json` and the
// dashboard all render. Read-only: it never generates keys, creates the database or removes a stale daemon.json.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { maskToken, providerEnvNames } from '../../core/agent/env.js';
import type { LoadedConfig } from '../config/load-config.js';
import { ControlClient } from '../control/client.js';
import type { ControlStatus } from '../control/server.js';
import { processAlive, readState, stateFilePath, type DaemonState } from '../control/state-file.js';
import { describeKeySources, inspectKeys, loadKeys, type KeySource } from '../keys/keys.js';
import { TokenStore } from '../store/token-store.js';

export type ProxyStatus =
  | {
      readonly state: 'running';
      readonly pid: number;
      readonly version: string;
      readonly started_at: string;
      readonly http_url: string | null;
      readonly https_url: string | null;
      readonly ca_file: string | null;
      readonly state_file: string;
    }
  | { readonly state: 'stopped'; readonly state_file: string }
  /** daemon.json is there but no daemon answers behind it (a crash, a kill -9). */
  | { readonly state: 'stale'; readonly pid: number; readonly reason: string; readonly state_file: string };

export interface KeysStatus {
  /** null: not created yet (the first token or daemon start generates it). */
  readonly hash: KeySource | null;
  readonly encryption: KeySource | null;
  /** One line: `keys: OS keychain (Secret Service)`. */
  readonly description: string;
  /** A secret sits in a plain file (no keychain): worth a warning. */
  readonly in_file: boolean;
  /** What the running daemon says it uses (its environment may differ from this shell's). */
  readonly daemon: string | null;
  readonly problem: string | null;
}

export type KeyVarState = 'direct_key' | 'proxy_token' | 'not_set';

/** One provider's SDK variables in this environment: names and states only, never a key's value. */
export interface ProviderEnvStatus {
  readonly provider: string;
  readonly key_env: string;
  readonly key: KeyVarState;
  readonly base_url_env: string;
  /** The base URL variable's value (not a secret), or null when unset (the SDK uses the provider's default). */
  readonly base_url: string | null;
}

export type TokensStatus =
  | { readonly state: 'counted'; readonly count: number; readonly source: 'daemon' | 'database' | 'no_database' }
  | { readonly state: 'error'; readonly error: string };

export interface StatusReport {
  readonly dir: string;
  readonly config_file: string | null;
  readonly proxy: ProxyStatus;
  readonly keys: KeysStatus;
  readonly providers: readonly ProviderEnvStatus[];
  /** $TOKENOMICS_PROXY_URL: the proxy `run` and `init` use instead of this one. */
  readonly remote: string | null;
  /** $TOKENOMICS_KEY, masked: `tkn_…a1b2`. */
  readonly token: string | null;
  readonly tokens: TokensStatus;
}

const CONTROL_TIMEOUT_MS = 3000;

async function askDaemon(state: DaemonState): Promise<ControlStatus | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), CONTROL_TIMEOUT_MS)));
  try {
    return await Promise.race([new ControlClient(state).status().catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function proxyStatus(dir: string): Promise<{ proxy: ProxyStatus; control?: ControlStatus; state?: DaemonState }> {
  const stateFile = stateFilePath(dir);
  const state = readState(dir);
  if (!state) return { proxy: { state: 'stopped', state_file: stateFile } };
  if (!processAlive(state.pid)) {
    return { proxy: { state: 'stale', pid: state.pid, reason: `PID ${state.pid} is not running`, state_file: stateFile } };
  }
  // As in `stop`: the pid is trusted only when the control API behind it answers with the same pid.
  const control = await askDaemon(state);
  if (!control || control.pid !== state.pid) {
    return { proxy: { state: 'stale', pid: state.pid, reason: `no Tokenomics daemon answers for PID ${state.pid}`, state_file: stateFile } };
  }
  return {
    proxy: {
      state: 'running',
      pid: state.pid,
      version: state.version,
      started_at: control.started_at || state.started_at,
      http_url: state.http_url ?? null,
      https_url: state.https_url ?? null,
      ca_file: state.ca_file ?? null,
      state_file: stateFile,
    },
    control,
    state,
  };
}

function providerStatuses(loaded: LoadedConfig, env: NodeJS.ProcessEnv): ProviderEnvStatus[] {
  const out: ProviderEnvStatus[] = [];
  for (const [name, def] of loaded.catalog) {
    if (!def.api_key_env) continue;
    const { keyVar, baseVar } = providerEnvNames(name, def);
    const value = env[keyVar] ?? '';
    const key: KeyVarState = !value ? 'not_set' : value.startsWith('tkn_') ? 'proxy_token' : 'direct_key';
    out.push({ provider: name, key_env: keyVar, key, base_url_env: baseVar, base_url: env[baseVar] || null });
  }
  return out;
}

/** Counts the tokens without creating anything: no database yet means none; missing keys are not generated. */
async function countTokens(loaded: LoadedConfig, env: NodeJS.ProcessEnv, keysFound: boolean): Promise<TokensStatus> {
  const dbPath = loaded.config.storage.db_path;
  if (!existsSync(dbPath)) return { state: 'counted', count: 0, source: 'no_database' };
  if (!keysFound) return { state: 'error', error: `the keys ${dbPath} was written with are not found (see the keys line)` };
  try {
    const store = await TokenStore.open(dbPath, await loadKeys(loaded.config, env));
    try {
      return { state: 'counted', count: await store.count(), source: 'database' };
    } finally {
      await store.close();
    }
  } catch (err) {
    return { state: 'error', error: (err as Error).message };
  }
}

export async function gatherStatus(loaded: LoadedConfig, env: NodeJS.ProcessEnv = process.env): Promise<StatusReport> {
  const { config } = loaded;
  const { proxy, control, state } = await proxyStatus(config.dir);
  const inspection = await inspectKeys(config, env);
  const hash = inspection.hashSource ?? null;
  const encryption = inspection.encryptionSource ?? null;
  const keys: KeysStatus = {
    hash,
    encryption,
    description: describeKeySources(inspection.hashSource, inspection.encryptionSource),
    in_file: hash?.kind === 'file' || encryption?.kind === 'file',
    daemon: control?.keys ?? null,
    problem: inspection.problem ?? null,
  };
  // The daemon serves only its own database; `--db` elsewhere is counted directly.
  const daemonHoldsDb = control && state && resolve(state.db_path) === resolve(config.storage.db_path);
  const tokens: TokensStatus = daemonHoldsDb
    ? { state: 'counted', count: control.tokens, source: 'daemon' }
    : await countTokens(loaded, env, Boolean(hash && encryption) && !inspection.problem);
  return {
    dir: config.dir,
    config_file: loaded.file ?? null,
    proxy,
    keys,
    providers: providerStatuses(loaded, env),
    remote: env.TOKENOMICS_PROXY_URL || null,
    token: env.TOKENOMICS_KEY ? maskToken(env.TOKENOMICS_KEY) : null,
    tokens,
  };
}
