// Builds the dashboard document for the control API: today's usage from the ledger (the running session's journal
// plus today's earlier sessions), budget gauges per token from the counters, and the last finished requests.
import type { SessionDigest } from '../../core/ledger/digest.js';
import { listSessions, periodReport, type PeriodUsage } from '../../core/ledger/report.js';
import { policyMeters } from '../../core/limits/meters.js';
import type { BudgetGauge, DashboardSnapshot, SessionRow, TokenBudgets, UsageFigures, UsageRow } from '../../core/stats/dashboard.js';
import type { RecentRequests } from '../../core/stats/recent.js';
import type { Counts, Stats } from '../../core/stats/stats.js';
import { loadLedger } from '../ledger/ledger-index.js';
import type { UsageLimits } from '../limits/usage-limits.js';
import { limitReports } from '../proxy/key-info.js';
import type { TokenBackend } from '../store/token-backend.js';
import type { TokenRecord } from '../store/token-store.js';

export interface DashboardDeps {
  readonly dir: string;
  readonly version: string;
  readonly startedAt: string;
  readonly httpUrl?: string;
  readonly httpsUrl?: string;
  readonly keys: string;
  readonly stats: Stats;
  readonly recent: RecentRequests;
  readonly tokens: TokenBackend;
  readonly limits: UsageLimits;
  /** The running session's id; undefined when the ledger is off. */
  readonly sessionId?: string;
  readonly warn: (message: string) => void;
}

const SESSIONS_SHOWN = 20;

function figures(usage: PeriodUsage): UsageFigures {
  return {
    requests: usage.requests,
    input_tokens: usage.input_tokens,
    output_tokens: usage.output_tokens,
    cache_read_tokens: usage.cache_read_tokens,
    cache_write_tokens: usage.cache_write_tokens,
    errors: usage.errors,
    cost_usd: usage.cost_usd,
  };
}

const byCost = (a: UsageRow, b: UsageRow) => b.cost_usd - a.cost_usd || b.input_tokens + b.output_tokens - (a.input_tokens + a.output_tokens);

function todayFromLedger(digests: readonly SessionDigest[], day: string): Pick<DashboardSnapshot, 'today' | 'by_model' | 'by_token'> {
  const range = { since: day, until: day };
  const rows = (by: 'model' | 'token') =>
    periodReport(digests, { kind: 'daily', range, by }).rows.map((row) => ({ key: by === 'token' ? (row.key ?? '').slice(0, 16) : row.key ?? '', ...figures(row) })).sort(byCost);
  const total = periodReport(digests, { kind: 'daily', range }).totals;
  return { today: { day, source: 'ledger', ...figures(total) }, by_model: rows('model'), by_token: rows('token') };
}

function statsFigures(counts: Counts): UsageFigures {
  return {
    requests: counts.request_count,
    input_tokens: counts.input_tokens,
    output_tokens: counts.output_tokens,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    errors: counts.error_count,
    cost_usd: counts.cost_usd,
  };
}

/** Without a ledger: this run's in-memory stats (since the daemon started). */
function todayFromStats(stats: Stats, day: string): Pick<DashboardSnapshot, 'today' | 'by_model' | 'by_token'> {
  const doc = stats.snapshot();
  const models = new Map<string, UsageFigures>();
  for (const row of doc.by_model_and_key) {
    const known = models.get(row.model);
    const add = statsFigures(row);
    models.set(row.model, known ? sumFigures(known, add) : add);
  }
  return {
    today: { day, source: 'stats', ...statsFigures(doc.totals) },
    by_model: [...models].map(([key, f]) => ({ key, ...f })).sort(byCost),
    by_token: doc.by_token.map((row) => ({ key: row.token_hash, ...statsFigures(row) })).sort(byCost),
  };
}

function sumFigures(a: UsageFigures, b: UsageFigures): UsageFigures {
  const out = { ...a };
  for (const field of Object.keys(b) as (keyof UsageFigures)[]) out[field] += b[field];
  return out;
}

function sessionRows(digests: readonly SessionDigest[], current: string | undefined): SessionRow[] {
  return listSessions(digests)
    .slice(-SESSIONS_SHOWN)
    .reverse()
    .map((d) => ({
      session_id: d.session_id,
      started_at: d.started_at,
      duration_ms: d.session_id === current ? Date.now() - Date.parse(d.started_at) : d.duration_ms,
      requests: d.request_count,
      total_tokens: d.total_tokens,
      cost_usd: Math.round((d.totals.cost_usd ?? 0) * 1e6) / 1e6,
      ...(d.branch ? { branch: d.branch } : {}),
      running: d.session_id === current,
    }));
}

/** A token's budget gauges from the counters: empty when its policy sets no limits (parallel is not a budget). */
export async function tokenGauges(limits: UsageLimits, record: TokenRecord, now = Date.now()): Promise<BudgetGauge[]> {
  const meters = policyMeters(record.policy).filter((m) => m.kind !== 'parallel');
  if (!meters.length) return [];
  const used = await limits.usage(record.hash, meters);
  return limitReports(meters, used, now).map((r) => ({
    label: r.label,
    unit: r.unit,
    window: r.window,
    limit: r.limit,
    used: r.used,
    remaining: r.remaining,
    ...(r.resets_at ? { resets_at: r.resets_at } : {}),
  }));
}

async function budgets(deps: DashboardDeps, records: readonly TokenRecord[]): Promise<TokenBudgets[]> {
  const now = Date.now();
  const out: TokenBudgets[] = [];
  for (const record of records) {
    const gauges = await tokenGauges(deps.limits, record, now);
    if (gauges.length) out.push({ token: record.hash.slice(0, 16), gauges });
  }
  return out;
}

export async function buildDashboard(deps: DashboardDeps): Promise<DashboardSnapshot> {
  const day = new Date().toISOString().slice(0, 10);
  const ledger = deps.sessionId ? await loadLedger(deps.dir, deps.warn) : undefined;
  const digests = ledger?.sessions.map((s) => s.digest) ?? [];
  const usage = ledger ? todayFromLedger(digests, day) : todayFromStats(deps.stats, day);
  const tokens = await deps.tokens.list();
  return {
    updated_at: new Date().toISOString(),
    proxy: {
      pid: process.pid,
      version: deps.version,
      started_at: deps.startedAt,
      http_url: deps.httpUrl ?? null,
      https_url: deps.httpsUrl ?? null,
      session_id: deps.sessionId ?? null,
    },
    keys: deps.keys,
    tokens: tokens.tokens.length,
    ...usage,
    budgets: await budgets(deps, tokens.tokens),
    sessions: sessionRows(digests, deps.sessionId),
    recent: deps.recent.list(),
  };
}
