// The ledger's records, in the original's session JSON shape (reference section 8) plus our additions:
// `cost_usd` everywhere usage is counted, a real `duration_ms` per request, `recovered` on sessions rebuilt from a
// journal, and `kind` on journal lines. Every field the original wrote keeps its name, type and omit-when-empty rule.

export interface RuleMatchEntry {
  readonly name?: string;
  readonly action: string;
  readonly message: string;
  /** `input` or `output` (ours). */
  readonly scope?: string;
}

export interface ProviderMetaEntry {
  cached_input_tokens?: number;
  cache_creation_tokens?: number;
  reasoning_tokens?: number;
  actual_model?: string;
  finish_reason?: string;
  rate_limit_remaining_requests?: number;
  rate_limit_remaining_tokens?: number;
  rate_limit_reset?: string;
}

/** One finished request: what the journal holds per line and the session JSON lists under `requests`. */
export interface RequestEntry {
  /** RFC 3339 with milliseconds: when the request arrived. */
  timestamp: string;
  /** The full 64-hex token hash; empty for requests without a known token (401). */
  token_hash: string;
  model: string;
  provider: string;
  input_tokens: number;
  output_tokens: number;
  duration_ms: number;
  status_code: number;
  stream?: boolean;
  error?: string;
  upstream_id?: string;
  upstream_request_id?: string;
  retry_count?: number;
  fallback_model?: string;
  rule_matches?: RuleMatchEntry[];
  metadata?: Record<string, string>;
  provider_meta?: ProviderMetaEntry;
  /** Ours: USD cost (omitted when 0). */
  cost_usd?: number;
  /** Ours: the model has no price, so cost_usd is 0 without meaning free. */
  unpriced?: boolean;
  /** Ours: the provider reported no usage; the tokens are the gateway's estimate (what budgets were charged). */
  usage_estimated?: boolean;
  /** Ours: request method and path, so passthrough calls are told apart. */
  method?: string;
  path?: string;
  /** Ours: the gateway's request id (x-tokenomics-request-id). */
  request_id?: string;
}

/** A communication event (`ledger.event_ledger`), headers sanitised and bodies bounded. */
export interface CommunicationEvent {
  timestamp: string;
  type: 'request.received' | 'response.started' | 'response.chunk' | 'response.body' | 'response.completed' | 'response.error';
  token_hash?: string;
  model?: string;
  provider?: string;
  method?: string;
  path?: string;
  status_code?: number;
  content_type?: string;
  headers?: Record<string, string[]>;
  body?: string;
  body_bytes?: number;
  chunk_index?: number;
  stream?: boolean;
  retry_count?: number;
  error?: string;
}

export interface UsageRollup {
  request_count: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cached_input_tokens?: number;
  cache_creation_tokens?: number;
  reasoning_tokens?: number;
  /** Ours. */
  cost_usd?: number;
  /** Ours: requests with status >= 400. */
  error_count?: number;
}

export interface TokenRollup extends UsageRollup {
  models_used: string[];
  first_seen: string;
  last_seen: string;
}

export interface SessionTotals extends UsageRollup {
  error_count: number;
  retry_count: number;
  rule_violation_count: number;
  rate_limit_count: number;
}

export interface GitInfo {
  branch?: string;
  commit_start?: string;
  commit_end?: string;
  repo_root?: string;
}

/** The session JSON written at shutdown (or on recovery) to `{dir}/sessions/<date>_<id>.json`. */
export interface SessionSummary {
  session_id: string;
  started_at: string;
  ended_at: string;
  duration_ms: number;
  git: GitInfo;
  totals: SessionTotals;
  by_model: Record<string, UsageRollup>;
  by_provider: Record<string, UsageRollup>;
  by_token: Record<string, TokenRollup>;
  requests: RequestEntry[];
  communication_events?: CommunicationEvent[];
  /** Ours: rebuilt from the journal at a later start (the daemon did not shut down cleanly). */
  recovered?: boolean;
}

/** The first line of every journal: who the session is. */
export interface JournalHeader {
  kind: 'session';
  session_id: string;
  started_at: string;
  git: GitInfo;
}

/** Journal lines: the header, then requests and communication events in the order they finished. */
export type JournalLine = JournalHeader | ({ kind: 'request' } & RequestEntry) | ({ kind: 'event' } & CommunicationEvent);
