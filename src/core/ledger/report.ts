// Ledger reports, built from session digests alone (./digest.ts): the summary merge (the reference's `ledger summary`
// plus cost), the session list and lookup, and daily/monthly periods grouped by model, token, provider or branch.
import { addCell, C, OPTIONAL_FIELDS, roundUsd, utcDay, type Cell, type DayDigest, type SessionDigest } from './digest.js';
import { addTotals, emptyRollup, emptyTotals } from './rollup.js';
import type { SessionTotals, UsageRollup } from './types.js';

/** Inclusive range of UTC days, `YYYY-MM-DD`. */
export interface DayRange {
  since?: string;
  until?: string;
}

export type PeriodKind = 'daily' | 'monthly';
export const GROUP_BY = ['model', 'token', 'provider', 'branch'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** `ledger summary --json`: the reference shape plus `cost_usd`. */
export interface LedgerSummaryJson {
  sessions: number;
  totals: SessionTotals & { cost_usd: number };
  by_model: Record<string, UsageRollup>;
  by_provider: Record<string, UsageRollup>;
  by_token: Record<string, UsageRollup>;
}

export interface PeriodUsage {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  /** = cached_input_tokens */
  cache_read_tokens: number;
  /** = cache_creation_tokens */
  cache_write_tokens: number;
  total_tokens: number;
  errors: number;
  cost_usd: number;
}

export interface ModelBreakdown extends PeriodUsage {
  model: string;
}

export interface PeriodRow extends PeriodUsage {
  /** `YYYY-MM-DD` (daily) or `YYYY-MM` (monthly), UTC. */
  period: string;
  /** With `by`: the model, token hash, provider or branch of this row (`""` when the requests had none). */
  key?: string;
  /** Models used, sorted. */
  models: string[];
  /** With `breakdown`: the row split by model, sorted by model. */
  breakdown?: ModelBreakdown[];
}

/** `ledger daily|monthly --json` */
export interface PeriodReportJson {
  report: PeriodKind;
  since: string | null;
  until: string | null;
  by: GroupBy | null;
  rows: PeriodRow[];
  totals: PeriodUsage & { models: string[] };
}

// ---------------------------------------------------------------------------------------------------------------
// Days and ranges

/** `YYYY-MM-DD` or `YYYYMMDD` -> `YYYY-MM-DD`, or undefined when it is not a real date. */
export function parseDay(value: string): string | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value.trim());
  if (!m) return undefined;
  const day = `${m[1]}-${m[2]}-${m[3]}`;
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === day ? day : undefined;
}

export function inRange(day: string, range: DayRange): boolean {
  return (!range.since || day >= range.since) && (!range.until || day <= range.until);
}

export function hasRange(range: DayRange | undefined): range is DayRange {
  return !!range && (!!range.since || !!range.until);
}

/** The period a day belongs to: the day itself, or its month. */
export function periodOf(day: string, kind: PeriodKind): string {
  return kind === 'monthly' ? day.slice(0, 7) : day;
}

/** Whether a session has requests in the range (a session without requests: whether it started in it). */
export function sessionInRange(digest: SessionDigest, range: DayRange): boolean {
  const days = Object.keys(digest.days);
  if (!days.length) return inRange(utcDay(digest.started_at) ?? '', range);
  return days.some((day) => inRange(day, range));
}

// ---------------------------------------------------------------------------------------------------------------
// Summary and session list

function addKeyed(map: Record<string, UsageRollup>, key: string | undefined, cell: Cell): void {
  if (key) addCell((map[key] ??= emptyRollup()), cell);
}

function mergeInto(into: Record<string, UsageRollup>, from: Record<string, UsageRollup>): void {
  for (const [key, rollup] of Object.entries(from)) {
    if (!key) continue;
    const target = (into[key] ??= emptyRollup());
    target.request_count += rollup.request_count;
    target.input_tokens += rollup.input_tokens;
    target.output_tokens += rollup.output_tokens;
    target.total_tokens += rollup.total_tokens;
    for (const field of OPTIONAL_FIELDS) if (rollup[field]) target[field] = (target[field] ?? 0) + rollup[field]!;
  }
}

