// Reading the ledger directory: session JSON files (ours and the Go original's, same shape) and journals
// (`.jsonl`, one line per finished request) of sessions that are still running or were never closed. Damaged files
// and lines are skipped with a warning naming the file; nothing here throws on bad content.
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { summarize } from '../../core/ledger/rollup.js';
import type { CommunicationEvent, GitInfo, JournalHeader, RequestEntry, SessionSummary } from '../../core/ledger/types.js';
import { isObject } from '../../core/formats/content/types.js';

export type Warn = (message: string) => void;

export const JOURNAL_EXT = '.jsonl';
export const SUMMARY_EXT = '.json';

/** `{dir}/sessions` */
export function sessionsDir(dir: string): string {
  return join(dir, 'sessions');
}

/** `<YYYY-MM-DD>_<id>`: the base name of a session's journal and summary. */
export function sessionBase(startedAt: Date, sessionId: string): string {
  return `${startedAt.toISOString().slice(0, 10)}_${sessionId}`;
}

export interface SessionFile {
  readonly path: string;
  readonly name: string;
  readonly kind: 'summary' | 'journal';
  readonly size: number;
  readonly mtimeMs: number;
}

/** The session files of a ledger directory, sorted by name (so by start date); a journal whose summary exists is left out. */
export function listSessionFiles(sessions: string): SessionFile[] {
  let names: string[];
  try {
    names = readdirSync(sessions);
  } catch {
    return [];
  }
  const summaries = new Set(names.filter((n) => n.endsWith(SUMMARY_EXT)).map((n) => n.slice(0, -SUMMARY_EXT.length)));
  const files: SessionFile[] = [];
  for (const name of names.sort()) {
    const kind = name.endsWith(SUMMARY_EXT) ? 'summary' : name.endsWith(JOURNAL_EXT) ? 'journal' : undefined;
    if (!kind || name.startsWith('.')) continue;
    if (kind === 'journal' && summaries.has(name.slice(0, -JOURNAL_EXT.length))) continue;
    const path = join(sessions, name);
    try {
      const stat = statSync(path);
      if (stat.isFile()) files.push({ path, name, kind, size: stat.size, mtimeMs: stat.mtimeMs });
    } catch {
      // Gone meanwhile.
    }
  }
  return files;
}

/** A session JSON file, or undefined (with a warning) when it cannot be read as one. */
export function readSummaryFile(path: string, warn: Warn): SessionSummary | undefined {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    warn(`skipping ${path}: ${err instanceof SyntaxError ? `not valid JSON (${err.message})` : (err as Error).message}`);
    return undefined;
  }
  if (!isObject(value) || typeof value.session_id !== 'string' || !isObject(value.totals)) {
    warn(`skipping ${path}: not a session file (no session_id or totals)`);
    return undefined;
  }
  const summary = value as unknown as SessionSummary;
  // Files of other versions may lack the rollups; reports rely on them being objects.
  summary.by_model = isObject(summary.by_model) ? summary.by_model : {};
  summary.by_provider = isObject(summary.by_provider) ? summary.by_provider : {};
  summary.by_token = isObject(summary.by_token) ? summary.by_token : {};
  summary.requests = Array.isArray(summary.requests) ? summary.requests : [];
  summary.git = isObject(summary.git) ? summary.git : {};
  return summary;
}

export interface JournalContent {
  readonly header?: JournalHeader;
  readonly requests: RequestEntry[];
  readonly events: CommunicationEvent[];
  /** When the last line was written: the last request's or event's time, else the header's. */
  readonly lastAt?: string;
}

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * A journal's request line with every field of the wrong type made harmless (a number that is not one counts 0,
 * a list or object that is not one is dropped), so a damaged line cannot break the sums of a whole session.
 */
