// The memory writers on real files in a temp directory, and the Redis list writer on a real redis-server (started here
// on a free loopback port; skipped outside CI where redis-server is not installed).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryEntry } from '../../core/ledger/memory-format.js';
import { SKIP_REDIS, startRedisServer, type RedisServer } from '../../../test/helpers/redis.js';
import { DirMemoryWriter, FileMemoryWriter, MemoryWriters, type MemoryRecord, type PolicyMemory } from './memory-writers.js';

const HASH = 'aaaa1111bbbb2222cccc3333dddd4444eeee5555ffff6666aaaa1111bbbb2222';
const OTHER = 'dddd4444eeee5555ffff6666aaaa1111bbbb2222cccc3333dddd4444eeee5555';
const DAY1 = new Date(Date.UTC(2026, 1, 27, 23, 59, 58));
const DAY2 = new Date(Date.UTC(2026, 1, 28, 0, 0, 1));

function record(content: string, overrides: Partial<MemoryRecord> = {}): MemoryRecord {
  return { at: DAY1, sessionId: HASH, role: 'request', model: 'gpt-4o', content, ...overrides };
}

/** The contents of a memory file's entries, in order. */
function contents(text: string): string[] {
  return text
    .split('\n\n---\n\n')
    .filter((part) => part !== '')
    .map((part) => part.slice(part.indexOf('\n\n') + 2));
}

const mode = (path: string) => statSync(path).mode & 0o777;

let dir = '';
let errors: Array<{ err: Error; where: string }> = [];
const onError = (err: Error, where: string) => errors.push({ err, where });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tokenomics-memory-'));
  errors = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('DirMemoryWriter', () => {
  it('writes a file per session in the exact entry format, 0600 in 0700 directories', async () => {
    const writer = new DirMemoryWriter({ root: join(dir, 'mem'), pattern: '{date}/{token_hash}.md', onError });
    writer.write(record('first'));
    writer.write(record('other', { sessionId: OTHER, role: 'response' }));
    writer.write(record('second'));
    await writer.close();
    const file = join(dir, 'mem', '2026-02-27', 'aaaa1111bbbb2222.md');
    expect(readFileSync(file, 'utf8')).toBe(memoryEntry(DAY1, HASH, 'request', 'gpt-4o', 'first') + memoryEntry(DAY1, HASH, 'request', 'gpt-4o', 'second'));
    expect(readFileSync(file, 'utf8').startsWith('## 2026-02-27T23:59:58Z | aaaa1111bbbb2222 | request | gpt-4o\n\nfirst\n\n---\n\n')).toBe(true);
    expect(contents(readFileSync(join(dir, 'mem', '2026-02-27', 'dddd4444eeee5555.md'), 'utf8'))).toEqual(['other']);
    expect(mode(file)).toBe(0o600);
    expect(mode(join(dir, 'mem'))).toBe(0o700);
    expect(mode(join(dir, 'mem', '2026-02-27'))).toBe(0o700);
    expect(errors).toEqual([]);
  });

  it('switches files when the date of the records rolls over', async () => {
    const writer = new DirMemoryWriter({ root: dir, pattern: '{date}_{session_id}.md', onError });
    writer.write(record('before midnight'));
    writer.write(record('after midnight', { at: DAY2 }));
    await writer.close();
    expect(readdirSync(dir).sort()).toEqual(['2026-02-27_aaaa1111bbbb2222.md', '2026-02-28_aaaa1111bbbb2222.md']);
    expect(contents(readFileSync(join(dir, '2026-02-28_aaaa1111bbbb2222.md'), 'utf8'))).toEqual(['after midnight']);
  });

  it('appends to an existing file and tightens its mode', async () => {
    writeFileSync(join(dir, 'aaaa1111bbbb2222.md'), 'old\n', { mode: 0o644 });
    const writer = new DirMemoryWriter({ root: dir, onError });
    writer.write(record('new'));
    await writer.close();
    expect(readFileSync(join(dir, 'aaaa1111bbbb2222.md'), 'utf8')).toBe(`old\n${memoryEntry(DAY1, HASH, 'request', 'gpt-4o', 'new')}`);
    expect(mode(join(dir, 'aaaa1111bbbb2222.md'))).toBe(0o600);
  });

  it('refuses a pattern leading outside its directory, and ids cannot add path segments', async () => {
    const root = join(dir, 'a', 'b');
    const writer = new DirMemoryWriter({ root, pattern: '../../x.md', onError });
    expect(() => writer.write(record('escape'))).not.toThrow();
    const absolute = new DirMemoryWriter({ root, pattern: join(dir, 'y.md'), onError });
    absolute.write(record('escape'));
    const sneaky = new DirMemoryWriter({ root, pattern: '{token_hash}.md', onError });
    sneaky.write(record('dots', { sessionId: '../../../z' }));
    await Promise.all([writer.close(), absolute.close(), sneaky.close()]);
    expect(errors).toHaveLength(2);
    expect(errors[0]!.err.message).toMatch(/outside/);
    expect(existsSync(join(dir, 'x.md'))).toBe(false);
    expect(existsSync(join(dir, 'y.md'))).toBe(false);
    expect(readdirSync(root)).toEqual(['.._.._.._z.md']);
  });

  it('never throws when the directory cannot be created, and reports the failure', async () => {
    writeFileSync(join(dir, 'blocker'), 'a file where the directory should be');
    const writers = new MemoryWriters({ dir, ledgerMemory: false, sessionId: 'ab12cd34', onError });
    const writer = writers.forPolicy({ enabled: true, file_path: join(dir, 'blocker', 'sub'), file_name: '{token_hash}.md' })!;
    expect(() => writer.write(record('lost'))).not.toThrow();
    expect(() => writer.write(record('lost too'))).not.toThrow();
    const { errors: count } = await writers.close();
    expect(count).toBe(2);
    expect(writers.errors).toBe(2);
    expect(errors[0]!.where).toBe(join(dir, 'blocker', 'sub', 'aaaa1111bbbb2222.md'));
    expect((errors[0]!.err as NodeJS.ErrnoException).code).toMatch(/ENOTDIR|EEXIST/);
  });

  it('keeps the order of many queued writes, and close() waits for them', async () => {
    const writer = new DirMemoryWriter({ root: dir, onError });
    const sent = Array.from({ length: 300 }, (_, i) => `entry ${i}`);
    for (const text of sent) writer.write(record(text));
    await writer.close();
    expect(contents(readFileSync(join(dir, 'aaaa1111bbbb2222.md'), 'utf8'))).toEqual(sent);
  });
});

