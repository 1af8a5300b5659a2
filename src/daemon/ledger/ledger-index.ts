// The rollup index of a ledger directory, `{dir}/sessions/.index.jsonl`: one line per session JSON file, holding the
// file's name, size and mtime and the session's digest (rollups in total and per UTC day). A report reads the index,
// lists the directory, and opens only the session files that are new or changed since their line was written, so
// reports over thousands of sessions stay fast. Journals (sessions still running, or not yet recovered) change
// while they are read and are always read fresh, never indexed.
//
// The index is a cache: a damaged line, an unreadable or unwritable index never breaks a report; it falls back to the
// files and says so once on stderr.
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { digestSession, type SessionDigest } from '../../core/ledger/digest.js';
import type { SessionSummary } from '../../core/ledger/types.js';
import { journalSummary, listSessionFiles, readJournal, readSummaryFile, sessionsDir, type SessionFile, type Warn } from './session-files.js';

export const INDEX_NAME = '.index.jsonl';
/** Bumped when the digest changes shape; lines of other versions are rebuilt from their files. */
const INDEX_VERSION = 1;

/** One line of the index. */
export interface IndexLine extends SessionDigest {
  v: number;
  name: string;
  size: number;
  mtimeMs: number;
}

export interface LedgerSession {
  readonly file: SessionFile;
  readonly digest: SessionDigest;
}

export interface LedgerView {
  /** `{dir}/sessions` */
  readonly sessionsDir: string;
  /** Whether `{dir}/sessions` exists at all. */
  readonly exists: boolean;
  /** Every readable session, in file-name order (so by start day). */
  readonly sessions: LedgerSession[];
}

export interface LoadOptions {
  /** Use and maintain the index (default true); false reads every file. */
  readonly index?: boolean;
}

interface IndexContent {
  readonly lines: Map<string, IndexLine>;
  /** Lines that cannot be reused whatever the files say: damaged, duplicated, or of another version. */
  readonly dead: number;
  /** The file does not end with a newline (an interrupted append): appending would glue two lines. */
  readonly ragged: boolean;
  readonly existed: boolean;
}

function isIndexLine(value: unknown): value is IndexLine {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Partial<IndexLine>;
  return (
    typeof v.name === 'string' &&
    typeof v.size === 'number' &&
    typeof v.mtimeMs === 'number' &&
    typeof v.session_id === 'string' &&
    typeof v.started_at === 'string' &&
    v.totals !== null && typeof v.totals === 'object' &&
    v.days !== null && typeof v.days === 'object' &&
    Array.isArray(v.models) &&
    Array.isArray(v.providers) &&
    Array.isArray(v.tokens)
  );
}

function readIndex(path: string, problem: (message: string) => void): IndexContent {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    if (!missing) problem(`cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); reading the session files instead`);
    return { lines: new Map(), dead: 0, ragged: false, existed: !missing };
  }
  const lines = new Map<string, IndexLine>();
  let dead = 0;
  let damaged = 0;
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      damaged += 1;
      continue;
    }
    if (!isIndexLine(value)) damaged += 1;
    else if (value.v !== INDEX_VERSION) dead += 1;
    else {
      if (lines.has(value.name)) dead += 1;
      lines.set(value.name, value);
    }
  }
  if (damaged) problem(`${damaged} damaged line${damaged === 1 ? '' : 's'}; rebuilding them from the session files`);
  return { lines, dead: dead + damaged, ragged: text.length > 0 && !text.endsWith('\n'), existed: true };
}

function indexLine(file: SessionFile, summary: SessionSummary): IndexLine {
  return { v: INDEX_VERSION, name: file.name, size: file.size, mtimeMs: file.mtimeMs, ...digestSession(summary) };
}

/** Writes the whole index through a temp file and a rename; the temp file never outlives a failure. */
function replaceFile(path: string, data: string): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, data, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

function serialize(lines: readonly IndexLine[]): string {
  return lines.map((line) => `${JSON.stringify(line)}\n`).join('');
}

/**
 * Reads a ledger directory for reports: the index where it still matches the files, the files where it does not,
 * journals always. Updates the index (append new lines; rewrite it when some of its lines went stale).
 */
export async function loadLedger(dir: string, warn: Warn, options: LoadOptions = {}): Promise<LedgerView> {
  const sessions = sessionsDir(dir);
  if (!existsSync(sessions)) return { sessionsDir: sessions, exists: false, sessions: [] };
  const useIndex = options.index !== false;
  const indexPath = join(sessions, INDEX_NAME);
  let warned = false;
  const problem = (message: string): void => {
    if (warned) return;
    warned = true;
    warn(`ledger index ${indexPath}: ${message}`);
  };
  const index: IndexContent = useIndex ? readIndex(indexPath, problem) : { lines: new Map(), dead: 0, ragged: false, existed: false };

  const result: LedgerSession[] = [];
  const current: IndexLine[] = [];
  const fresh: IndexLine[] = [];
  let reused = 0;
  for (const file of listSessionFiles(sessions)) {
    if (file.kind === 'journal') {
      const summary = journalSummary(file.path, await readJournal(file.path, warn), {});
      result.push({ file, digest: digestSession(summary) });
      continue;
    }
    const known = index.lines.get(file.name);
    if (known && known.size === file.size && known.mtimeMs === file.mtimeMs) {
      reused += 1;
      current.push(known);
      result.push({ file, digest: known });
      continue;
    }
    const summary = readSummaryFile(file.path, warn);
    if (!summary) continue;
    const line = indexLine(file, summary);
    fresh.push(line);
    current.push(line);
    result.push({ file, digest: line });
  }

  if (useIndex) {
    // Lines for files that changed or vanished, plus damaged and duplicate ones: rewrite rather than let them pile up.
    const stale = index.lines.size - reused + index.dead;
    try {
      // Appending is cheap but only safe onto a whole index; a new one is written whole, so that reports started
      // together on a new directory replace each other's index instead of appending the same lines twice.
      if (stale > 0 || ((index.ragged || !index.existed) && fresh.length > 0)) replaceFile(indexPath, serialize(current));
      else if (fresh.length > 0) appendFileSync(indexPath, serialize(fresh), { mode: 0o600 });
    } catch (err) {
      problem(`cannot write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); reports read every session file until it can`);
    }
  }
  return { sessionsDir: sessions, exists: true, sessions: result };
}

/** The full session object of a file (what `sessions --json` and `show` print); undefined, with a warning, if unreadable. */
export async function readSession(file: SessionFile, warn: Warn): Promise<SessionSummary | undefined> {
  if (file.kind === 'summary') return readSummaryFile(file.path, warn);
  return journalSummary(file.path, await readJournal(file.path, warn), {});
}
