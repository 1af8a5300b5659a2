// Conversation memory (reference section 7): the ledger's memory file per daemon session and the per-policy writers
// (a file per session in a directory, one file, or a Redis list). A write never throws and never waits: it queues,
// appends to each file run in order, and failures are counted and reported to onError (the daemon logs them).
//
// Ours, against the original: the default directory is `{dir}/memory`, not ~/.tokenomics/memory; `redis: true` is
// honoured; a single-file `file_path` that is a directory gets `{token_hash}.md` inside it instead of silently
// disabling memory; files are 0600 and directories 0700; a pattern cannot place a file outside its directory; writers
// are flushed on close.
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Policy } from '../../core/policy/schema.js';
import { memoryEntry, memoryListValue } from '../../core/ledger/memory-format.js';
import { AppendFile, maxBytesFor, toError, type ErrorSink, type Rotation } from './rotating-file.js';

export type PolicyMemory = NonNullable<Policy['memory']>;

export interface MemoryRecord {
  readonly at: Date;
  /** The full token hash (the entry shows its first 16 characters). */
  readonly sessionId: string;
  /** `request`, `response` or `event`. */
  readonly role: string;
  readonly model: string;
  readonly content: string;
}

export interface MemoryWriter {
  /** Queues the record; never throws, never waits. */
  write(record: MemoryRecord): void;
  /** Resolves when everything queued so far is written (or has failed and been reported). */
  close(): Promise<void>;
}

/** What the Redis list writer needs of a client: an ioredis `Redis` fits. */
export interface RedisListClient {
  rpush(key: string, value: string): Promise<unknown>;
}

export const DEFAULT_PATTERN = '{token_hash}.md';
export const LEDGER_PATTERN = '{date}_{session_id}.md';
export const REDIS_KEY_PREFIX = 'tokenomics:memory:';
const CLOSE_TIMEOUT_MS = 3000;

/** A placeholder value as a single harmless path segment. */
function segment(id: string): string {
  const safe = id.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe === '' ? 'unknown' : safe === '.' || safe === '..' ? '_' : safe;
}

interface FilesOptions {
  readonly rotation?: Rotation;
  readonly onError: ErrorSink;
  readonly now?: () => Date;
}

/** Appends entries to files chosen per record, one queue per file. */
abstract class FilesWriter implements MemoryWriter {
  readonly #options: FilesOptions;
  readonly #files = new Map<string, AppendFile>();
  readonly #background = new Set<Promise<void>>();

  constructor(options: FilesOptions) {
    this.#options = options;
  }

  /** The file a record goes to. */
  protected abstract pathFor(record: MemoryRecord): string;

  write(record: MemoryRecord): void {
    let path = '';
    try {
      path = this.pathFor(record);
      const entry = memoryEntry(record.at, record.sessionId, record.role, record.model, record.content);
      this.#file(path).append(entry);
    } catch (err) {
      this.#options.onError(toError(err), path || 'memory');
    }
  }