describe('rotation', () => {
  const body = (i: number) => `entry ${String(i).padStart(3, '0')} ${'x'.repeat(150)}`;

  /** Every entry in the active file and its archives (gunzipped), archives by rotation order. */
  function allEntries(root: string, active: string): string[] {
    const order = (name: string) => {
      const match = /\.(\d{8}-\d{6})(?:-(\d+))?\.md/.exec(name)!;
      return `${match[1]}-${(match[2] ?? '1').padStart(4, '0')}`;
    };
    const archives = readdirSync(root)
      .filter((name) => name !== active)
      .sort((a, b) => (order(a) < order(b) ? -1 : 1));
    const texts = archives.map((name) => {
      const raw = readFileSync(join(root, name));
      return name.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    });
    return [...texts, readFileSync(join(root, active), 'utf8')].flatMap(contents);
  }

  it('rotates at about 1 KB and gzips the archives, losing no entry', async () => {
    let second = 0;
    const now = () => new Date(Date.UTC(2026, 1, 27, 15, 4, second++));
    const writers = new MemoryWriters({ dir, ledgerMemory: false, sessionId: 'ab12cd34', onError, now });
    const writer = writers.forPolicy({ enabled: true, file_path: dir, file_name: '{token_hash}.md', max_size_mb: 0.001, compress_old: true })!;
    const sent = Array.from({ length: 40 }, (_, i) => body(i));
    for (const text of sent) writer.write(record(text));
    await writers.close();
    const names = readdirSync(dir);
    const gz = names.filter((name) => name.endsWith('.gz'));
    expect(gz.length).toBeGreaterThanOrEqual(5);
    expect(gz[0]).toMatch(/^aaaa1111bbbb2222\.20260227-1504\d\d\.md\.gz$/);
    expect(names.filter((name) => name.endsWith('.md'))).toEqual(['aaaa1111bbbb2222.md']);
    for (const name of names) {
      expect(mode(join(dir, name))).toBe(0o600);
      expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(1100);
    }
    expect(allEntries(dir, 'aaaa1111bbbb2222.md')).toEqual(sent);
    expect(errors).toEqual([]);
  });

  it('numbers archives of the same second instead of overwriting them, and counts the existing file', async () => {
    const path = join(dir, 'one.log.md');
    writeFileSync(path, memoryEntry(DAY1, HASH, 'request', 'gpt-4o', 'x'.repeat(900)));
    const fixed = () => new Date(Date.UTC(2026, 1, 27, 15, 4, 5));
    const writer = new FileMemoryWriter({ path, rotation: { maxBytes: 1024, compress: false }, onError, now: fixed });
    const sent = Array.from({ length: 20 }, (_, i) => body(i));
    for (const text of sent) writer.write(record(text));
    await writer.close();
    const names = readdirSync(dir).sort();
    expect(names).toContain('one.log.20260227-150405.md');
    expect(names).toContain('one.log.20260227-150405-2.md');
    expect(names).toContain('one.log.20260227-150405-3.md');
    expect(names.some((name) => name.endsWith('.gz'))).toBe(false);
    // The first archive is the file that was there: its 900 bytes counted, so the first write rotated it.
    expect(contents(readFileSync(join(dir, 'one.log.20260227-150405.md'), 'utf8'))).toEqual(['x'.repeat(900)]);
    expect(allEntries(dir, 'one.log.md')).toEqual(['x'.repeat(900), ...sent]);
  });

  it('does not rotate when unlimited or without rotation settings', async () => {
    const writers = new MemoryWriters({ dir, ledgerMemory: false, sessionId: 'ab12cd34', onError });
    const writer = writers.forPolicy({ enabled: true, file_path: dir, file_name: '{token_hash}.md' })!;
    for (let i = 0; i < 20; i++) writer.write(record(body(i)));
    const unlimited = new DirMemoryWriter({ root: join(dir, 'u'), rotation: { maxBytes: Infinity, compress: true }, onError });
    for (let i = 0; i < 20; i++) unlimited.write(record(body(i)));
    await Promise.all([writers.close(), unlimited.close()]);
    expect(readdirSync(dir).sort()).toEqual(['aaaa1111bbbb2222.md', 'u']);
    expect(readdirSync(join(dir, 'u'))).toEqual(['aaaa1111bbbb2222.md']);
  });
});

