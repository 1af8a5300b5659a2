// Column sets shared by the dashboard and the ledger browser.
import type { SessionRow, UsageRow } from '../core/stats/dashboard.js';
import { compact, duration, int, shortTime, usd } from './format.js';
import type { Column } from './UsageTable.js';

export const USAGE_COLUMNS: readonly Column<UsageRow>[] = [
  { title: 'REQ', width: 6, value: (r) => int(r.requests) },
  { title: 'IN', width: 8, value: (r) => compact(r.input_tokens) },
  { title: 'OUT', width: 8, value: (r) => compact(r.output_tokens) },
  { title: 'CACHE', width: 7, value: (r) => compact(r.cache_read_tokens + r.cache_write_tokens) },
  { title: 'ERR', width: 4, value: (r) => int(r.errors) },
  { title: 'USD', width: 9, value: (r) => usd(r.cost_usd) },
];

export const SESSION_COLUMNS: readonly Column<SessionRow>[] = [
  { title: 'STARTED', width: 11, value: (s) => shortTime(s.started_at) },
  { title: 'DURATION', width: 8, value: (s) => duration(s.duration_ms) },
  { title: 'REQ', width: 6, value: (s) => int(s.requests) },
  { title: 'TOKENS', width: 8, value: (s) => compact(s.total_tokens) },
  { title: 'USD', width: 9, value: (s) => usd(s.cost_usd) },
];

export const sessionKey = (s: SessionRow): string => `${s.session_id}${s.running ? ' ●' : ''}${s.branch ? ` ${s.branch}` : ''}`;