function journalRequest(raw: Record<string, unknown>): RequestEntry {
  const entry: Record<string, unknown> = { ...raw };
  for (const field of ['input_tokens', 'output_tokens', 'duration_ms', 'status_code']) if (!finite(entry[field])) entry[field] = 0;
  for (const field of ['token_hash', 'model', 'provider']) if (typeof entry[field] !== 'string') entry[field] = '';
  for (const field of ['retry_count', 'cost_usd']) if (field in entry && !finite(entry[field])) delete entry[field];
  if ('rule_matches' in entry) {
    if (Array.isArray(entry.rule_matches)) entry.rule_matches = entry.rule_matches.filter(isObject);
    else delete entry.rule_matches;
  }
  for (const field of ['metadata', 'provider_meta']) if (field in entry && !isObject(entry[field])) delete entry[field];
  if (isObject(entry.provider_meta)) {
    const meta: Record<string, unknown> = { ...entry.provider_meta };
    for (const [key, value] of Object.entries(meta)) if (typeof value !== 'string' && !finite(value)) delete meta[key];
    entry.provider_meta = meta;
  }
  return entry as unknown as RequestEntry;
}

/** Reads a journal line by line; damaged lines (a crash can cut the last one) are skipped with one warning per file. */
export async function readJournal(path: string, warn: Warn): Promise<JournalContent> {
  const requests: RequestEntry[] = [];
  const events: CommunicationEvent[] = [];
  let header: JournalHeader | undefined;
  let lastAt: string | undefined;
  let damaged = 0;
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (!line.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        damaged += 1;
        continue;
      }
      if (!isObject(value)) {
        damaged += 1;
        continue;
      }
      const { kind, ...rest } = value;
      if (kind === 'session' && typeof rest.session_id === 'string') header = value as unknown as JournalHeader;
      else if (kind === 'request' && typeof rest.timestamp === 'string') {
        requests.push(journalRequest(rest));
        lastAt = rest.timestamp;
      } else if (kind === 'event' && typeof rest.type === 'string') {
        events.push(rest as unknown as CommunicationEvent);
        if (typeof rest.timestamp === 'string') lastAt = rest.timestamp;
      } else damaged += 1;
    }
  } catch (err) {
    warn(`skipping the rest of ${path}: ${(err as Error).message}`);
  }
  if (damaged) warn(`skipped ${damaged} damaged line${damaged === 1 ? '' : 's'} in ${path}`);
  return { header, requests, events, lastAt: lastAt ?? header?.started_at };
}

/** The session a journal holds, summarised; identity from its header, else from its file name. */
export function journalSummary(path: string, content: JournalContent, options: { endedAt?: string; commitEnd?: string; recovered?: boolean }): SessionSummary {
  const base = basename(path, JOURNAL_EXT);
  const fallbackId = base.includes('_') ? base.slice(base.indexOf('_') + 1) : base;
  const startedAt = content.header?.started_at ?? content.requests[0]?.timestamp ?? new Date(statSafe(path)).toISOString();
  const git: GitInfo = { ...(content.header?.git ?? {}) };
  if (options.commitEnd) git.commit_end = options.commitEnd;
  return summarize({
    sessionId: content.header?.session_id ?? fallbackId,
    startedAt,
    endedAt: options.endedAt ?? content.lastAt ?? startedAt,
    git,
    requests: content.requests,
    events: content.events,
    recovered: options.recovered,
  });
}

function statSafe(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Date.now();
  }
}

/** Every session of a ledger directory, summaries and journals alike, in start order. */
export async function* readSessions(dir: string, warn: Warn): AsyncGenerator<{ file: SessionFile; summary: SessionSummary }> {
  const sessions = sessionsDir(dir);
  if (!existsSync(sessions)) return;
  for (const file of listSessionFiles(sessions)) {
    const summary = file.kind === 'summary' ? readSummaryFile(file.path, warn) : journalSummary(file.path, await readJournal(file.path, warn), {});
    if (summary) yield { file, summary };
  }
}
