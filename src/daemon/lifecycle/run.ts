// `tokenomics run`: a command wrapped with the gateway. The proxy of this --dir is reused when it runs, else an
// ephemeral one is started on a free port and stopped (its ledger written) when the command ends. The command gets the
// wrapper token and the gateway's URL in its provider's variables, inherits the terminal, receives our signals, and
// its exit code is ours.
import { spawn } from 'node:child_process';
import { agentEnv, type EnvPairs } from '../../core/agent/env.js';
import type { ProviderCatalog } from '../../core/providers/catalog.js';
import { processAlive, readState, type DaemonState } from '../control/state-file.js';
import { caBundle } from '../tls/ca-bundle.js';
import { answers, DaemonStartError, freePort, spawnDaemon, waitUntilReady } from './spawn.js';

export interface RunOptions {
  readonly cli: string;
  readonly globalArgs: readonly string[];
  readonly dir: string;
  readonly bind: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly token: string;
  readonly provider: string;
  readonly catalog: ProviderCatalog;
  /** A proxy elsewhere: used as it is, nothing is started. */
  readonly proxyUrl?: string;
  /** Use the proxy's HTTPS URL (CA variables are set); plain HTTP on loopback otherwise. */
  readonly tls: boolean;
  readonly insecure: boolean;
  readonly envKey?: string;
  readonly envBaseUrl?: string;
  /** Environment for the ephemeral proxy (TOKENOMICS_ADMIN_ENABLED per --admin). */
  readonly daemonEnv: NodeJS.ProcessEnv;
  readonly printEnv?: (pairs: EnvPairs) => void;
}

interface Proxy {
  readonly baseUrl: string;
  readonly caFile?: string;
  /** Ends an ephemeral proxy (graceful: it writes its session); absent for a reused one. */
  readonly stop?: () => Promise<void>;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

async function reuseOrStart(options: RunOptions): Promise<Proxy> {
  if (options.proxyUrl) return { baseUrl: options.proxyUrl };
  const running = readState(options.dir);
  if (running && processAlive(running.pid) && (await answers(running))) return proxyOf(running, options.tls);
  const port = String(await freePort(options.bind));
  const serveArgs = options.tls ? ['--https-port', port, '--http-port', String(await freePort(options.bind))] : ['--http-port', port, '--no-tls'];
  const child = spawnDaemon({ cli: options.cli, globalArgs: options.globalArgs, serveArgs: [...serveArgs, '--bind', options.bind], env: options.daemonEnv });
  let state: DaemonState;
  try {
    state = await waitUntilReady(options.dir, child, 15_000);
  } catch (err) {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw err;
  }
  const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  return { ...proxyOf(state, options.tls), stop };
}

function proxyOf(state: DaemonState, tls: boolean): Proxy {
  if (tls) {
    if (!state.https_url) throw new DaemonStartError('the running proxy has no HTTPS listener; run without --tls, or restart it with TLS on');
    return { baseUrl: state.https_url, caFile: state.ca_file };
  }
  if (!state.http_url) throw new DaemonStartError('the running proxy has no HTTP listener; run with --tls');
  return { baseUrl: state.http_url };
}

/** Runs the command to its end; resolves with the exit code to leave with (128 + n when a signal ended it). */
export async function runWrapped(options: RunOptions): Promise<number> {
  const proxy = await reuseOrStart(options);
  try {
    const pairs = agentEnv({
      provider: options.provider,
      catalog: options.catalog,
      baseUrl: proxy.baseUrl,
      token: options.token,
      envKey: options.envKey,
      envBaseUrl: options.envBaseUrl,
      caFile: proxy.caFile,
      caBundleFile: proxy.caFile ? caBundle(proxy.caFile) : undefined,
      insecure: options.insecure,
    });
    options.printEnv?.(pairs);
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [name, value] of pairs) env[name] = value;
    return await runChild(options.command, options.args, env);
  } finally {
    await proxy.stop?.();
  }
}

function runChild(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: 'inherit' });
    // The terminal sends Ctrl-C to the whole foreground group, the child included; other senders reach only us.
    const forward = (signal: NodeJS.Signals) => {
      if (child.exitCode === null) child.kill(signal);
    };
    for (const signal of SIGNALS) process.on(signal, forward);
    const done = () => {
      for (const signal of SIGNALS) process.off(signal, forward);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      done();
      reject(new DaemonStartError(err.code === 'ENOENT' ? `command not found: ${command}` : `could not run ${command}: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      done();
      resolve(code ?? 128 + (signal ? signalNumber(signal) : 1));
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 1;
}
