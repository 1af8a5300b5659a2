// Usage over time for the admin page's charts, from the ledger (earlier sessions and the running session's journal):
// requests, tokens, USD and errors per hour or day, optionally split by model, token, provider, branch or a
// metadata tag. Day buckets without a tag come from the session digests alone (the ledger index); hour buckets and
// tags need each request's time or metadata, so the sessions that touch the range are read in full.
import { C, cleanRequest, roundUsd, type SessionDigest } from '../../core/ledger/digest.js';
import { sessionInRange, type DayRange } from '../../core/ledger/report.js';
import type { RequestEntry } from '../../core/ledger/types.js';
import { parseDuration } from '../../core/duration.js';
import { readSession, type LedgerSession } from '../ledger/ledger-index.js';
import type { Warn } from '../ledger/session-files.js';
import { AdminError } from './respond.js';

export type Bucket = 'hour' | 'day';
export type SeriesBy = 'none' | 'model' | 'token' | 'provider' | 'branch' | `tag:${string}`;

export interface SeriesQuery {
  readonly bucket: Bucket;
  /** Start of the first bucket. */
  readonly since: number;
  readonly until: number;
  readonly by: SeriesBy;
}

const FIELDS = ['requests', 'input_tokens', 'output_tokens', 'total_tokens', 'cost_usd', 'errors'] as const;
type Field = (typeof FIELDS)[number];
type Figures = Record<Field, number>;

export interface Series extends Record<Field, number[]> {
  key: string;
}

export interface SeriesJson {
  bucket: Bucket;
  since: string;
  until: string;
  by: SeriesBy;
  buckets: string[];
  series: Series[];
  totals: Figures;
}

const BUCKET_MS: Record<Bucket, number> = { hour: 3_600_000, day: 86_400_000 };
/** At most this many buckets per answer: a year of hours, or decades of days. */
export const MAX_BUCKETS = 9000;
/** What a request without a model, token, provider, branch or the tag is filed under. */
export const NO_KEY = '(none)';

function parseTime(name: string, text: string, now: number): number {
  const relative = parseDuration(text);
  if (relative !== undefined) return now - relative;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms)) throw new AdminError(400, `${name} must be an ISO time (2026-12-01T00:00:00Z) or a duration back from now (24h, 7d, 30d), got ${JSON.stringify(text)}`);
  return ms;
}

/** Reads and checks the query string; a 400 names the parameter at fault. */
export function parseSeriesQuery(params: URLSearchParams, now = Date.now()): SeriesQuery {
  const bucket = params.get('bucket') ?? 'hour';
  if (bucket !== 'hour' && bucket !== 'day') throw new AdminError(400, `bucket must be hour or day, got ${JSON.stringify(bucket)}`);
  const by = params.get('by') ?? 'none';
  if (!['none', 'model', 'token', 'provider', 'branch'].includes(by) && !(by.startsWith('tag:') && by.length > 4)) {
    throw new AdminError(400, `by must be none, model, token, provider, branch or tag:<metadata key>, got ${JSON.stringify(by)}`);
  }
  const until = params.get('until') ? parseTime('until', params.get('until')!, now) : now;
  const sinceRaw = parseTime('since', params.get('since') || '24h', now);
  if (sinceRaw > until) throw new AdminError(400, 'since must be before until');
  const size = BUCKET_MS[bucket];
  const since = Math.floor(sinceRaw / size) * size;
  const count = Math.floor(until / size) - since / size + 1;
  if (count > MAX_BUCKETS) throw new AdminError(400, `since: the range has ${count} ${bucket} buckets, at most ${MAX_BUCKETS}; use bucket=day or a later since`);
  return { bucket, since, until, by: by as SeriesBy };
}

class SeriesBuilder {
  readonly #series = new Map<string, Series>();
  readonly totals: Figures = { requests: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0, cost_usd: 0, errors: 0 };
  readonly buckets: string[] = [];

  constructor(readonly query: SeriesQuery) {
    const size = BUCKET_MS[query.bucket];
    for (let at = query.since; at <= query.until; at += size) this.buckets.push(new Date(at).toISOString());
    if (query.by === 'none') this.#line('all');
  }

