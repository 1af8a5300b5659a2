// {dir}/daemon.json: how other processes find the running daemon and authenticate to its control API.
// Written 0600 once the listeners are up, removed at shutdown. It holds the control secret, so it never leaves {dir}.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs-safe.js';

export interface DaemonState {
  readonly pid: number;
  readonly version: string;
  readonly started_at: string;
  readonly control_url: string;
  readonly control_secret: string;
  readonly http_url?: string;
  readonly https_url?: string;
  /** The generated CA, for NODE_EXTRA_CA_CERTS and friends. */
  readonly ca_file?: string;
  readonly db_path: string;
}

export function stateFilePath(dir: string): string {
  return join(dir, 'daemon.json');
}

export function writeState(dir: string, state: DaemonState): void {
  writeFileAtomic(stateFilePath(dir), `${JSON.stringify(state, null, 2)}\n`);
}

/** The recorded state, or undefined when there is none or it is unreadable (a stale or damaged file). */
export function readState(dir: string): DaemonState | undefined {
  try {
    const state = JSON.parse(readFileSync(stateFilePath(dir), 'utf8')) as DaemonState;
    return typeof state.control_url === 'string' && typeof state.control_secret === 'string' ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the state file if it still describes this process. */
export function removeState(dir: string, pid = process.pid): void {
  if (readState(dir)?.pid === pid) rmSync(stateFilePath(dir), { force: true });
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