/** What the reference keeps per token: counts and tokens (ours: cost), no cache, reasoning or error figures. */
function tokenFields(r: UsageRollup): UsageRollup {
  return { request_count: r.request_count, input_tokens: r.input_tokens, output_tokens: r.output_tokens, total_tokens: r.total_tokens, ...(r.cost_usd ? { cost_usd: roundUsd(r.cost_usd) } : {}) };
}

function finishRollups(map: Record<string, UsageRollup>, pick: (r: UsageRollup) => UsageRollup = (r) => r): Record<string, UsageRollup> {
  return Object.fromEntries(
    Object.entries(map)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, r]) => [key, pick(r.cost_usd === undefined ? r : { ...r, cost_usd: roundUsd(r.cost_usd) })]),
  );
}

/** Adds the cells and counters of one day to summary totals. */
function addDay(totals: SessionTotals, day: DayDigest): void {
  const rollup = emptyRollup();
  for (const cell of day.cells) addCell(rollup, cell);
  const errors = rollup.error_count ?? 0;
  delete rollup.error_count;
  addTotals(totals, { ...rollup, error_count: errors, retry_count: day.counts?.[0] ?? 0, rule_violation_count: day.counts?.[1] ?? 0, rate_limit_count: day.counts?.[2] ?? 0 });
}

/**
 * The sessions merged (`ledger summary`). Without a range the totals are the session files' own; with one, they are
 * added up from the days in range. By model, provider and token always come from the requests.
 */
export function summarizeDigests(digests: readonly SessionDigest[], range?: DayRange): LedgerSummaryJson {
  const totals = emptyTotals();
  const byModel: Record<string, UsageRollup> = {};
  const byProvider: Record<string, UsageRollup> = {};
  const byToken: Record<string, UsageRollup> = {};
  const ranged = hasRange(range);
  let sessions = 0;
  for (const digest of digests) {
    if (ranged && !sessionInRange(digest, range)) continue;
    sessions += 1;
    if (!ranged) addTotals(totals, digest.totals);
    if (!ranged && digest.rollups) {
      mergeInto(byModel, digest.rollups.by_model);
      mergeInto(byProvider, digest.rollups.by_provider);
      mergeInto(byToken, digest.rollups.by_token);
      continue;
    }
    for (const day in digest.days) {
      if (ranged && !inRange(day, range)) continue;
      const dayDigest = digest.days[day]!;
      if (ranged) addDay(totals, dayDigest);
      for (const cell of dayDigest.cells) {
        addKeyed(byModel, digest.models[cell[C.model]], cell);
        addKeyed(byProvider, digest.providers[cell[C.provider]], cell);
        addKeyed(byToken, digest.tokens[cell[C.token]], cell);
      }
    }
  }
  return {
    sessions,
    totals: { ...totals, cost_usd: roundUsd(totals.cost_usd ?? 0) },
    by_model: finishRollups(byModel),
    by_provider: finishRollups(byProvider),
    by_token: finishRollups(byToken, tokenFields),
  };
}

/** Sessions in start order (ties: by id), optionally only those with requests in a range. */
export function listSessions<T extends SessionDigest>(digests: readonly T[], range?: DayRange): T[] {
  const selected = hasRange(range) ? digests.filter((d) => sessionInRange(d, range)) : [...digests];
  const time = (d: SessionDigest): number => {
    const ms = Date.parse(d.started_at);
    return Number.isFinite(ms) ? ms : Number.POSITIVE_INFINITY;
  };
  return selected.sort((a, b) => time(a) - time(b) || (a.session_id < b.session_id ? -1 : a.session_id > b.session_id ? 1 : 0));
}

