// What one request did, gathered while it runs, and how it reads as a ledger entry.
import type { RequestEntry } from '../../core/ledger/types.js';
import type { Route } from '../../core/providers/route.js';
import { ruleEvents } from '../../core/events/rule-events.js';
import type { EventSink } from '../../core/events/types.js';
import type { RuleMatch, Scope } from '../../core/policy/rules/engine.js';
import type { ProviderMeta } from '../../core/usage/provider-meta.js';
import type { ResponseMeta, Usage } from '../../core/usage/usage.js';
import type { Admission, Settlement } from '../limits/usage-limits.js';
import type { MemoryWriter } from '../ledger/memory-writers.js';

export interface Outcome {
  status: number;
  tokenHash?: string;
  model?: string;
  route?: Route;
  stream?: boolean;
  usage?: Usage;
  meta?: ResponseMeta;
  error?: string;
  upstreamRequestId?: string;
  providerMeta?: ProviderMeta;
  upstreamUrl?: string;
  overheadMs?: number;
  requestBody?: string;
  responseBody?: string;
  ruleMatches?: Array<{ scope: Scope; rule: number; name?: string; action: string; message: string }>;
  retryCount?: number;
  fallbackModel?: string;
  skippedFallbacks?: string[];
  metadata?: Record<string, string>;
  admission?: Admission;
  /** An upstream answer arrived (whatever its status): its usage is settled, else the reservation is released. */
  upstreamStatus?: number;
  /** Catalog name of the provider that answered. */
  servedProvider?: string;
  /** What the request is charged: set once the answer is complete, just before the client gets its last byte. */
  settlement?: Settlement;
  /** Conversation memory of this request, when a writer wants it: the entries are written after the response. */
  memory?: { writers: MemoryWriter[]; request?: string; response?: string };
  /** The ledger entry has been written. */
  recorded?: boolean;
}

/** The request as the ledger records it. `usage` is what was charged (the estimate when the provider reported none). */
export function ledgerEntry(outcome: Outcome, context: { startedAt: Date; durationMs: number; method: string; path: string; requestId: string }): RequestEntry {
  const usage = outcome.settlement?.usage ?? outcome.usage;
  const cost = outcome.settlement?.cost;
  const meta = outcome.meta;
  const pm = outcome.providerMeta;
  const providerMeta = {
    ...(usage?.cache_read_tokens ? { cached_input_tokens: usage.cache_read_tokens } : {}),
    ...(usage?.cache_write_tokens ? { cache_creation_tokens: usage.cache_write_tokens } : {}),
    ...(usage?.reasoning_tokens ? { reasoning_tokens: usage.reasoning_tokens } : {}),
    ...(meta?.actualModel ? { actual_model: meta.actualModel } : {}),
    ...(meta?.finishReason ? { finish_reason: meta.finishReason } : {}),
    ...(pm?.rate_limit_remaining_requests !== undefined ? { rate_limit_remaining_requests: pm.rate_limit_remaining_requests } : {}),
    ...(pm?.rate_limit_remaining_tokens !== undefined ? { rate_limit_remaining_tokens: pm.rate_limit_remaining_tokens } : {}),
    ...(pm?.rate_limit_reset ? { rate_limit_reset: pm.rate_limit_reset } : {}),
  };
  return {
    timestamp: context.startedAt.toISOString(),
    token_hash: outcome.tokenHash ?? '',
    model: outcome.fallbackModel ?? outcome.model ?? meta?.actualModel ?? '',
    provider: outcome.servedProvider ?? outcome.route?.providerName ?? '',
    input_tokens: usage?.input_tokens ?? 0,
    output_tokens: usage?.output_tokens ?? 0,
    duration_ms: Math.round(context.durationMs * 100) / 100,
    status_code: outcome.status,
    ...(outcome.stream ? { stream: true } : {}),
    ...(outcome.error ? { error: outcome.error } : {}),
    ...(meta?.upstreamId ? { upstream_id: meta.upstreamId } : {}),
    ...(outcome.upstreamRequestId ? { upstream_request_id: outcome.upstreamRequestId } : {}),
    ...(outcome.retryCount ? { retry_count: outcome.retryCount } : {}),
    ...(outcome.fallbackModel ? { fallback_model: outcome.fallbackModel } : {}),
    ...(outcome.ruleMatches?.length
      ? { rule_matches: outcome.ruleMatches.map((m) => ({ ...(m.name ? { name: m.name } : {}), action: m.action, message: m.message, scope: m.scope })) }
      : {}),
    ...(outcome.metadata && Object.keys(outcome.metadata).length ? { metadata: outcome.metadata } : {}),
    ...(Object.keys(providerMeta).length ? { provider_meta: providerMeta } : {}),
    ...(cost?.usd ? { cost_usd: cost.usd } : {}),
    ...(cost?.source === 'unpriced' && usage && usage.input_tokens + usage.output_tokens > 0 ? { unpriced: true } : {}),
    ...(outcome.settlement?.estimated ? { usage_estimated: true } : {}),
    method: context.method,
    path: context.path,
    request_id: context.requestId,
  };
}

/** Records rule matches for the request log and fires their events. */
export function recordRuleMatches(
  events: EventSink,
  outcome: Outcome,
  model: string,
  matches: readonly RuleMatch[],
  blocked: RuleMatch | undefined,
  scope: Scope,
): void {
  if (!matches.length) return;
  outcome.ruleMatches = [
    ...(outcome.ruleMatches ?? []),
    ...matches.map((m) => ({ scope, rule: m.index, name: m.name, action: m.action, message: m.message })),
  ];
  for (const event of ruleEvents(matches, blocked, { tokenHash: outcome.tokenHash ?? '', model, scope })) events.emit(event.type, event.data);
}
