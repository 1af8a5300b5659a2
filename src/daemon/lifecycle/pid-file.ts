// The pid file `tokenomics start` asks the daemon to keep (the original's format: the decimal pid, no newline), for
// scripts and service managers; Tokenomics itself finds the daemon through {dir}/daemon.json.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function writePidFile(path: string, pid = process.pid): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, String(pid), { mode: 0o644 });
}

/** Removes the pid file if it still names `pid` (a newer daemon may have taken it over). */
export function removePidFile(path: string, pid = process.pid): void {
  if (readPidFile(path) === pid) rmSync(path, { force: true });
}

export function readPidFile(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
