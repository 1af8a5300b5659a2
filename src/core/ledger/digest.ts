// A session boiled down to what reports need: its totals, and its requests added up per UTC day, model, provider and
// token. Digests are what the rollup index stores, so a report over thousands of sessions never reopens their files.
// Day figures are arrays of numbers: 10,000 sessions then make an index of about 10 MB that parses in a fraction of a
// second, where one object per rollup made it several times larger.
import { addToTotals, emptyRollup, emptyTotals } from './rollup.js';
import type { RequestEntry, SessionSummary, SessionTotals, UsageRollup } from './types.js';
import { isObject } from '../formats/content/types.js';

/**
 * The requests of one session on one UTC day with one model, provider and token hash: indexes into the digest's
 * `models`, `providers` and `tokens` (whose entry is `""` when requests had none), then the figures.
 */
export type Cell = [
  model: number,
  provider: number,
  token: number,
  requests: number,
  input_tokens: number,
  output_tokens: number,
  total_tokens: number,
  cached_input_tokens: number,
  cache_creation_tokens: number,
  reasoning_tokens: number,
  errors: number,
  cost_usd: number,
];

export const C = { model: 0, provider: 1, token: 2, requests: 3, input: 4, output: 5, total: 6, cached: 7, creation: 8, reasoning: 9, errors: 10, cost: 11 } as const;

/** One UTC day of a session. */
export interface DayDigest {
  cells: Cell[];
  /** retries, rule violations (`fail` matches), rate limits (status 429); left out when all are 0. */
  counts?: [retries: number, rule_violations: number, rate_limits: number];
}

/** What reports need of a session, without its requests. */
export interface SessionDigest {
  session_id: string;
  started_at: string;
  ended_at: string;
  duration_ms: number;
  branch?: string;
  recovered?: boolean;
  request_count: number;
  total_tokens: number;
  /** As the session file has them. */
  totals: SessionTotals;
  models: string[];
  providers: string[];
  tokens: string[];
  /** `YYYY-MM-DD` (UTC, from each request's timestamp) -> that day's figures. */
  days: Record<string, DayDigest>;
  /** Only for a file that kept its rollups but not its requests: those rollups, for the summary. */
  rollups?: { by_model: Record<string, UsageRollup>; by_provider: Record<string, UsageRollup>; by_token: Record<string, UsageRollup> };
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

export const OPTIONAL_FIELDS = ['cached_input_tokens', 'cache_creation_tokens', 'reasoning_tokens', 'cost_usd', 'error_count'] as const;

/** A rollup read from a file, numbers forced to numbers; optional fields kept only when non-zero. */
function cleanRollup(raw: unknown): UsageRollup {
  const r = isObject(raw) ? raw : {};
  const rollup: UsageRollup = {
    request_count: num(r.request_count),
    input_tokens: num(r.input_tokens),
    output_tokens: num(r.output_tokens),
    total_tokens: num(r.total_tokens),
  };
  for (const field of OPTIONAL_FIELDS) if (num(r[field])) rollup[field] = num(r[field]);
  return rollup;
}

function cleanTotals(raw: unknown): SessionTotals {
  const r = isObject(raw) ? raw : {};
  return {
    ...cleanRollup(r),
    error_count: num(r.error_count),
    retry_count: num(r.retry_count),
    rule_violation_count: num(r.rule_violation_count),
    rate_limit_count: num(r.rate_limit_count),
  };
}

function cleanRollups(raw: unknown): Record<string, UsageRollup> {
  const out: Record<string, UsageRollup> = {};
  if (isObject(raw)) for (const [key, value] of Object.entries(raw)) out[key] = cleanRollup(value);
  return out;
}

/** A request read from a file, or undefined when it is not one; numbers forced to numbers. */
export function cleanRequest(raw: unknown): RequestEntry | undefined {
  if (!isObject(raw)) return undefined;
  const meta = isObject(raw.provider_meta) ? raw.provider_meta : undefined;
  return {
    timestamp: typeof raw.timestamp === 'string' ? raw.timestamp : '',
    token_hash: typeof raw.token_hash === 'string' ? raw.token_hash : '',
    model: typeof raw.model === 'string' ? raw.model : '',
    provider: typeof raw.provider === 'string' ? raw.provider : '',
    input_tokens: num(raw.input_tokens),
    output_tokens: num(raw.output_tokens),
    duration_ms: num(raw.duration_ms),
    status_code: num(raw.status_code),
    retry_count: num(raw.retry_count),
    cost_usd: num(raw.cost_usd),
    rule_matches: Array.isArray(raw.rule_matches) ? (raw.rule_matches.filter(isObject) as unknown as RequestEntry['rule_matches']) : undefined,
    provider_meta: meta
      ? { cached_input_tokens: num(meta.cached_input_tokens), cache_creation_tokens: num(meta.cache_creation_tokens), reasoning_tokens: num(meta.reasoning_tokens) }
      : undefined,
  };
}

/** The UTC day of an RFC 3339 time, or undefined when it is not one. */
export function utcDay(timestamp: string): string | undefined {
  const ms = Date.parse(timestamp);
  if (Number.isFinite(ms)) return new Date(ms).toISOString().slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}/.test(timestamp) ? timestamp.slice(0, 10) : undefined;
}

/** Interns strings into a list, returning their positions. */
class Keys {
  readonly list: string[] = [];
  readonly #positions = new Map<string, number>();
  at(key: string): number {
    let position = this.#positions.get(key);
    if (position === undefined) {
      position = this.list.length;
      this.list.push(key);
      this.#positions.set(key, position);
    }
    return position;
  }
}

/** Rounds sums of USD amounts so float noise (0.1 + 0.2) does not show. */
export function roundUsd(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}

