// Starting `tokenomics serve` as a child process and waiting until it answers: for `start` (detached, logging to a
// file) and for `run` (an ephemeral daemon that lives as long as the wrapped command).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { readState, type DaemonState } from '../control/state-file.js';

export interface SpawnDaemonOptions {
  /** The CLI entry point (dist/cli/main.js). */
  readonly cli: string;
  /** `--config`, `--db`, `--dir` as the user gave them, so the daemon loads the same configuration. */
  readonly globalArgs: readonly string[];
  /** `serve` flags: ports, `--no-tls`, `--pid-file`. */
  readonly serveArgs: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** `start`: its own session, output appended to this file. Otherwise output goes to our stderr. */
  readonly logFile?: string;
  /** The daemon already writes its log to logFile itself (logging.file): only stderr (crashes) goes there too. */
  readonly logFileIsOwn?: boolean;
}

export function spawnDaemon(options: SpawnDaemonOptions): ChildProcess {
  const args = [options.cli, ...options.globalArgs, 'serve', ...options.serveArgs];
  if (!options.logFile) {
    return spawn(process.execPath, args, { env: options.env, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const log = openSync(options.logFile, 'a', 0o600);
  try {
    const stdout = options.logFileIsOwn ? 'ignore' : log;
    const child = spawn(process.execPath, args, { env: options.env, stdio: ['ignore', stdout, log], detached: true });
    child.unref();
    return child;
  } finally {
    closeSync(log);
  }
}

export class DaemonStartError extends Error {}

/** The last lines of a log file, for error messages. */
export function logTail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Waits until the child has written daemon.json and answers /health; throws when it exits or the time is up. */
export async function waitUntilReady(dir: string, child: ChildProcess, timeoutMs: number): Promise<DaemonState> {
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = signal ? `was killed by ${signal}` : `exited with code ${code}`));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exit) throw new DaemonStartError(`the proxy ${exit} while starting`);
    const state = readState(dir);
    if (state && state.pid === child.pid && (await answers(state))) return state;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new DaemonStartError(`the proxy did not answer within ${Math.round(timeoutMs / 1000)} s`);
}

/** Whether the daemon behind a state file answers its health check. */
export async function answers(state: DaemonState): Promise<boolean> {
  const url = state.http_url ?? state.https_url;
  if (!url) return false;
  try {
    // The generated CA is not in Node's roots; the probe only asks whether something answers.
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** A TCP port nobody listens on right now, on the given address. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
