// What the ledger browser shows, built from the session digests the `ledger` reports use.
import type { SessionDigest } from '../core/ledger/digest.js';
import { listSessions, periodReport, summarizeDigests, type PeriodRow } from '../core/ledger/report.js';
import type { SessionRow, UsageRow } from '../core/stats/dashboard.js';

export interface LedgerData {
  /** `{dir}/sessions` */
  readonly where: string;
  readonly totals: { readonly sessions: number; readonly requests: number; readonly total_tokens: number; readonly cost_usd: number };
  /** Newest first. */
  readonly sessions: readonly SessionRow[];
  readonly daily: readonly UsageRow[];
  readonly monthly: readonly UsageRow[];
}

function usageRow(row: PeriodRow): UsageRow {
  return {
    key: row.period,
    requests: row.requests,
    input_tokens: row.input_tokens,
    output_tokens: row.output_tokens,
    cache_read_tokens: row.cache_read_tokens,
    cache_write_tokens: row.cache_write_tokens,
    errors: row.errors,
    cost_usd: row.cost_usd,
  };
}

/** `open`: the digests that are journals of running (or crashed, unrecovered) sessions. */
export function ledgerData(where: string, digests: readonly SessionDigest[], open: ReadonlySet<string> = new Set()): LedgerData {
  const summary = summarizeDigests(digests);
  return {
    where,
    totals: { sessions: summary.sessions, requests: summary.totals.request_count, total_tokens: summary.totals.total_tokens, cost_usd: summary.totals.cost_usd },
    sessions: listSessions(digests)
      .reverse()
      .map((d) => ({
        session_id: d.session_id,
        started_at: d.started_at,
        duration_ms: d.duration_ms,
        requests: d.request_count,
        total_tokens: d.total_tokens,
        cost_usd: Math.round((d.totals.cost_usd ?? 0) * 1e6) / 1e6,
        ...(d.branch ? { branch: d.branch } : {}),
        running: open.has(d.session_id),
      })),
    daily: periodReport(digests, { kind: 'daily' }).rows.map(usageRow).reverse(),
    monthly: periodReport(digests, { kind: 'monthly' }).rows.map(usageRow).reverse(),
  };
}
