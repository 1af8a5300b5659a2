// After a request: the in-memory stats behind /stats, the dashboard's recent requests, the request.completed event,
// and the request log line.
import type { IncomingMessage } from 'node:http';
import { shortHash, type EventSink } from '../../core/events/types.js';
import type { RecentRequest, RecentRequests } from '../../core/stats/recent.js';
import type { Stats } from '../../core/stats/stats.js';
import type { Loggers } from '../log/logger.js';
import type { Outcome } from './outcome.js';

export interface AccountingDeps {
  readonly stats: Stats;
  readonly events: EventSink;
  readonly logs: Loggers;
  /** The dashboard's ring of finished requests (and its live feed). */
  readonly recent?: RecentRequests;
}

function recentEntry(requestId: string, startedAt: Date, durationMs: number, outcome: Outcome): RecentRequest {
  const usage = outcome.settlement?.usage ?? outcome.usage;
  const rules = outcome.ruleMatches?.map((m) => `${m.name || `#${m.rule}`} (${m.action})`);
  return {
    at: startedAt.toISOString(),
    request_id: requestId,
    status: outcome.status,
    latency_ms: Math.round(durationMs),
    model: outcome.fallbackModel ?? outcome.model ?? outcome.meta?.actualModel ?? '',
    provider: outcome.servedProvider ?? outcome.route?.providerName ?? '',
    token: outcome.tokenHash ? outcome.tokenHash.slice(0, 8) : '',
    input_tokens: usage?.input_tokens ?? 0,
    output_tokens: usage?.output_tokens ?? 0,
    cache_read_tokens: usage?.cache_read_tokens ?? 0,
    cost_usd: outcome.settlement?.cost.usd ?? 0,
    stream: outcome.stream ?? false,
    ...(outcome.error ? { error: outcome.error } : {}),
    ...(rules?.length ? { rules } : {}),
  };
}

export function accountRequest(deps: AccountingDeps, req: IncomingMessage, requestId: string, startedAt: Date, durationMs: number, path: string, outcome: Outcome): void {
  // What the request was charged (the estimate when the provider reported nothing), as the ledger has it.
  const usage = outcome.settlement?.usage ?? outcome.usage;
  if (outcome.tokenHash) {
    deps.stats.record({
      tokenHash: outcome.tokenHash,
      model: outcome.meta?.actualModel && !outcome.model ? outcome.meta.actualModel : outcome.model ?? '',
      baseKeyEnv: outcome.route?.keyEnv ?? '',
      inputTokens: usage?.input_tokens ?? 0,
      outputTokens: usage?.output_tokens ?? 0,
      costUsd: outcome.settlement?.cost.usd ?? 0,
      error: outcome.status >= 400 || outcome.error !== undefined,
      at: startedAt,
    });
    deps.events.emit('request.completed', {
      token_hash: shortHash(outcome.tokenHash),
      model: outcome.fallbackModel ?? outcome.model ?? '',
      stream: outcome.stream ?? false,
      status_code: outcome.status,
      input_tokens: usage?.input_tokens ?? 0,
      output_tokens: usage?.output_tokens ?? 0,
      error: outcome.status >= 400 || outcome.error !== undefined,
    });
  }
  deps.recent?.push(recentEntry(requestId, startedAt, durationMs, outcome));
  const logs = deps.logs;
  if (logs.settings.disable_request && outcome.tokenHash) return;
  logs.app.info(
    {
      request_id: requestId,
      timestamp: startedAt.toISOString(),
      method: req.method,
      path,
      token_hash: outcome.tokenHash ? logs.tokenLabel(outcome.tokenHash) : undefined,
      model: outcome.model,
      provider: outcome.route?.providerName,
      base_key_env: outcome.route?.keyEnv,
      upstream_url: outcome.upstreamUrl,
      status_code: outcome.status,
      duration_ms: Math.round(durationMs),
      overhead_ms: outcome.overheadMs === undefined ? undefined : Number(outcome.overheadMs.toFixed(2)),
      input_tokens: usage?.input_tokens || undefined,
      output_tokens: usage?.output_tokens || undefined,
      cache_read_tokens: usage?.cache_read_tokens || undefined,
      cache_write_tokens: usage?.cache_write_tokens || undefined,
      reasoning_tokens: usage?.reasoning_tokens || undefined,
      cost_usd: outcome.settlement?.cost.usd,
      unpriced_model: (outcome.settlement?.cost.source === 'unpriced' && Boolean(usage?.input_tokens || usage?.output_tokens)) || undefined,
      stream: outcome.stream,
      error: outcome.error,
      remote_addr: req.socket.remoteAddress,
      user_agent: req.headers['user-agent'],
      upstream_request_id: outcome.upstreamRequestId,
      upstream_id: outcome.meta?.upstreamId,
      actual_model: outcome.meta?.actualModel,
      finish_reason: outcome.meta?.finishReason,
      provider_meta: outcome.providerMeta,
      rule_matches: outcome.ruleMatches,
      retry_count: outcome.retryCount,
      fallback_model: outcome.fallbackModel,
      skipped_fallbacks: outcome.skippedFallbacks,
      request_body: outcome.requestBody,
      response_body: outcome.responseBody,
    },
    'request',
  );
}
