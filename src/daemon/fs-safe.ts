// Small file helpers with the permissions and atomicity that secrets and records need.
import { chmodSync, mkdirSync, renameSync, writeFileSync, statSync, linkSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Creates a directory (and parents) readable only by the user. Tightens an existing one. */
export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o700);
}

function tempName(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** Writes a file atomically (temp file + rename) with the given mode, whatever the umask or the old file's mode. */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): void {
  const tmp = tempName(path);
  writeFileSync(tmp, data, { mode, flag: 'wx' });
  if (process.platform !== 'win32') chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/** Creates a file only if it does not exist yet; returns false when another writer got there first. */
export function createFileExclusive(path: string, data: string, mode = 0o600): boolean {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempName(path);
  writeFileSync(tmp, data, { mode, flag: 'wx' });
  if (process.platform !== 'win32') chmodSync(tmp, mode);
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}