  #line(key: string): Series {
    let line = this.#series.get(key);
    if (!line) {
      line = { key } as Series;
      for (const field of FIELDS) line[field] = new Array<number>(this.buckets.length).fill(0);
      this.#series.set(key, line);
    }
    return line;
  }

  /** Adds figures at a time; outside the range they are dropped. */
  add(at: number, key: string, figures: Figures): void {
    if (!(at >= this.query.since && at <= this.query.until)) return;
    const index = Math.floor((at - this.query.since) / BUCKET_MS[this.query.bucket]);
    const line = this.#line(this.query.by === 'none' ? 'all' : key || NO_KEY);
    for (const field of FIELDS) {
      line[field][index]! += figures[field];
      this.totals[field] += figures[field];
    }
  }

  finish(): SeriesJson {
    const requests = (s: Series) => s.requests.reduce((a, b) => a + b, 0);
    const series = [...this.#series.values()].sort((a, b) => requests(b) - requests(a) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const line of series) line.cost_usd = line.cost_usd.map(roundUsd);
    this.totals.cost_usd = roundUsd(this.totals.cost_usd);
    return {
      bucket: this.query.bucket,
      since: new Date(this.query.since).toISOString(),
      until: new Date(this.query.until).toISOString(),
      by: this.query.by,
      buckets: this.buckets,
      series,
      totals: this.totals,
    };
  }
}

function requestKey(by: SeriesBy, entry: RequestEntry, raw: Record<string, unknown>, branch: string): string {
  switch (by) {
    case 'none':
      return 'all';
    case 'model':
      return entry.model;
    case 'provider':
      return entry.provider;
    case 'token':
      return entry.token_hash.slice(0, 16);
    case 'branch':
      return branch;
    default: {
      const metadata = raw.metadata;
      const value = metadata && typeof metadata === 'object' ? (metadata as Record<string, unknown>)[by.slice(4)] : undefined;
      return typeof value === 'string' ? value : '';
    }
  }
}

function digestKey(by: SeriesBy, digest: SessionDigest, cell: SessionDigest['days'][string]['cells'][number]): string {
  switch (by) {
    case 'model':
      return digest.models[cell[C.model]] ?? '';
    case 'provider':
      return digest.providers[cell[C.provider]] ?? '';
    case 'token':
      return (digest.tokens[cell[C.token]] ?? '').slice(0, 16);
    case 'branch':
      return digest.branch ?? '';
    default:
      return 'all';
  }
}

export async function buildSeries(sessions: readonly LedgerSession[], query: SeriesQuery, warn: Warn): Promise<SeriesJson> {
  const builder = new SeriesBuilder(query);
  const range: DayRange = { since: new Date(query.since).toISOString().slice(0, 10), until: new Date(query.until).toISOString().slice(0, 10) };
  const touching = sessions.filter((s) => sessionInRange(s.digest, range));
  if (query.bucket === 'day' && !query.by.startsWith('tag:')) {
    for (const { digest } of touching) {
      for (const [day, figures] of Object.entries(digest.days)) {
        const at = Date.parse(`${day}T00:00:00.000Z`);
        for (const cell of figures.cells) {
          builder.add(at, digestKey(query.by, digest, cell), {
            requests: cell[C.requests],
            input_tokens: cell[C.input],
            output_tokens: cell[C.output],
            total_tokens: cell[C.total],
            cost_usd: cell[C.cost],
            errors: cell[C.errors],
          });
        }
      }
    }
    return builder.finish();
  }
  for (const session of touching) {
    const summary = await readSession(session.file, warn);
    if (!summary) continue;
    const branch = summary.git?.branch ?? '';
    for (const raw of summary.requests) {
      const entry = cleanRequest(raw);
      if (!entry) continue;
      const at = Date.parse(entry.timestamp);
      if (!Number.isFinite(at)) continue;
      builder.add(at, requestKey(query.by, entry, raw as unknown as Record<string, unknown>, branch), {
        requests: 1,
        input_tokens: entry.input_tokens,
        output_tokens: entry.output_tokens,
        total_tokens: entry.input_tokens + entry.output_tokens,
        cost_usd: entry.cost_usd ?? 0,
        errors: entry.status_code >= 400 ? 1 : 0,
      });
    }
  }
  return builder.finish();
}
