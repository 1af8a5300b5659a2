// The session journal: one JSON line per finished request, appended to `{dir}/sessions/<date>_<id>.jsonl` with one
// write(2) before the request's response completes, so a crash of the daemon (even kill -9) loses no finished request:
// the line is in the kernel before the client sees the last byte. fdatasync runs at most every SYNC_MS in the
// background (a power cut can lose that much), and at close. Closing writes the session JSON atomically and removes
// the journal; a journal left without its JSON (a crash) is turned into one at the next start (`recovered: true`).
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fdatasync, fsyncSync, openSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CommunicationEvent, GitInfo, JournalHeader, RequestEntry, SessionSummary } from '../../core/ledger/types.js';
import { ensurePrivateDir, writeFileAtomic } from '../fs-safe.js';
import { JOURNAL_EXT, journalSummary, readJournal, sessionBase, sessionsDir, SUMMARY_EXT, type Warn } from './session-files.js';

const SYNC_MS = 1000;

export interface JournalOptions {
  readonly dir: string;
  readonly git: GitInfo;
  readonly warn: Warn;
  readonly now?: Date;
}

export class SessionJournal {
  readonly sessionId: string;
  readonly startedAt: Date;
  readonly path: string;
  readonly #warn: Warn;
  #fd: number | undefined;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #errors = 0;
  #syncing: Promise<void> = Promise.resolve();

  private constructor(path: string, sessionId: string, startedAt: Date, fd: number, warn: Warn) {
    this.path = path;
    this.sessionId = sessionId;
    this.startedAt = startedAt;
    this.#fd = fd;
    this.#warn = warn;
  }

  /** Starts a session: a fresh 8-hex id, and its journal with the header line. */
  static open(options: JournalOptions): SessionJournal {
    const dir = sessionsDir(options.dir);
    ensurePrivateDir(dir);
    const startedAt = options.now ?? new Date();
    let sessionId: string;
    let path: string;
    do {
      sessionId = randomBytes(4).toString('hex');
      path = join(dir, `${sessionBase(startedAt, sessionId)}${JOURNAL_EXT}`);
    } while (existsSync(path) || existsSync(path.slice(0, -JOURNAL_EXT.length) + SUMMARY_EXT));
    const fd = openSync(path, 'a', 0o600);
    const journal = new SessionJournal(path, sessionId, startedAt, fd, options.warn);
    const header: JournalHeader = { kind: 'session', session_id: sessionId, started_at: startedAt.toISOString(), git: options.git };
    journal.#append(header);
    return journal;
  }

  appendRequest(entry: RequestEntry): void {
    this.#append({ kind: 'request', ...entry });
  }

  appendEvent(event: CommunicationEvent): void {
    this.#append({ kind: 'event', ...event });
  }

  #append(line: object): void {
    const fd = this.#fd;
    if (fd === undefined) return;
    try {
      writeSync(fd, `${JSON.stringify(line)}\n`);
    } catch (err) {
      this.#errors += 1;
      // One warning per ten failures at most: a full disk must not flood the log as well.
      if (this.#errors % 10 === 1) this.#warn(`could not append to the session journal ${this.path}: ${(err as Error).message} (${this.#errors} failed so far)`);
      return;
    }
    this.#dirty = true;
    this.#timer ??= setTimeout(() => this.#sync(), SYNC_MS).unref();
  }

  #sync(): void {
    this.#timer = undefined;
    const fd = this.#fd;
    if (!this.#dirty || fd === undefined) return;
    this.#dirty = false;
    this.#syncing = new Promise((resolve) => fdatasync(fd, () => resolve()));
  }

  /**
   * Ends the session: the journal is synced and closed, the session JSON written atomically beside it (with the
   * commit at the end), and the journal removed. Returns the summary, or undefined when it could not be written
   * (the journal then stays, and the next start recovers it).
   */
  async close(commitEnd?: string, now = new Date()): Promise<SessionSummary | undefined> {
    const fd = this.#fd;
    if (fd === undefined) return undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#syncing;
    this.#fd = undefined;
    try {
      fsyncSync(fd);
    } catch {
      // Reported below if the content is unreadable; a failed sync alone loses nothing that is still in the cache.
    }
    closeSync(fd);
    const content = await readJournal(this.path, this.#warn);
    const summary = journalSummary(this.path, content, { endedAt: now.toISOString(), commitEnd });
    try {
      writeSummary(this.path, summary);
    } catch (err) {
      this.#warn(`could not write the session summary for ${this.path}: ${(err as Error).message}; it will be recovered at the next start`);
      return undefined;
    }
    return summary;
  }
}

function writeSummary(journalPath: string, summary: SessionSummary): void {
  writeFileAtomic(journalPath.slice(0, -JOURNAL_EXT.length) + SUMMARY_EXT, `${JSON.stringify(summary, null, 2)}\n`, 0o600);
  unlinkSync(journalPath);
}

/**
 * Turns the journals of earlier sessions that did not shut down cleanly into session JSON files marked recovered.
 * A journal whose JSON already exists (a crash between writing one and removing the other) is just removed.
 */
export async function recoverJournals(dir: string, warn: Warn): Promise<SessionSummary[]> {
  const sessions = sessionsDir(dir);
  let names: string[];
  try {
    names = readdirSync(sessions);
  } catch {
    return [];
  }
  const recovered: SessionSummary[] = [];
  for (const name of names) {
    if (!name.endsWith(JOURNAL_EXT)) continue;
    const path = join(sessions, name);
    try {
      if (existsSync(path.slice(0, -JOURNAL_EXT.length) + SUMMARY_EXT)) {
        unlinkSync(path);
        continue;
      }
      const summary = journalSummary(path, await readJournal(path, warn), { recovered: true });
      writeSummary(path, summary);
      recovered.push(summary);
    } catch (err) {
      warn(`could not recover the session journal ${path}: ${(err as Error).message}; it is left as it is`);
    }
  }
  return recovered;
}
