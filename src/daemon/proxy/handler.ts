// The request pipeline for every path that is not the daemon's own: authenticate the wrapper token, resolve
// its policy and provider, forward with the real key, relay the answer and account for it. Model-calling
// paths go through their format adapter; every other path is passed through with the key swapped.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Config } from '../../core/config/types.js';
import { adapterForPath, errorShapeForPath, type FormatAdapter } from '../../core/formats/index.js';
import { GenericTap } from '../../core/formats/generic-tap.js';
import { resolvePolicy } from '../../core/policy/resolve.js';
import type { ProviderCatalog } from '../../core/providers/catalog.js';
import { buildUpstreamUrl, resolveRoute, RouteError, upstreamAuthHeaders, type Route } from '../../core/providers/route.js';
import { GatewayError, type ErrorShape } from '../../core/proxy/errors.js';
import { extractToken } from '../../core/proxy/token-extract.js';
import type { Stats } from '../../core/stats/stats.js';
import { hashToken } from '../../core/tokens/token.js';
import { providerMeta, type ProviderMeta } from '../../core/usage/provider-meta.js';
import { anyUsage, type Json, type ResponseMeta, type Usage } from '../../core/usage/usage.js';
import { readBody, sendError } from '../http/io.js';
import type { Loggers } from '../log/logger.js';
import { isExpired, type TokenRecord } from '../store/token-store.js';
import { clientHeaders, upstreamHeaders, upstreamRequestId } from './headers.js';
import { relayBody, relaySse, type RelayOutcome } from './relay.js';
import { upstreamFailure, type Upstream } from './upstream.js';

/** Largest request body accepted (413 beyond). */
export const BODY_LIMIT = 32 * 1024 * 1024;
/** Upstream timeout when the policy sets none: long enough for a slow non-streaming completion. */
export const DEFAULT_TIMEOUT_SECONDS = 600;
const LOGGED_BODY_LIMIT = 64 * 1024;

export interface ProxyDeps {
  readonly config: Config;
  readonly catalog: ProviderCatalog;
  readonly hashKey: Buffer;
  readonly tokens: { get(hash: string): Promise<TokenRecord | undefined> };
  readonly upstream: Upstream;
  readonly stats: Stats;
  readonly logs: Loggers;
  readonly env: NodeJS.ProcessEnv;
}

