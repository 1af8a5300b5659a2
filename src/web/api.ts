// The admin API client: same-origin fetches to /admin/api, errors turned into one readable message.
// Types mirror the admin API contract; only the fields the page reads are listed.
import type { RequestEntry } from '../core/ledger/types.js';

export const API = '/admin/api';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly issues: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${API}${path}`, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError('cannot reach the daemon (is it running?)', 0);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const data = (json ?? {}) as { error?: unknown; issues?: unknown };
    const message = typeof data.error === 'string' ? data.error : `${res.status} ${res.statusText || 'error'}`;
    const issues = Array.isArray(data.issues) ? (data.issues as { path: string; message: string }[]) : [];
    throw new ApiError(message, res.status, issues);
  }
  if (json === undefined) throw new ApiError(`the daemon answered ${method} ${path} with something that is not JSON`, res.status);
  return json as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body: unknown) => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
};

export interface Health {
  status: string;
  version?: string;
  http_port?: number;
  https_port?: number;
  tls_enabled?: boolean;
  admin?: { enabled: boolean; auth_required: boolean };
  ledger_enabled?: boolean;
}

export interface Usage {
  request_count: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd?: number;
}

export interface AnalyticsSummary {
  totals: Usage & { error_count: number };
  active_tokens: number;
  by_provider: Record<string, number>;
  by_model: Record<string, number>;
  ledger: Usage & { sessions: number };
}

export interface Series {
  key: string;
  requests: number[];
  input_tokens: number[];
  output_tokens: number[];
  total_tokens: number[];
  cost_usd: number[];
  errors: number[];
}

export interface SeriesResponse {
  bucket: 'hour' | 'day';
  since: string;
  until: string;
  by: string;
  buckets: string[];
  series: Series[];
  totals: { requests: number; input_tokens: number; output_tokens: number; total_tokens: number; cost_usd: number; errors: number };
}

export interface BudgetGauge {
  label: string;
  unit: 'tokens' | 'usd' | 'requests' | 'parallel';
  window: string;
  limit: number;
  used: number;
  remaining: number;
  resets_at?: string;
}

export interface KeySummary {
  token_hash: string;
  created_at: string;
  expires_at?: string;
  origin?: string;
  policy: { base_key_env?: string; default_provider?: string; max_tokens?: number; rule_count: number };
  providers: { name: string; policy_count: number; models?: string[] }[];
  budgets?: BudgetGauge[];
}

export interface KeyDetail extends KeySummary {
  policy_raw: string;
}

export interface CreatedKey {
  token: string;
  hash: string;
  expires: string;
  message: string;
}

export interface SessionListItem {
  session_id: string;
  started_at: string;
  ended_at?: string;
  requests: number;
  total_tokens: number;
  cost_usd?: number;
  branch?: string;
  running?: boolean;
  recovered?: boolean;
}

export interface SessionList {
  summary: { sessions: number; request_count: number; input_tokens: number; output_tokens: number; total_tokens: number; cost_usd?: number };
  sessions: SessionListItem[];
}

/** One request of a session, as the ledger records it. */
export type SessionRequest = RequestEntry;

export interface SessionDetail {
  session_id: string;
  started_at: string;
  ended_at?: string;
  duration_ms?: number;
  git?: { branch?: string; commit_start?: string; commit_end?: string };
  totals?: Usage & { error_count?: number };
  requests?: SessionRequest[];
  recovered?: boolean;
  /** The daemon's current session: its figures are so far, its end time is not one. */
  running?: boolean;
}

export interface MemoryFile {
  path: string;
  size: number;
  mod_time: string;
}

/** One finished request as the live stream sends it (src/core/stats/recent.ts). */
export interface LiveRequest {
  at: string;
  request_id: string;
  status: number;
  latency_ms: number;
  model: string;
  provider: string;
  token: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens?: number;
  cost_usd: number;
  stream: boolean;
  error?: string;
  rules?: string[];
}
