// The conversation memory files under {dir}/memory, for the admin page's Memory view: a listing and one file's
// text. A path from the URL can only name a file inside that folder: `..`, absolute paths, backslashes, NUL and
// symlinks that resolve elsewhere are refused before anything is opened.
import { promises as fs } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { AdminError } from './respond.js';

/** Larger files are refused rather than loaded into the daemon and the browser. */
export const MAX_MEMORY_FILE = 5 * 1024 * 1024;
/** Bounds on the listing, so a huge or deeply nested folder cannot stall the daemon. */
const MAX_LISTED = 10_000;
const MAX_DEPTH = 8;

const gunzipAsync = promisify(gunzip);

export interface MemoryFileEntry {
  readonly path: string;
  readonly size: number;
  readonly mod_time: string;
}

const invalidPath = () => new AdminError(400, 'invalid file path');

/** Listed recursively, newest first; symlinks are not followed. */
export async function listMemoryFiles(memoryDir: string): Promise<MemoryFileEntry[]> {
  const files: (MemoryFileEntry & { ms: number })[] = [];
  const walk = async (folder: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (files.length >= MAX_LISTED) return;
      const path = join(folder, entry.name);
      if (entry.isDirectory() && depth < MAX_DEPTH) await walk(path, depth + 1);
      else if (entry.isFile()) {
        try {
          const stat = await fs.stat(path);
          files.push({ path: relative(memoryDir, path).split(sep).join('/'), size: stat.size, mod_time: stat.mtime.toISOString(), ms: stat.mtimeMs });
        } catch {
          // Removed meanwhile.
        }
      }
    }
  };
  await walk(memoryDir, 0);
  return files.sort((a, b) => b.ms - a.ms || (a.path < b.path ? -1 : 1)).map(({ ms: _ms, ...file }) => file);
}

/** The file's path inside the memory folder from the URL's (percent-encoded) remainder. */
export function memoryPath(encoded: string): string[] {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    throw invalidPath();
  }
  if (!decoded || decoded.includes('\\') || decoded.includes('\0') || decoded.startsWith('/') || /^[A-Za-z]:/.test(decoded)) throw invalidPath();
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.' || s === '')) throw invalidPath();
  return segments;
}

/** `{path, content}`; `.gz` files are served unpacked. */
export async function readMemoryFile(memoryDir: string, encoded: string): Promise<{ path: string; content: string }> {
  const segments = memoryPath(encoded);
  let real: string;
  let root: string;
  try {
    root = await fs.realpath(memoryDir);
    real = await fs.realpath(join(memoryDir, ...segments));
  } catch {
    throw new AdminError(404, 'file not found');
  }
  // A symlink (of the file or of a folder on the way) is followed only while it stays inside the memory folder.
  if (!real.startsWith(root + sep)) throw invalidPath();
  const target = await fs.stat(real);
  if (!target.isFile()) throw new AdminError(404, 'file not found');
  if (target.size > MAX_MEMORY_FILE) throw new AdminError(413, `file is larger than ${MAX_MEMORY_FILE / 1024 / 1024} MB; open it on disk instead`);
  const path = segments.join('/');
  let data = await fs.readFile(real);
  if (path.endsWith('.gz')) {
    try {
      data = await gunzipAsync(data, { maxOutputLength: MAX_MEMORY_FILE });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new AdminError(413, `file unpacks to more than ${MAX_MEMORY_FILE / 1024 / 1024} MB; open it on disk instead`);
      }
      throw new AdminError(422, `file is not valid gzip: ${(err as Error).message}`);
    }
  }
  return { path, content: data.toString('utf8') };
}
