// Starts the built daemon (`tokenomics serve`) as a child process and waits until it answers.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort as freePortOn } from '../../src/daemon/lifecycle/spawn.js';
import { baseEnv, CLI } from './cli.js';
import { recordOutput, recordSecrets } from './run-root.js';

export interface DaemonState {
  pid: number;
  control_url: string;
  http_url?: string;
  https_url?: string;
  ca_file?: string;
}

export interface RunningDaemon {
  readonly child: ChildProcess;
  readonly url: string;
  readonly httpsUrl?: string;
  readonly state: DaemonState;
  /** Everything the daemon printed so far. */
  output(): string;
  /** SIGTERM and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; output: string }>;
}

export interface DaemonOptions {
  readonly home: string;
  readonly dir: string;
  readonly env?: Record<string, string | undefined>;
  readonly args?: readonly string[];
  /** Start the HTTPS listener too (on a free port). */
  readonly tls?: boolean;
}

/** A TCP port nobody listens on right now, on loopback. */
export function freePort(): Promise<number> {
  return freePortOn('127.0.0.1');
}

/** Keys from the environment, so tests never touch a keychain and start instantly. */
export const TEST_KEYS = { TOKENOMICS_HASH_KEY: 'test-hash-key', TOKENOMICS_ENCRYPTION_KEY: 'test-encryption-key' } as const;

export function daemonEnv(options: DaemonOptions): Record<string, string> {
  const env: Record<string, string | undefined> = { ...baseEnv(options.home), ...TEST_KEYS, ...options.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env as Record<string, string>;
}

function readState(dir: string): DaemonState | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'daemon.json'), 'utf8')) as DaemonState;
  } catch {
    return undefined;
  }
}

export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const httpPort = await freePort();
  const tlsArgs = options.tls ? ['--https-port', String(await freePort())] : ['--no-tls'];
  const args = [CLI, '--dir', options.dir, 'serve', '--http-port', String(httpPort), ...tlsArgs, ...(options.args ?? [])];
  const env = daemonEnv(options);
  recordSecrets({ ...TEST_KEYS, ...options.env });
  const child = spawn(process.execPath, args, { cwd: options.home, env: env as NodeJS.ProcessEnv });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      recordOutput('daemon', output);
      resolve(code);
    }),
  );

  const deadline = Date.now() + 20_000;
  let state: DaemonState | undefined;
  let ready = false;
  while (!ready && Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`daemon exited with ${child.exitCode}:\n${output}`);
    state = readState(options.dir);
    if (state && state.pid === child.pid && state.http_url) {
      ready = await fetch(`${state.http_url}/health`).then((r) => r.ok, () => false);
    }
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!ready || !state?.http_url) {
    child.kill('SIGKILL');
    throw new Error(`daemon did not start within 20 s:\n${output}`);
  }
  const url = state.http_url;
  return {
    child,
    url,
    httpsUrl: state.https_url,
    state,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      const code = await exited;
      return { code, output };
    },
  };
}
