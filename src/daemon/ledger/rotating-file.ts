// One memory file that entries are appended to, in order, off the caller's path. Entries queue in memory; one write
// at a time takes everything queued so far and opens, writes and closes the file once (under load that is one write
// for many entries; no handle stays open, so a writer with thousands of per-session files holds no descriptors). With a size limit the file is rotated before an append that would pass it (reference section 7):
// renamed to `<path without ext>.<YYYYMMDD-HHMMSS><ext>` (ours: `-2`, `-3`… instead of overwriting an archive of the
// same second) and, with compression, gzipped to `<archive>.gz` in the background. Files are 0600, directories 0700.
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export type ErrorSink = (err: Error, where: string) => void;

export interface Rotation {
  /** Bytes a file may reach; Infinity for no limit. */
  readonly maxBytes: number;
  /** Gzip archives (and remove the uncompressed one). */
  readonly compress: boolean;
}

export const DEFAULT_MAX_MB = 100;
const MB = 1024 * 1024;

/** The size limit of a policy's `max_size_mb`: MB when above 0, 100 MB when 0 or unset, none when below 0. */
export function maxBytesFor(maxSizeMb: number | undefined): number {
  if (maxSizeMb === undefined || maxSizeMb === 0) return DEFAULT_MAX_MB * MB;
  return maxSizeMb < 0 ? Infinity : maxSizeMb * MB;
}

export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function stamp(at: Date): string {
  const iso = at.toISOString(); // 2026-02-27T15:04:05.000Z
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** The first free archive name for `path` rotated at `at`: neither it nor its `.gz` exists. */
export async function archiveName(path: string, at: Date): Promise<string> {
  const ext = extname(path);
  const base = `${path.slice(0, path.length - ext.length)}.${stamp(at)}`;
  for (let n = 1; ; n++) {
    const candidate = `${base}${n === 1 ? '' : `-${n}`}${ext}`;
    if (!(await exists(candidate)) && !(await exists(`${candidate}.gz`))) return candidate;
  }
}

/** Gzips `archive` to `<archive>.gz` and removes it; on failure the partial `.gz` goes and the archive stays. */
export async function gzipArchive(archive: string): Promise<void> {
  const target = `${archive}.gz`;
  try {
    await pipeline(createReadStream(archive), createGzip(), createWriteStream(target, { flags: 'wx', mode: 0o600 }));
  } catch (err) {
    await unlink(target).catch(() => undefined);
    throw err;
  }
  await unlink(archive);
}

export interface AppendFileOptions {
  readonly path: string;
  readonly rotation?: Rotation;
  readonly onError: ErrorSink;
  /** Names the archives; the clock unless a test sets it. */
  readonly now: () => Date;
  /** Called when the last queued append has finished, so the owner may forget this file. */
  readonly onIdle: () => void;
  /** Background work (compression) the owner must wait for on close. */
  readonly track: (work: Promise<void>) => void;
}

/** The appends queued for one file. */
export class AppendFile {
  readonly #options: AppendFileOptions;
  /** Entries not yet taken by a write. */
  #queued: Buffer[] = [];
  /** The write in progress (it loops until the queue is empty), if any. */
  #writing?: Promise<void>;
  /** Bytes in the file: read when the first write runs, then counted. */
  #written?: number;

  constructor(options: AppendFileOptions) {
    this.#options = options;
  }

  /** Queues `data`; never throws, failures go to onError. */
  append(data: string): void {
    this.#queued.push(Buffer.from(data, 'utf8'));
    this.#writing ??= this.#drain();
  }

  /** Resolves when every append queued so far has finished. */
  async flushed(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #drain(): Promise<void> {
    while (this.#queued.length) {
      const batch = this.#queued;
      this.#queued = [];
      try {
        await this.#appendBatch(batch);
      } catch (err) {
        this.#written = undefined; // read the size again: the failure may have left any amount written
        this.#options.onError(toError(err), this.#options.path);
      }
    }
    this.#writing = undefined;
    this.#options.onIdle();
  }

  /** Writes the entries in order, rotating before an entry that would pass the size limit (never inside one). */
  async #appendBatch(entries: Buffer[]): Promise<void> {
    const { rotation } = this.#options;
    if (this.#written === undefined) this.#written = await this.#prepare();
    let start = 0;
    let size = 0;
    for (let i = 0; i < entries.length; i++) {
      const length = entries[i]!.length;
      if (rotation && this.#written + size > 0 && this.#written + size + length > rotation.maxBytes) {
        await this.#write(entries, start, i, size);
        await this.#rotate(rotation);
        this.#written = 0;
        start = i;
        size = 0;
      }
      size += length;
    }
    await this.#write(entries, start, entries.length, size);
  }

  async #write(entries: Buffer[], from: number, to: number, size: number): Promise<void> {
    if (from === to) return;
    const data = to - from === 1 ? entries[from]! : Buffer.concat(entries.slice(from, to), size);
    const handle = await open(this.#options.path, 'a', 0o600);
    try {
      await handle.write(data);
    } finally {
      await handle.close();
    }
    this.#written! += size;
  }

  /** Creates the directories, tightens an existing file to 0600, and returns its size (0 when new). */
  async #prepare(): Promise<number> {
    const { path } = this.#options;
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new Error(`${path} is not a regular file`);
      if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) await chmod(path, 0o600);
      return info.size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
  }

  async #rotate(rotation: Rotation): Promise<void> {
    const { path, onError, track, now } = this.#options;
    const archive = await archiveName(path, now());
    await rename(path, archive);
    if (!rotation.compress) return;
    // Off the chain: appends to the fresh file need not wait for the old one's compression.
    track(gzipArchive(archive).catch((err: unknown) => onError(toError(err), archive)));
  }
}
