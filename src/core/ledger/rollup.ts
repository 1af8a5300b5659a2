// Adding requests up: a session's totals and its rollups by model, provider and token (reference section 8 rules:
// errors are status >= 400, rate limits status 429, violations rule matches with action `fail`), and merging the
// rollups of many sessions for reports.
import type { CommunicationEvent, GitInfo, RequestEntry, SessionSummary, SessionTotals, TokenRollup, UsageRollup } from './types.js';

export function emptyRollup(): UsageRollup {
  return { request_count: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0 };
}

export function emptyTotals(): SessionTotals {
  return { ...emptyRollup(), error_count: 0, retry_count: 0, rule_violation_count: 0, rate_limit_count: 0 };
}

function addOptional(rollup: UsageRollup, field: 'cached_input_tokens' | 'cache_creation_tokens' | 'reasoning_tokens' | 'cost_usd' | 'error_count', value: number | undefined): void {
  if (value) rollup[field] = (rollup[field] ?? 0) + value;
}

/** Adds one request to a rollup. */
export function addEntry(rollup: UsageRollup, entry: RequestEntry): void {
  rollup.request_count += 1;
  rollup.input_tokens += entry.input_tokens;
  rollup.output_tokens += entry.output_tokens;
  rollup.total_tokens += entry.input_tokens + entry.output_tokens;
  addOptional(rollup, 'cached_input_tokens', entry.provider_meta?.cached_input_tokens);
  addOptional(rollup, 'cache_creation_tokens', entry.provider_meta?.cache_creation_tokens);
  addOptional(rollup, 'reasoning_tokens', entry.provider_meta?.reasoning_tokens);
  addOptional(rollup, 'cost_usd', entry.cost_usd);
  addOptional(rollup, 'error_count', entry.status_code >= 400 ? 1 : 0);
}

/** Adds one rollup into another (reports over many sessions). */
export function addRollup(into: UsageRollup, from: UsageRollup): void {
  into.request_count += from.request_count;
  into.input_tokens += from.input_tokens;
  into.output_tokens += from.output_tokens;
  into.total_tokens += from.total_tokens;
  addOptional(into, 'cached_input_tokens', from.cached_input_tokens);
  addOptional(into, 'cache_creation_tokens', from.cache_creation_tokens);
  addOptional(into, 'reasoning_tokens', from.reasoning_tokens);
  addOptional(into, 'cost_usd', from.cost_usd);
  addOptional(into, 'error_count', from.error_count);
}

export function addTotals(into: SessionTotals, from: SessionTotals): void {
  // addRollup adds the optional rollup error_count, which in totals is the same (always present) field: count it once.
  const errors = into.error_count;
  addRollup(into, from);
  into.error_count = errors + from.error_count;
  into.retry_count += from.retry_count;
  into.rule_violation_count += from.rule_violation_count;
  into.rate_limit_count += from.rate_limit_count;
}

/** Adds one request to session totals (the counters included). */
export function addToTotals(totals: SessionTotals, entry: RequestEntry): void {
  const errors = totals.error_count;
  addEntry(totals, entry);
  // In totals error_count is always present (the session JSON's own field), not the optional rollup one.
  totals.error_count = errors + (entry.status_code >= 400 ? 1 : 0);
  if (entry.status_code === 429) totals.rate_limit_count += 1;
  totals.retry_count += entry.retry_count ?? 0;
  totals.rule_violation_count += (entry.rule_matches ?? []).filter((m) => m.action === 'fail').length;
}

export function rollupInto<K extends string>(map: Record<K, UsageRollup>, key: K, entry: RequestEntry): void {
  addEntry((map[key] ??= emptyRollup()), entry);
}

/** Everything a session adds up to, ready to be written as its session JSON. */
export function summarize(options: {
  sessionId: string;
  startedAt: string;
  endedAt: string;
  git: GitInfo;
  requests: RequestEntry[];
  events?: CommunicationEvent[];
  recovered?: boolean;
}): SessionSummary {
  const totals = emptyTotals();
  const byModel: Record<string, UsageRollup> = {};
  const byProvider: Record<string, UsageRollup> = {};
  const byToken: Record<string, TokenRollup> = {};
  for (const entry of options.requests) {
    addToTotals(totals, entry);
    if (entry.model) rollupInto(byModel, entry.model, entry);
    if (entry.provider) rollupInto(byProvider, entry.provider, entry);
    if (entry.token_hash) {
      const token = (byToken[entry.token_hash] ??= { ...emptyRollup(), models_used: [], first_seen: entry.timestamp, last_seen: entry.timestamp });
      token.request_count += 1;
      token.input_tokens += entry.input_tokens;
      token.output_tokens += entry.output_tokens;
      token.total_tokens += entry.input_tokens + entry.output_tokens;
      addOptional(token, 'cost_usd', entry.cost_usd);
      if (entry.model && !token.models_used.includes(entry.model)) token.models_used.push(entry.model);
      token.last_seen = entry.timestamp;
    }
  }
  const started = Date.parse(options.startedAt);
  const ended = Date.parse(options.endedAt);
  return {
    session_id: options.sessionId,
    started_at: options.startedAt,
    ended_at: options.endedAt,
    duration_ms: Number.isFinite(started) && Number.isFinite(ended) ? Math.max(0, ended - started) : 0,
    git: options.git,
    totals,
    by_model: byModel,
    by_provider: byProvider,
    by_token: byToken,
    requests: options.requests,
    ...(options.events?.length ? { communication_events: options.events } : {}),
    ...(options.recovered ? { recovered: true } : {}),
  };
}
