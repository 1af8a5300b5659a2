// The dashboard document (`GET /dashboard` on the control API): what `tokenomics status` renders on a terminal.
import type { RecentRequest } from './recent.js';

/** Usage figures of a row (today, one model, one token, one period). */
export interface UsageFigures {
  readonly requests: number;
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_read_tokens: number;
  readonly cache_write_tokens: number;
  readonly errors: number;
  readonly cost_usd: number;
}

export interface UsageRow extends UsageFigures {
  /** The model, the token hash prefix (16), the period or the session id. */
  readonly key: string;
}

/** One meter of a token's policy: the limit, what the current window used, and when it resets. */
export interface BudgetGauge {
  readonly label: string;
  readonly unit: 'tokens' | 'usd' | 'requests' | 'parallel';
  readonly window: string;
  readonly limit: number;
  readonly used: number;
  readonly remaining: number;
  readonly resets_at?: string;
}

export interface TokenBudgets {
  /** Token hash prefix (16). */
  readonly token: string;
  readonly gauges: readonly BudgetGauge[];
}

export interface SessionRow {
  readonly session_id: string;
  readonly started_at: string;
  readonly duration_ms: number;
  readonly requests: number;
  readonly total_tokens: number;
  readonly cost_usd: number;
  readonly branch?: string;
  /** The daemon's own session, still running. */
  readonly running: boolean;
}

export interface DashboardSnapshot {
  readonly updated_at: string;
  readonly proxy: {
    readonly pid: number;
    readonly version: string;
    readonly started_at: string;
    readonly http_url: string | null;
    readonly https_url: string | null;
    readonly session_id: string | null;
  };
  /** `keys: OS keychain (Secret Service)` */
  readonly keys: string;
  readonly tokens: number;
  /** Today (UTC): from the ledger (this session and earlier ones today), or this run's stats when the ledger is off. */
  readonly today: UsageFigures & { readonly day: string; readonly source: 'ledger' | 'stats' };
  readonly by_model: readonly UsageRow[];
  readonly by_token: readonly UsageRow[];
  readonly budgets: readonly TokenBudgets[];
  /** The latest sessions, newest first. */
  readonly sessions: readonly SessionRow[];
  /** The last finished requests, newest first. */
  readonly recent: readonly RecentRequest[];
}

/** One `event: request` of `GET /events`. */
export type DashboardEvent = RecentRequest;