/** What one request did, for the stats, the request log and (later) the ledger. */
interface Outcome {
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
}

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class ProxyHandler {
  constructor(readonly deps: ProxyDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const started = performance.now();
    const startedAt = new Date();
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const adapter = req.method === 'POST' ? adapterForPath(path) : undefined;
    const shape: ErrorShape = adapter?.errorShape ?? errorShapeForPath(path);
    const outcome: Outcome = { status: 0 };
    try {
      await this.#run(req, res, requestId, started, path, adapter, outcome);
    } catch (err) {
      const failure = err instanceof GatewayError ? err : this.#internal(err, requestId);
      outcome.status = failure.status;
      outcome.error = failure.message;
      sendError(res, shape, failure, { 'x-tokenomics-request-id': requestId });
    } finally {
      this.#account(req, requestId, startedAt, performance.now() - started, path, outcome);
    }
  }

  #internal(err: unknown, requestId: string): GatewayError {
    this.deps.logs.app.error({ request_id: requestId, err }, 'unexpected error while proxying');
    return new GatewayError('internal_error', `internal error in the gateway (request ${requestId}); see the daemon log`);
  }

  async #authenticate(req: IncomingMessage, outcome: Outcome): Promise<TokenRecord> {
    const token = extractToken(req.headers);
    if (!token) {
      throw new GatewayError('missing_token', 'missing or invalid token (use x-api-key header or Authorization bearer token)');
    }
    const hash = hashToken(this.deps.hashKey, token);
    const record = await this.deps.tokens.get(hash);
    if (!record) throw new GatewayError('invalid_token', 'invalid token');
    outcome.tokenHash = hash;
    if (isExpired(record)) throw new GatewayError('expired_token', `token expired at ${record.expiresAt}`);
    return record;
  }

  async #run(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    started: number,
    path: string,
    adapter: FormatAdapter | undefined,
    outcome: Outcome,
  ): Promise<void> {
    const record = await this.#authenticate(req, outcome);
    const raw = METHODS_WITH_BODY.has(req.method ?? '') ? await readBody(req, BODY_LIMIT) : undefined;
    let body: Json | undefined;
    if (adapter) {
      body = parseJsonBody(raw);
      const problem = adapter.problem(body);
      if (problem) throw new GatewayError('bad_request', problem);
    } else if (raw?.length && raw[0] === 123) {
      try {
        body = JSON.parse(raw.toString('utf8')) as Json;
      } catch {
        body = undefined; // not ours to judge: the upstream answers
      }
    }
    const model = typeof body?.model === 'string' ? body.model : '';
    outcome.model = model || undefined;
    if (this.deps.logs.settings.request_body && raw) outcome.requestBody = raw.subarray(0, LOGGED_BODY_LIMIT).toString('utf8');

    const resolved = resolvePolicy(record.policy, model);
    const route = resolveRoute({
      catalog: this.deps.catalog,
      providerName: resolved.providerName ?? record.policy.default_provider,
      defaultProvider: this.deps.config.default_provider,
      policyUpstreamUrl: resolved.upstreamUrl,
      policyKeyEnv: resolved.baseKeyEnv,
      serverUpstreamUrl: this.deps.config.server.upstream_url,
    });
    outcome.route = route;
    if (adapter && route.apiFormat !== adapter.nativeFormat) {
      throw new GatewayError(
        'not_supported',
        `model "${model}" is routed to provider "${route.providerName}", which speaks the ${route.apiFormat} format; ` +
          `translating ${adapter.name} requests to it is not supported yet. Use the provider's own endpoint.`,
      );
    }
    const key = route.keyEnv ? this.deps.env[route.keyEnv] : '';
    if (route.keyEnv && !key) {
      throw new GatewayError(
        'config_error',
        `the provider key variable ${route.keyEnv} is not set in the gateway's environment; set it and restart the daemon, or change base_key_env in the token's policy`,
      );
    }

    const stream = adapter ? adapter.isStream(body!) : false;
    outcome.stream = stream || undefined;
    const addedUsage = stream && adapter ? adapter.requestStreamUsage(body!) : false;
    const payload = addedUsage ? JSON.stringify(body) : raw;

    let url: string;
    try {
      const query = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?')) : '';
      url = buildUpstreamUrl(route, adapter?.endpoint ?? 'other', path, query, model, this.deps.env, key ?? '');
    } catch (err) {
      if (err instanceof RouteError) throw new GatewayError('config_error', err.message);
      throw new GatewayError('config_error', `the upstream URL ${route.upstreamUrl} is not valid: ${(err as Error).message}`);
    }
    const logUrl = url.split('?', 1)[0]!;
    outcome.upstreamUrl = logUrl;

    const timeoutMs = (resolved.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const headers = upstreamHeaders(req.headers, { ...upstreamAuthHeaders(route, key ?? ''), 'x-client-request-id': requestId });
    const sentAt = performance.now();
    let upstream;
    try {
      upstream = await this.deps.upstream.send({ url, method: req.method ?? 'GET', headers, body: payload, timeoutMs, signal: abort.signal });
    } catch (err) {
      if (abort.signal.aborted) {
        outcome.status = 499;
        outcome.error = 'client closed the connection';
        return;
      }
      const failure = upstreamFailure(err, url, timeoutMs);
      this.deps.logs.proxy.warn({ request_id: requestId, upstream: logUrl, error: failure.message }, 'upstream request failed');
      throw failure;
    }
    const headersAt = performance.now();
    this.deps.logs.proxy.debug(
      { request_id: requestId, upstream: logUrl, status: upstream.statusCode, ms: Math.round(headersAt - sentAt) },
      'upstream answered',
    );

    const upstreamHeaderMap = upstream.headers as Record<string, string | string[] | undefined>;
    outcome.upstreamRequestId = upstreamRequestId(upstreamHeaderMap);
    outcome.providerMeta = providerMeta(upstreamHeaderMap);
    const isSse = String(upstreamHeaderMap['content-type'] ?? '').startsWith('text/event-stream');
    const overheadMs = sentAt - started + (performance.now() - headersAt);
    outcome.overheadMs = overheadMs;
    res.writeHead(upstream.statusCode, {
      ...clientHeaders(upstreamHeaderMap, isSse && addedUsage),
      'x-tokenomics-request-id': requestId,
      'x-tokenomics-overhead-ms': overheadMs.toFixed(2),
    });
    res.flushHeaders();
    outcome.status = upstream.statusCode;

    const toFailure = (err: unknown) => upstreamFailure(err, url, timeoutMs);
    let relayed: RelayOutcome;
    if (isSse) {
      const tap = adapter && upstream.statusCode < 400 ? adapter.createTap(addedUsage) : new GenericTap();
      relayed = await relaySse(upstream.body, res, tap, addedUsage && upstream.statusCode < 400, adapter?.errorShape ?? errorShapeForPath(path), toFailure);
      outcome.usage = tap.usage();
      outcome.meta = tap.meta();
    } else {
      const encoding = upstreamHeaderMap['content-encoding'];
      const result = await relayBody(upstream.body, res, typeof encoding === 'string' ? encoding : undefined, toFailure);
      relayed = result;
      const json = result.copy.json();
      if (json) {
        const read = adapter ? adapter.usageFromBody(json) : { usage: anyUsage(json), meta: {} };
        outcome.usage = read.usage;
        outcome.meta = read.meta;
      }
      if (this.deps.logs.settings.response_body) outcome.responseBody = result.copy.text(LOGGED_BODY_LIMIT);
    }
    if (relayed.clientGone) {
      outcome.error = 'client closed the connection before the response ended';
    } else if (relayed.failure) {
      outcome.error = relayed.failure.message;
      this.deps.logs.proxy.warn({ request_id: requestId, upstream: logUrl, error: relayed.failure.message }, 'upstream failed mid-response');
    }
  }

  #account(req: IncomingMessage, requestId: string, startedAt: Date, durationMs: number, path: string, outcome: Outcome): void {
    const usage = outcome.usage;
    if (outcome.tokenHash) {
      this.deps.stats.record({
        tokenHash: outcome.tokenHash,
        model: outcome.meta?.actualModel && !outcome.model ? outcome.meta.actualModel : outcome.model ?? '',
        baseKeyEnv: outcome.route?.keyEnv ?? '',
        inputTokens: usage?.input_tokens ?? 0,
        outputTokens: usage?.output_tokens ?? 0,
        error: outcome.status >= 400 || outcome.error !== undefined,
        at: startedAt,
      });
    }
    const logs = this.deps.logs;
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
        stream: outcome.stream,
        error: outcome.error,
        remote_addr: req.socket.remoteAddress,
        user_agent: req.headers['user-agent'],
        upstream_request_id: outcome.upstreamRequestId,
        upstream_id: outcome.meta?.upstreamId,
        actual_model: outcome.meta?.actualModel,
        finish_reason: outcome.meta?.finishReason,
        provider_meta: outcome.providerMeta,
        request_body: outcome.requestBody,
        response_body: outcome.responseBody,
      },
      'request',
    );
  }
}

function parseJsonBody(raw: Buffer | undefined): Json {
  if (!raw?.length) throw new GatewayError('bad_request', 'the request body is empty; send a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new GatewayError('bad_request', `invalid JSON body: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new GatewayError('bad_request', 'invalid JSON body: expected a JSON object');
  }
  return value as Json;
}