/** Reduces a session (a session JSON or a journal's summary) to what reports need. */
export function digestSession(summary: SessionSummary): SessionDigest {
  const totals = cleanTotals(summary.totals);
  const startDay = utcDay(typeof summary.started_at === 'string' ? summary.started_at : '') ?? '0000-00-00';
  const models = new Keys();
  const providers = new Keys();
  const tokens = new Keys();
  const cells = new Map<string, Cell>();
  const counts = new Map<string, SessionTotals>();
  for (const raw of Array.isArray(summary.requests) ? summary.requests : []) {
    const entry = cleanRequest(raw);
    if (!entry) continue;
    const day = utcDay(entry.timestamp) ?? startDay;
    const m = models.at(entry.model);
    const p = providers.at(entry.provider);
    const t = tokens.at(entry.token_hash);
    const id = `${day} ${m} ${p} ${t}`;
    let cell = cells.get(id);
    if (!cell) cells.set(id, (cell = [m, p, t, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    cell[C.requests] += 1;
    cell[C.input] += entry.input_tokens;
    cell[C.output] += entry.output_tokens;
    cell[C.total] += entry.input_tokens + entry.output_tokens;
    cell[C.cached] += entry.provider_meta?.cached_input_tokens ?? 0;
    cell[C.creation] += entry.provider_meta?.cache_creation_tokens ?? 0;
    cell[C.reasoning] += entry.provider_meta?.reasoning_tokens ?? 0;
    cell[C.errors] += entry.status_code >= 400 ? 1 : 0;
    cell[C.cost] += entry.cost_usd ?? 0;
    let dayTotals = counts.get(day);
    if (!dayTotals) counts.set(day, (dayTotals = emptyTotals()));
    addToTotals(dayTotals, entry);
  }
  const days: Record<string, DayDigest> = {};
  for (const [id, cell] of [...cells].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    cell[C.cost] = roundUsd(cell[C.cost]);
    (days[id.slice(0, id.indexOf(' '))] ??= { cells: [] }).cells.push(cell);
  }
  for (const [day, t] of counts) {
    if (t.retry_count || t.rule_violation_count || t.rate_limit_count) days[day]!.counts = [t.retry_count, t.rule_violation_count, t.rate_limit_count];
  }
  const digest: SessionDigest = {
    session_id: summary.session_id,
    started_at: typeof summary.started_at === 'string' ? summary.started_at : '',
    ended_at: typeof summary.ended_at === 'string' ? summary.ended_at : '',
    duration_ms: num(summary.duration_ms),
    request_count: totals.request_count,
    total_tokens: totals.total_tokens,
    totals,
    models: models.list,
    providers: providers.list,
    tokens: tokens.list,
    days,
  };
  const branch = isObject(summary.git) && typeof summary.git.branch === 'string' ? summary.git.branch : '';
  if (branch) digest.branch = branch;
  if (summary.recovered === true) digest.recovered = true;
  // A file that kept its rollups but not its requests still counts: in the summary with its rollups, in day
  // reports by model on the day it started.
  if (!cells.size && totals.request_count > 0) {
    const byModel = cleanRollups(summary.by_model);
    digest.rollups = { by_model: byModel, by_provider: cleanRollups(summary.by_provider), by_token: cleanRollups(summary.by_token) };
    const fallback = Object.keys(byModel).length ? byModel : { '': totals };
    digest.days[startDay] = {
      cells: Object.entries(fallback).map(([model, r]) => [models.at(model), providers.at(''), tokens.at(''), r.request_count, r.input_tokens, r.output_tokens, r.total_tokens, r.cached_input_tokens ?? 0, r.cache_creation_tokens ?? 0, r.reasoning_tokens ?? 0, r.error_count ?? 0, r.cost_usd ?? 0]),
      ...(totals.retry_count || totals.rule_violation_count || totals.rate_limit_count ? { counts: [totals.retry_count, totals.rule_violation_count, totals.rate_limit_count] as [number, number, number] } : {}),
    };
  }
  return digest;
}

/** Adds a cell's figures to a rollup (optional fields only when non-zero). */
export function addCell(rollup: UsageRollup, cell: Cell): void {
  rollup.request_count += cell[C.requests];
  rollup.input_tokens += cell[C.input];
  rollup.output_tokens += cell[C.output];
  rollup.total_tokens += cell[C.total];
  if (cell[C.cached]) rollup.cached_input_tokens = (rollup.cached_input_tokens ?? 0) + cell[C.cached];
  if (cell[C.creation]) rollup.cache_creation_tokens = (rollup.cache_creation_tokens ?? 0) + cell[C.creation];
  if (cell[C.reasoning]) rollup.reasoning_tokens = (rollup.reasoning_tokens ?? 0) + cell[C.reasoning];
  if (cell[C.cost]) rollup.cost_usd = (rollup.cost_usd ?? 0) + cell[C.cost];
  if (cell[C.errors]) rollup.error_count = (rollup.error_count ?? 0) + cell[C.errors];
}

/** A digest's `cells` made readable, e.g. for tests: one object per cell. */
export function cellRollups(digest: SessionDigest): { day: string; model: string; provider: string; token: string; rollup: UsageRollup }[] {
  const out: { day: string; model: string; provider: string; token: string; rollup: UsageRollup }[] = [];
  for (const [day, d] of Object.entries(digest.days)) {
    for (const cell of d.cells) {
      const rollup = emptyRollup();
      addCell(rollup, cell);
      out.push({ day, model: digest.models[cell[C.model]] ?? '', provider: digest.providers[cell[C.provider]] ?? '', token: digest.tokens[cell[C.token]] ?? '', rollup });
    }
  }
  return out;
}