/** `show <id>`: the exact id, else the first (in the given order) whose id starts with it. */
export function findSession<T extends SessionDigest>(digests: readonly T[], id: string): { match?: T; candidates: number } {
  const exact = digests.find((d) => d.session_id === id);
  if (exact) return { match: exact, candidates: 1 };
  const prefixed = id ? digests.filter((d) => d.session_id.startsWith(id)) : [];
  return { match: prefixed[0], candidates: prefixed.length };
}

// ---------------------------------------------------------------------------------------------------------------
// Periods

function emptyUsage(): PeriodUsage {
  return { requests: 0, input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, total_tokens: 0, errors: 0, cost_usd: 0 };
}

function addCellUsage(into: PeriodUsage, cell: Cell): void {
  into.requests += cell[C.requests];
  into.input_tokens += cell[C.input];
  into.output_tokens += cell[C.output];
  into.cache_read_tokens += cell[C.cached];
  into.cache_write_tokens += cell[C.creation];
  into.total_tokens += cell[C.total];
  into.errors += cell[C.errors];
  into.cost_usd += cell[C.cost];
}

function addUsages(into: PeriodUsage, from: PeriodUsage): void {
  for (const field of Object.keys(from) as (keyof PeriodUsage)[]) into[field] += from[field];
}

function finishUsage<T extends PeriodUsage>(usage: T): T {
  usage.cost_usd = roundUsd(usage.cost_usd);
  return usage;
}

interface Group {
  usage: PeriodUsage;
  models: Map<string, PeriodUsage>;
}

function groupKey(digest: SessionDigest, cell: Cell, by: GroupBy | undefined): string {
  switch (by) {
    case undefined:
      return '';
    case 'branch':
      return digest.branch ?? '';
    case 'model':
      return digest.models[cell[C.model]] ?? '';
    case 'provider':
      return digest.providers[cell[C.provider]] ?? '';
    case 'token':
      return digest.tokens[cell[C.token]] ?? '';
  }
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `ledger daily|monthly`: one row per period (and per `by` key), plus the totals of all rows. */
export function periodReport(
  digests: readonly SessionDigest[],
  options: { kind: PeriodKind; range?: DayRange; by?: GroupBy; breakdown?: boolean },
): PeriodReportJson {
  const range = options.range ?? {};
  const periods = new Map<string, Map<string, Group>>();
  for (const digest of digests) {
    for (const day in digest.days) {
      if (!inRange(day, range)) continue;
      const period = periodOf(day, options.kind);
      let groups = periods.get(period);
      if (!groups) periods.set(period, (groups = new Map()));
      for (const cell of digest.days[day]!.cells) {
        const key = groupKey(digest, cell, options.by);
        let group = groups.get(key);
        if (!group) groups.set(key, (group = { usage: emptyUsage(), models: new Map() }));
        addCellUsage(group.usage, cell);
        const model = digest.models[cell[C.model]] ?? '';
        let usage = group.models.get(model);
        if (!usage) group.models.set(model, (usage = emptyUsage()));
        addCellUsage(usage, cell);
      }
    }
  }
  const rows: PeriodRow[] = [];
  const totals = emptyUsage();
  const allModels = new Set<string>();
  for (const period of [...periods.keys()].sort(byString)) {
    const groups = periods.get(period)!;
    for (const key of [...groups.keys()].sort(byString)) {
      const group = groups.get(key)!;
      const models = [...group.models.keys()].filter(Boolean).sort(byString);
      models.forEach((m) => allModels.add(m));
      addUsages(totals, group.usage);
      const row: PeriodRow = { period, ...(options.by ? { key } : {}), ...finishUsage(group.usage), models };
      if (options.breakdown) {
        row.breakdown = [...group.models.entries()].sort(([a], [b]) => byString(a, b)).map(([model, usage]) => ({ model, ...finishUsage(usage) }));
      }
      rows.push(row);
    }
  }
  return {
    report: options.kind,
    since: range.since ?? null,
    until: range.until ?? null,
    by: options.by ?? null,
    rows,
    totals: { ...finishUsage(totals), models: [...allModels].sort(byString) },
  };
}