describe('MemoryWriters', () => {
  it('writes the ledger memory to {dir}/memory/<date>_<ledger session id>.md, only when ledger.memory is on', async () => {
    const on = new MemoryWriters({ dir, ledgerMemory: true, sessionId: 'ab12cd34', onError });
    on.ledger(record('one'));
    on.ledger(record('two', { at: DAY2, role: 'response' }));
    await on.close();
    expect(readdirSync(join(dir, 'memory')).sort()).toEqual(['2026-02-27_ab12cd34.md', '2026-02-28_ab12cd34.md']);
    // The entry still names the token.
    expect(readFileSync(join(dir, 'memory', '2026-02-27_ab12cd34.md'), 'utf8')).toBe(memoryEntry(DAY1, HASH, 'request', 'gpt-4o', 'one'));
    const other = mkdtempSync(join(tmpdir(), 'tokenomics-memory-off-'));
    try {
      const off = new MemoryWriters({ dir: other, ledgerMemory: false, sessionId: 'ab12cd34', onError });
      off.ledger(record('none'));
      await off.close();
      expect(existsSync(join(other, 'memory'))).toBe(false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('chooses and caches a writer per policy setting', async () => {
    const writers = new MemoryWriters({ dir, ledgerMemory: true, sessionId: 'ab12cd34', onError });
    expect(writers.forPolicy(undefined)).toBeUndefined();
    expect(writers.forPolicy({ enabled: false, file_name: 'x.md' })).toBeUndefined();
    const policy: PolicyMemory = { enabled: true };
    const first = writers.forPolicy(policy)!;
    expect(writers.forPolicy({ enabled: true })).toBe(first);
    expect(writers.forPolicy({ enabled: true, file_name: 'other.md' })).not.toBe(first);
    // Default: a file per token under {dir}/memory (not the original's file named `memory`).
    first.write(record('hi'));
    writers.ledger(record('ledger'));
    await writers.close();
    expect(readdirSync(join(dir, 'memory')).sort()).toEqual(['2026-02-27_ab12cd34.md', 'aaaa1111bbbb2222.md']);
  });

  it('appends to one file without file_name, or to {token_hash}.md in a file_path that is a directory', async () => {
    mkdirSync(join(dir, 'existing'));
    const writers = new MemoryWriters({ dir, ledgerMemory: false, sessionId: 'ab12cd34', onError });
    writers.forPolicy({ enabled: true, file_path: 'conversations.md' })!.write(record('relative to dir'));
    writers.forPolicy({ enabled: true, file_path: join(dir, 'existing') })!.write(record('in the directory', { sessionId: OTHER }));
    await writers.close();
    expect(contents(readFileSync(join(dir, 'conversations.md'), 'utf8'))).toEqual(['relative to dir']);
    expect(contents(readFileSync(join(dir, 'existing', 'dddd4444eeee5555.md'), 'utf8'))).toEqual(['in the directory']);
    expect(errors).toEqual([]);
  });

  it('falls back to files when redis is asked for but not configured, reporting it once', async () => {
    const writers = new MemoryWriters({ dir, ledgerMemory: false, sessionId: 'ab12cd34', onError });
    writers.forPolicy({ enabled: true, redis: true })!.write(record('a'));
    writers.forPolicy({ enabled: true, redis: true })!.write(record('b'));
    expect(await writers.close()).toEqual({ errors: 1 });
    expect(errors[0]!.err.message).toMatch(/no Redis is configured/);
    expect(contents(readFileSync(join(dir, 'memory', 'aaaa1111bbbb2222.md'), 'utf8'))).toEqual(['a', 'b']);
  });

  it('reports a failing Redis without throwing', async () => {
    const redis = () => ({ rpush: () => Promise.reject(new Error('connection refused')) });
    const writers = new MemoryWriters({ dir, ledgerMemory: false, sessionId: 'ab12cd34', redis, onError });
    expect(() => writers.forPolicy({ enabled: true, redis: true })!.write(record('a'))).not.toThrow();
    expect(await writers.close()).toEqual({ errors: 1 });
    expect(errors[0]!.where).toBe(`redis tokenomics:memory:${HASH}`);
  });

  it('survives an onError callback that throws', async () => {
    const writers = new MemoryWriters({ dir, ledgerMemory: false, sessionId: 'ab12cd34', onError: () => { throw new Error('logger down'); } });
    writers.forPolicy({ enabled: true, file_name: '../../escape.md' })!.write(record('x'));
    expect(await writers.close()).toEqual({ errors: 1 });
  });
});

describe.skipIf(SKIP_REDIS)(SKIP_REDIS ? 'Redis list writer (skipped: redis-server is not on PATH)' : 'Redis list writer on a real redis-server', () => {
  let server: RedisServer | undefined;
  afterAll(async () => server?.stop());

  it('RPUSHes tokenomics:memory:<session id> in order', async () => {
    server = await startRedisServer();
    const client = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true });
    try {
      const writers = new MemoryWriters({ dir, ledgerMemory: false, sessionId: 'ab12cd34', redis: () => client, onError });
      const writer = writers.forPolicy({ enabled: true, redis: true, file_name: 'ignored.md' })!;
      for (let i = 0; i < 5; i++) writer.write(record(`message ${i}\u0000`, { role: i % 2 ? 'response' : 'request' }));
      expect(await writers.close()).toEqual({ errors: 0 });
      const list = await client.lrange(`tokenomics:memory:${HASH}`, 0, -1);
      expect(list).toHaveLength(5);
      expect(list[0]).toBe('## 2026-02-27T23:59:58Z | request | gpt-4o\n\nmessage 0 ');
      expect(list[3]).toBe('## 2026-02-27T23:59:58Z | response | gpt-4o\n\nmessage 3 ');
      expect(existsSync(join(dir, 'memory'))).toBe(false);
    } finally {
      await client.quit().catch(() => undefined);
    }
  });
});
