// The text forms of the ledger reports (reference section 14.9 words, plus our cost columns and period tables).
import type { SessionDigest } from '../../core/ledger/digest.js';
import type { GroupBy, LedgerSummaryJson, PeriodKind, PeriodReportJson, PeriodRow, PeriodUsage } from '../../core/ledger/report.js';
import type { SessionSummary, SessionTotals, UsageRollup } from '../../core/ledger/types.js';
import { formatDuration, formatInt, formatUsd, renderPairs, renderTable, RULE, truncate, type Column, type TableRow } from './table.js';

const byName = ([a]: [string, unknown], [b]: [string, unknown]): number => (a < b ? -1 : a > b ? 1 : 0);

/** The `Totals:` block: the four counts always, the others when non-zero, and the cost. */
export function totalsBlock(totals: SessionTotals): string[] {
  const pairs: [string, string][] = [
    ['Requests', formatInt(totals.request_count)],
    ['Input tokens', formatInt(totals.input_tokens)],
    ['Output tokens', formatInt(totals.output_tokens)],
    ['Total tokens', formatInt(totals.total_tokens)],
  ];
  const optional: [string, number | undefined][] = [
    ['Cached input', totals.cached_input_tokens],
    ['Cache creation', totals.cache_creation_tokens],
    ['Reasoning', totals.reasoning_tokens],
    ['Errors', totals.error_count],
    ['Retries', totals.retry_count],
    ['Rule violations', totals.rule_violation_count],
    ['Rate limited', totals.rate_limit_count],
  ];
  for (const [label, value] of optional) if (value && value > 0) pairs.push([label, formatInt(value)]);
  pairs.push(['Cost (USD)', formatUsd(totals.cost_usd ?? 0)]);
  return ['Totals:', ...renderPairs(pairs)];
}

const ROLLUP_COLUMNS: Column[] = [
  { header: 'NAME' },
  { header: 'REQUESTS', align: 'right' },
  { header: 'INPUT', align: 'right' },
  { header: 'OUTPUT', align: 'right' },
  { header: 'TOTAL', align: 'right' },
  { header: 'COST', align: 'right' },
];

/** `By Model:` / `By Provider:`: one row per name, sorted; nothing when empty. */
export function rollupTable(title: string, rollups: Record<string, UsageRollup>): string[] {
  const entries = Object.entries(rollups).sort(byName);
  if (!entries.length) return [];
  const rows = entries.map(([name, r]) => [name, formatInt(r.request_count), formatInt(r.input_tokens), formatInt(r.output_tokens), formatInt(r.total_tokens), formatUsd(r.cost_usd ?? 0)]);
  return ['', `${title}:`, ...renderTable(ROLLUP_COLUMNS, rows, '  ')];
}

export function summaryText(summary: LedgerSummaryJson): string[] {
  return [
    `Sessions: ${summary.sessions}`,
    '',
    ...totalsBlock(summary.totals),
    ...rollupTable('By Model', summary.by_model),
    ...rollupTable('By Provider', summary.by_provider),
  ];
}

/** `ledger sessions`: started = first 19 characters; branch cut to 27 + `...` past 30. */
export function sessionsText(sessions: readonly SessionDigest[]): string[] {
  const columns: Column[] = [
    { header: 'SESSION' },
    { header: 'STARTED' },
    { header: 'DURATION', align: 'right' },
    { header: 'REQUESTS', align: 'right' },
    { header: 'TOKENS', align: 'right' },
    { header: 'BRANCH' },
  ];
  const rows = sessions.map((s) => [
    s.session_id,
    s.started_at.slice(0, 19),
    formatDuration(s.duration_ms),
    formatInt(s.request_count),
    formatInt(s.total_tokens),
    truncate(s.branch ?? '', 30, 27),
  ]);
  return renderTable(columns, rows);
}

/** `ledger show <id>`: git from the file, the rest from its digest and rollups (numbers checked). */
export function sessionText(session: SessionSummary, digest: SessionDigest, rollups: LedgerSummaryJson, state: { open: boolean }): string[] {
  const head: [string, string][] = [
    ['Session', digest.session_id],
    ['Started', digest.started_at],
    ['Ended', digest.ended_at],
    ['Duration', formatDuration(digest.duration_ms)],
  ];
  if (digest.recovered) head.push(['Recovered', 'yes']);
  if (state.open) head.push(['Open', 'yes (journal only: the session is running, or its daemon stopped without closing it)']);
  const lines = renderPairs(head, '');
  const git = session.git ?? {};
  if (git.branch) {
    const pairs: [string, string][] = [['Branch', git.branch]];
    if (git.commit_start) pairs.push(['Commit start', git.commit_start]);
    if (git.commit_end) pairs.push(['Commit end', git.commit_end]);
    if (git.repo_root) pairs.push(['Repo root', git.repo_root]);
    lines.push('', 'Git:', ...renderPairs(pairs));
  }
  lines.push('', ...totalsBlock(rollups.totals), ...rollupTable('By Model', rollups.by_model), ...rollupTable('By Provider', rollups.by_provider));
  return lines;
}

const KEY_HEADERS: Record<GroupBy, string> = { model: 'MODEL', token: 'TOKEN', provider: 'PROVIDER', branch: 'BRANCH' };

function keyLabel(by: GroupBy, key: string): string {
  if (!key) return '(none)';
  return by === 'token' ? key.slice(0, 16) : truncate(key, 40);
}

function usageCells(u: PeriodUsage): string[] {
  return [
    formatInt(u.requests),
    formatInt(u.input_tokens),
    formatInt(u.output_tokens),
    formatInt(u.cache_read_tokens),
    formatInt(u.cache_write_tokens),
    formatInt(u.total_tokens),
    formatInt(u.errors),
    formatUsd(u.cost_usd),
  ];
}

/** `ledger daily|monthly`: a row per period (and key), breakdown rows under it, a rule, then the totals. */
export function periodText(report: PeriodReportJson): string[] {
  const by = report.by;
  const showModels = by !== 'model';
  const columns: Column[] = [
    { header: report.report === 'monthly' ? 'MONTH' : 'DATE' },
    ...(by ? [{ header: KEY_HEADERS[by] }] : []),
    ...(showModels ? [{ header: 'MODELS' }] : []),
    ...['REQUESTS', 'INPUT', 'OUTPUT', 'CACHE READ', 'CACHE WRITE', 'TOTAL', 'ERRORS', 'COST'].map((header) => ({ header, align: 'right' as const })),
  ];
  const rows: TableRow[] = [];
  for (const row of report.rows) {
    rows.push([row.period, ...(by ? [keyLabel(by, row.key ?? '')] : []), ...(showModels ? [truncate(row.models.join(', '), 40)] : []), ...usageCells(row)]);
    if (row.breakdown && showModels) rows.push(...breakdownRows(row, by));
  }
  rows.push(RULE, ['Total', ...(by ? [''] : []), ...(showModels ? [truncate(report.totals.models.join(', '), 40)] : []), ...usageCells(report.totals)]);
  return renderTable(columns, rows);
}

function breakdownRows(row: PeriodRow, by: GroupBy | null): string[][] {
  return (row.breakdown ?? []).map((b) => ['', ...(by ? [''] : []), `- ${truncate(b.model || '(none)', 38)}`, ...usageCells(b)]);
}

export function periodTitle(kind: PeriodKind): string {
  return kind === 'monthly' ? 'Monthly usage' : 'Daily usage';
}