  async close(): Promise<void> {
    while (this.#files.size > 0 || this.#background.size > 0) {
      await Promise.all([...[...this.#files.values()].map((file) => file.flushed()), ...this.#background]);
    }
  }

  #file(path: string): AppendFile {
    let file = this.#files.get(path);
    if (!file) {
      const { rotation, onError, now } = this.#options;
      file = new AppendFile({
        path,
        rotation,
        onError,
        now: now ?? (() => new Date()),
        // Forgotten when idle: the next append reads the size again, and per-date files do not pile up.
        onIdle: () => this.#files.delete(path),
        track: (work) => {
          this.#background.add(work);
          void work.finally(() => this.#background.delete(work));
        },
      });
      this.#files.set(path, file);
    }
    return file;
  }
}

export interface DirMemoryWriterOptions extends FilesOptions {
  readonly root: string;
  /** File name pattern, subdirectories allowed: `{token_hash}`, `{session_id}` (both the session id's first 16 characters) and `{date}` (UTC `YYYY-MM-DD` of the record). */
  readonly pattern?: string;
  /** Fills the id placeholders instead of the record's session id (the ledger's own session id). */
  readonly fileId?: string;
}

/** A file per session (and per date, with `{date}`) under one directory. */
export class DirMemoryWriter extends FilesWriter {
  readonly #root: string;
  readonly #pattern: string;
  readonly #fileId?: string;

  constructor(options: DirMemoryWriterOptions) {
    super(options);
    this.#root = resolve(options.root);
    this.#pattern = options.pattern || DEFAULT_PATTERN;
    this.#fileId = options.fileId;
  }

  /** The last path worked out: consecutive records usually go to the same file. */
  #last = { id: '', date: '', path: '' };

  /** The file a record goes to; throws when the pattern leads outside the directory. */
  protected pathFor(record: MemoryRecord): string {
    const id = segment((this.#fileId ?? record.sessionId).slice(0, 16));
    const date = record.at.toISOString().slice(0, 10);
    if (id === this.#last.id && date === this.#last.date) return this.#last.path;
    const name = this.#pattern.replace(/\{(token_hash|session_id|date)\}/g, (_, key: string) => (key === 'date' ? date : id));
    const path = resolve(this.#root, name);
    const inside = relative(this.#root, path);
    if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
      throw new Error(`memory file pattern ${JSON.stringify(this.#pattern)} leads outside ${this.#root}; refused`);
    }
    this.#last = { id, date, path };
    return path;
  }
}

/** Every entry appended to one file. */
export class FileMemoryWriter extends FilesWriter {
  readonly #path: string;

  constructor(options: FilesOptions & { readonly path: string }) {
    super(options);
    this.#path = resolve(options.path);
  }

  protected pathFor(): string {
    return this.#path;
  }
}

/** `RPUSH tokenomics:memory:<session id>` of `## <ts> | <role> | <model>\n\n<content>`. */
export class RedisMemoryWriter implements MemoryWriter {
  readonly #client: () => RedisListClient;
  readonly #onError: ErrorSink;
  readonly #pending = new Set<Promise<void>>();

  /** `client` is called at the first write; the client stays its owner's to close. */
  constructor(options: { readonly client: () => RedisListClient; readonly onError: ErrorSink }) {
    this.#client = options.client;
    this.#onError = options.onError;
  }

  write(record: MemoryRecord): void {
    const key = `${REDIS_KEY_PREFIX}${record.sessionId}`;
    try {
      // Issued now, in call order: one connection keeps the list in the order of the writes.
      const sent = this.#client().rpush(key, memoryListValue(record.at, record.role, record.model, record.content));
      const done = sent.then(
        () => undefined,
        (err: unknown) => this.#onError(toError(err), `redis ${key}`),
      );
      this.#pending.add(done);
      void done.finally(() => this.#pending.delete(done));
    } catch (err) {
      this.#onError(toError(err), `redis ${key}`);
    }
  }

  async close(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }
}

export interface MemoryWritersOptions {
  /** config.dir */
  readonly dir: string;
  /** config.ledger.memory */
  readonly ledgerMemory: boolean;
  /** The ledger's 8-hex session id. */
  readonly sessionId: string;
  /** The Redis client for `redis: true` policies; its owner closes it after MemoryWriters.close(). */
  readonly redis?: () => RedisListClient;
  readonly onError: ErrorSink;
  /** Names rotated archives; the clock unless a test sets it. */
  readonly now?: () => Date;
}

/** Expands `~/` and resolves a relative path against the daemon's directory. */
function resolvePath(dir: string, path: string): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return resolve(dir, path);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The memory writers of a daemon: the ledger's, and one per distinct policy `memory` setting. */
export class MemoryWriters {
  readonly #options: MemoryWritersOptions;
  readonly #onError: ErrorSink;
  readonly #writers = new Map<string, MemoryWriter>();
  #ledger?: MemoryWriter;
  #errors = 0;
  #redisFallbackReported = false;

  constructor(options: MemoryWritersOptions) {
    this.#options = options;
    this.#onError = (err, where) => {
      this.#errors++;
      try {
        options.onError(err, where);
      } catch {
        // a failing logger must not break the caller's write
      }
    };
  }

  /** Whether the ledger's own memory file is written (ledger.memory). */
  get ledgerEnabled(): boolean {
    return this.#options.ledgerMemory;
  }

  /** Failures reported so far. */
  get errors(): number {
    return this.#errors;
  }

  /** Appends to `{dir}/memory/<date>_<ledger session id>.md` when ledger.memory is on. */
  ledger(record: MemoryRecord): void {
    if (!this.#options.ledgerMemory) return;
    this.#ledger ??= new DirMemoryWriter({
      root: join(this.#options.dir, 'memory'),
      pattern: LEDGER_PATTERN,
      fileId: this.#options.sessionId,
      onError: this.#onError,
      now: this.#options.now,
    });
    this.#ledger.write(record);
  }

  /** The writer for a policy's `memory`, or undefined when memory is off; one per distinct setting. */
  forPolicy(memory: PolicyMemory | undefined): MemoryWriter | undefined {
    if (!memory?.enabled) return undefined;
    const { dir, redis, now } = this.#options;
    const onError = this.#onError;
    if (memory.redis) {
      if (redis) return this.#cached('redis', () => new RedisMemoryWriter({ client: once(redis), onError }));
      if (!this.#redisFallbackReported) {
        this.#redisFallbackReported = true;
        onError(new Error('memory.redis is set but no Redis is configured (session.redis); writing memory files instead'), 'memory policy');
      }
    }
    const rotates = memory.max_size_mb !== undefined || memory.compress_old === true;
    const rotation = rotates ? { maxBytes: maxBytesFor(memory.max_size_mb), compress: memory.compress_old === true } : undefined;
    const path = memory.file_path ? resolvePath(dir, memory.file_path) : join(dir, 'memory');
    // Without file_name the original opened file_path as a file; the default path and any existing directory get
    // a file per token inside instead.
    const pattern = memory.file_name || (!memory.file_path || isDirectory(path) ? DEFAULT_PATTERN : undefined);
    const key = JSON.stringify([pattern === undefined ? 'file' : 'dir', path, pattern ?? '', rotation?.maxBytes ?? 0, rotation?.compress ?? false]);
    return this.#cached(key, () =>
      pattern === undefined ? new FileMemoryWriter({ path, rotation, onError, now }) : new DirMemoryWriter({ root: path, pattern, rotation, onError, now }),
    );
  }

  /** Waits for the queued writes, at most 3 s; the writers stay usable. */
  async close(): Promise<{ errors: number }> {
    const writers = [...this.#writers.values(), ...(this.#ledger ? [this.#ledger] : [])];
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), CLOSE_TIMEOUT_MS)));
    const outcome = await Promise.race([Promise.all(writers.map((w) => w.close())), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.#onError(new Error(`memory writes still pending after ${CLOSE_TIMEOUT_MS / 1000} s; giving up on them`), 'close');
    return { errors: this.#errors };
  }

  #cached(key: string, create: () => MemoryWriter): MemoryWriter {
    let writer = this.#writers.get(key);
    if (!writer) this.#writers.set(key, (writer = create()));
    return writer;
  }
}

function once<T>(factory: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: factory() }).v;
}
