// `tokenomics start`: the daemon in the background, detached from the terminal, output in a log file; returns once it
// answers, or fails with the reason and the log's last lines.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { processAlive, readState } from '../control/state-file.js';
import { readPidFile } from './pid-file.js';
import { answers, DaemonStartError, logTail, spawnDaemon, waitUntilReady } from './spawn.js';

export interface StartOptions {
  readonly cli: string;
  readonly globalArgs: readonly string[];
  readonly dir: string;
  /** Listen address and port; the configured ones when absent. */
  readonly bind?: string;
  readonly port?: number;
  /** HTTPS (the port is the HTTPS one) or plain HTTP only. */
  readonly tls: boolean;
  readonly pidFile: string;
  readonly logFile: string;
  /** The application log file when logging.file is on: the daemon writes it itself. */
  readonly appLogFile?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

export interface StartOutcome {
  readonly kind: 'started' | 'already_running';
  readonly url: string;
  readonly pid: number;
  readonly logFile?: string;
}

function urlOf(state: { http_url?: string; https_url?: string }, tls: boolean): string {
  return (tls ? state.https_url ?? state.http_url : state.http_url ?? state.https_url) ?? '';
}

export async function startInBackground(options: StartOptions): Promise<StartOutcome> {
  const running = readState(options.dir);
  if (running && processAlive(running.pid) && (await answers(running))) {
    return { kind: 'already_running', url: urlOf(running, options.tls), pid: running.pid };
  }
  const pidHolder = readPidFile(options.pidFile);
  if (pidHolder && processAlive(pidHolder) && pidHolder !== running?.pid) {
    throw new DaemonStartError(`${options.pidFile} names PID ${pidHolder}, which is running but is not a proxy of this --dir; stop it or pass another --pid-file`);
  }
  mkdirSync(dirname(options.logFile), { recursive: true, mode: 0o700 });
  const port = options.port === undefined ? [] : options.tls ? ['--https-port', String(options.port)] : ['--http-port', String(options.port)];
  const child = spawnDaemon({
    cli: options.cli,
    globalArgs: options.globalArgs,
    serveArgs: [...port, ...(options.tls ? [] : ['--no-tls']), ...(options.bind ? ['--bind', options.bind] : []), '--pid-file', options.pidFile],
    env: options.env,
    logFile: options.logFile,
    logFileIsOwn: options.appLogFile !== undefined && resolve(options.appLogFile) === resolve(options.logFile),
  });
  try {
    const state = await waitUntilReady(options.dir, child, options.timeoutMs ?? 15_000);
    return { kind: 'started', url: urlOf(state, options.tls), pid: state.pid, logFile: options.logFile };
  } catch (err) {
    if (child.exitCode === null) child.kill('SIGTERM');
    const tail = logTail(options.logFile);
    throw new DaemonStartError(`${(err as Error).message}. Last lines of ${options.logFile}:\n${tail || '(empty)'}`);
  }
}
