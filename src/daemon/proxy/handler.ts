// The request pipeline for every path that is not the daemon's own: authenticate the wrapper token, resolve
// its policy and provider, forward with the real key, relay the answer and account for it. Model-calling
// paths go through their format adapter; every other path is passed through with the key swapped.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Config } from '../../core/config/types.js';
import { adapterForPath, errorShapeForPath, type FormatAdapter } from '../../core/formats/index.js';
import { GenericTap } from '../../core/formats/generic-tap.js';
import { shortHash, type EventSink } from '../../core/events/types.js';
import { applyRules, blockedMessage } from '../../core/policy/enforce.js';
import { metersFor, policyMeters } from '../../core/limits/meters.js';
import { StreamGuard } from '../../core/policy/rules/stream-guard.js';
import { retryPlan, type RetryPlan } from '../../core/proxy/retry.js';
import type { ProviderCatalog } from '../../core/providers/catalog.js';
import { GatewayError, type ErrorShape } from '../../core/proxy/errors.js';
import { extractToken } from '../../core/proxy/token-extract.js';
import type { Stats } from '../../core/stats/stats.js';
import { hashToken } from '../../core/tokens/token.js';
import { providerMeta } from '../../core/usage/provider-meta.js';
import { anyUsage, type Json } from '../../core/usage/usage.js';
import { readBody, sendError, sendJson } from '../http/io.js';
import type { Loggers } from '../log/logger.js';
import { isExpired, type TokenRecord } from '../store/token-store.js';
import { clientHeaders, upstreamRequestId } from './headers.js';
import type { UsageLimits } from '../limits/usage-limits.js';
import { sendWithRetries, type Accepted } from './attempts.js';
import { accountRequest } from './accounting.js';
import type { RecentRequests } from '../../core/stats/recent.js';
import { readAnswer, sendTranslatedError } from './answers.js';
import { guardFilter, KEEP_ALL, translateFilter } from './output-guard.js';
import { keyReport, liteLlmKeyInfo } from './key-info.js';
import { relayBody, relaySse, type BodyCopy, type RelayOutcome } from './relay.js';
import { upstreamFailure, type Upstream, type UpstreamResponse } from './upstream.js';
import { ledgerEntry, recordRuleMatches, type Outcome } from './outcome.js';
import { buildTarget, type ClientRequest, type Target } from './target.js';
import type { Ledger } from '../ledger/ledger.js';
import type { MemoryWriters } from '../ledger/memory-writers.js';
import { MEMORY_BODY_LIMIT } from '../../core/ledger/memory-format.js';
import { CommunicationLog, eventBody, safeHeaders } from './communication.js';
import { memoryWritersFor, rememberExchange, requestMemory, responseMemory, SentCopy, streamMemory } from './memory-capture.js';

/** Largest request body accepted (413 beyond). */
export const BODY_LIMIT = 32 * 1024 * 1024;
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
  readonly events: EventSink;
  readonly limits: UsageLimits;
  /** The session ledger; absent when `ledger.enabled` is off. */
  readonly ledger?: Ledger;
  /** Conversation memory: the ledger's file and each policy's `memory`. */
  readonly memory?: MemoryWriters;
  /** The dashboard's last finished requests. */
  readonly recent?: RecentRequests;
}

/** Writes the request's ledger entry (once); called right before the client gets the response's last bytes. */
type Finish = () => void;

const NO_RETRIES = (model: string): RetryPlan => ({ models: [model], attemptsPerModel: 1, retryOn: new Set(), enabled: false });


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
    const finish: Finish = () => this.#finish(outcome, { startedAt, durationMs: performance.now() - started, method: req.method ?? '', path, requestId });
    try {
      await this.#run(req, res, requestId, started, path, adapter, outcome, finish);
    } catch (err) {
      const failure = err instanceof GatewayError ? err : this.#internal(err, requestId);
      outcome.status = failure.status;
      outcome.error = failure.message;
      finish();
      sendError(res, shape, failure, { 'x-tokenomics-request-id': requestId });
    } finally {
      finish();
      await this.#settleLimits(outcome);
      accountRequest(this.deps, req, requestId, startedAt, performance.now() - started, path, outcome);
      rememberExchange(outcome, startedAt);
    }
  }

  /** Prices what the request used and journals it; runs once, before the response's last bytes when it can. */
  #finish(outcome: Outcome, context: Parameters<typeof ledgerEntry>[1]): void {
    if (outcome.recorded) return;
    outcome.recorded = true;
    if (outcome.upstreamStatus !== undefined) {
      const served = { model: outcome.fallbackModel ?? outcome.model ?? '', provider: outcome.servedProvider };
      outcome.settlement = this.deps.limits.charge(outcome.admission, outcome.usage, outcome.upstreamStatus < 400, served);
    }
    this.deps.ledger?.record(ledgerEntry(outcome, context));
  }

  /** GET /v1/tokenomics/key (and the LiteLLM alias GET /key/info): the token's own limits and usage. */
  async keyInfo(req: IncomingMessage, res: ServerResponse, requestId: string, shape: 'tokenomics' | 'litellm'): Promise<void> {
    const outcome: Outcome = { status: 0 };
    try {
      const record = await this.#authenticate(req, outcome);
      const meters = policyMeters(record.policy);
      const used = await this.deps.limits.usage(record.hash, meters);
      const now = Date.now();
      const report = shape === 'litellm' ? liteLlmKeyInfo(record, meters, used, now) : keyReport(record, meters, used, now);
      outcome.status = 200;
      sendJson(res, 200, report, { 'x-tokenomics-request-id': requestId });
    } catch (err) {
      const failure = err instanceof GatewayError ? err : this.#internal(err, requestId);
      outcome.status = failure.status;
      sendError(res, 'openai', failure, { 'x-tokenomics-request-id': requestId });
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
    if (isExpired(record)) {
      this.deps.events.emit('token.expired', { token_hash: hash.slice(0, 8), expired_at: record.expiresAt });
      throw new GatewayError('expired_token', `token expired at ${record.expiresAt}`);
    }
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
    finish: Finish,
  ): Promise<void> {
    const record = await this.#authenticate(req, outcome);
    if (record.policy.metadata) outcome.metadata = record.policy.metadata;
    const memoryWriters = memoryWritersFor(this.deps.memory, record.policy);
    if (memoryWriters.length) outcome.memory = { writers: memoryWriters };
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

    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const query = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?')) : '';
    const request: ClientRequest = { req, requestId, path, query, adapter, raw, body, record };
    const plan = adapter ? retryPlan(record.policy, model) : NO_RETRIES(model);
    const primary = buildTarget(this.deps, request, model, body, outcome);
    outcome.admission = await this.deps.limits.admit({
      requestId,
      tokenHash: record.hash,
      model,
      provider: primary.route.providerName,
      // Passed-through paths count against budgets only (embeddings cost tokens); rate limits are for model calls.
      meters: metersFor(primary.resolved, model).filter((m) => adapter || m.kind === 'budget' || m.kind === 'max_tokens'),
      body: primary.body,
      content: adapter?.content,
      rawLength: raw?.length,
      estimateIfUnreported: Boolean(adapter),
    });
    const sentAt = performance.now();
    let accepted: Accepted<Target>;
    try {
      accepted = await sendWithRetries(
        plan,
        {
          prepare: (candidate) => (candidate === model ? primary : buildTarget(this.deps, request, candidate, undefined, outcome)),
          send: (target) => this.#send(target, abort.signal),
          onSkip: (candidate, reason) => {
            outcome.skippedFallbacks = [...(outcome.skippedFallbacks ?? []), candidate];
            this.deps.logs.proxy.warn({ request_id: requestId, fallback: candidate, reason: reason.message }, 'fallback model refused by the policy');
          },
          onRetry: (candidate, why, waitMs) => {
            this.deps.logs.proxy.info({ request_id: requestId, model: candidate, reason: why, wait_ms: waitMs }, 'retrying upstream request');
          },
        },
        abort.signal,
      );
    } catch (err) {
      if (abort.signal.aborted) {
        outcome.status = 499;
        outcome.error = 'client closed the connection';
        return;
      }
      if (err instanceof GatewayError && (err.code === 'upstream_error' || err.code === 'upstream_timeout')) {
        this.deps.logs.proxy.warn({ request_id: requestId, upstream: outcome.upstreamUrl, error: err.message }, 'upstream request failed');
      }
      throw err;
    }
    await this.#respond(res, request, accepted, outcome, finish, { started, sentAt });
  }

  /** Relays the accepted answer to the client and gathers what it used, for the ledger, the limits and memory. */
  async #respond(
    res: ServerResponse,
    request: ClientRequest,
    accepted: Accepted<Target>,
    outcome: Outcome,
    finish: Finish,
    times: { readonly started: number; readonly sentAt: number },
  ): Promise<void> {
    const { requestId, path, adapter, record } = request;
    const { started, sentAt } = times;
    const model = outcome.model ?? '';
    const { target, response: upstream } = accepted;
    outcome.upstreamStatus = upstream.statusCode;
    // Logs and memory get the request as it went upstream: masked, with the policy's prompts.
    if (this.deps.logs.settings.request_body && target.payload) outcome.requestBody = target.payload.slice(0, LOGGED_BODY_LIMIT).toString();
    const memory = outcome.memory;
    if (memory) memory.request = requestMemory(target.headers, target.payload);
    const ledger = this.deps.ledger;
    const events = ledger?.eventLedger
      ? new CommunicationLog((event) => ledger.event(event), {
          token_hash: shortHash(record.hash),
          model: target.model,
          provider: target.route.providerName,
          method: target.method,
          path,
        })
      : undefined;
    if (events) {
      const contentType = target.headers['content-type'];
      events.emit('request.received', { headers: safeHeaders(target.headers), ...eventBody(target.payload, contentType) });
      events.emit('response.started', {
        status_code: upstream.statusCode,
        content_type: String(upstream.headers['content-type'] ?? '') || undefined,
        headers: safeHeaders(upstream.headers as Record<string, string | string[] | undefined>),
        retry_count: accepted.retries || undefined,
      });
    }
    outcome.servedProvider = target.route.providerName;
    outcome.retryCount = accepted.retries || undefined;
    if (target.model !== model) outcome.fallbackModel = target.model;
    const headersAt = performance.now();
    this.deps.logs.proxy.debug(
      { request_id: requestId, upstream: target.logUrl, status: upstream.statusCode, ms: Math.round(headersAt - sentAt) },
      'upstream answered',
    );

    const upstreamHeaderMap = upstream.headers as Record<string, string | string[] | undefined>;
    outcome.upstreamRequestId = upstreamRequestId(upstreamHeaderMap);
    outcome.providerMeta = providerMeta(upstreamHeaderMap);
    const isSse = String(upstreamHeaderMap['content-type'] ?? '').startsWith('text/event-stream');
    outcome.status = upstream.statusCode;
    const remaining = outcome.admission?.remaining;
    const gatewayHeaders = (): Record<string, string> => ({
      'x-tokenomics-request-id': requestId,
      'x-tokenomics-overhead-ms': (outcome.overheadMs = sentAt - started + (performance.now() - headersAt)).toFixed(2),
      ...(remaining ? { 'x-tokenomics-budget-remaining': remaining } : {}),
    });
    const toFailure = (err: unknown) => upstreamFailure(err, target.url, target.timeoutMs);
    const ok = upstream.statusCode < 400;
    const guardOutput = Boolean(adapter) && ok && target.rules.hasOutput;

    let relayed: RelayOutcome;
    /** A non-stream body as the client got it (decoded), for memory and communication events. */
    let shown: Buffer | string | undefined;
    if (isSse) {
      const bridge = target.bridge;
      const sseHeaders = clientHeaders(upstreamHeaderMap, target.addedUsage || guardOutput || Boolean(bridge));
      res.writeHead(upstream.statusCode, { ...sseHeaders, ...gatewayHeaders() });
      res.flushHeaders();
      // Usage is read from the provider's own events, before any translation.
      const tap = bridge ? bridge.upstream.createTap(false) : adapter && ok ? adapter.createTap(target.addedUsage) : new GenericTap();
      const shape = adapter?.errorShape ?? errorShapeForPath(path);
      const guard = guardOutput ? new StreamGuard(target.rules, adapter!.content.stream) : undefined;
      const guarded = guard ? guardFilter(guard, shape) : undefined;
      const filter = bridge
        ? translateFilter(bridge.stream({ model: target.model, clientBody: target.body ?? {} }), guarded)
        : guarded ?? (target.addedUsage && ok ? KEEP_ALL : undefined);
      let collected = false;
      const collect = () => {
        if (collected) return;
        collected = true;
        outcome.usage = tap.usage();
        outcome.meta = tap.meta();
        if (guard) recordRuleMatches(this.deps.events, outcome, target.model, guard.matches(), guarded?.blocked, 'output');
      };
      const sent = memory ? new SentCopy() : undefined;
      relayed = await relaySse(upstream.body, res, tap, filter, shape, toFailure, {
        beforeEnd: () => {
          collect();
          finish();
        },
        observe: sent || events ? (bytes) => (sent?.push(bytes), events?.chunk(bytes)) : undefined,
        contentLength: declaredLength(sseHeaders),
      });
      collect();
      if (memory && sent) memory.response = streamMemory(sent, adapter?.content.stream);
    } else if (target.bridge && !ok) {
      // The provider's error, in the client's error shape.
      shown = await sendTranslatedError(upstream, res, target.bridge, gatewayHeaders(), toFailure, finish);
      relayed = { complete: true, clientGone: false, bytes: shown.length };
    } else if (adapter && ok) {
      // A model's answer is read whole (it is small): checked against output rules, and refused when it is not JSON.
      const checked = await this.#sendCheckedBody(upstream, res, target, adapter!, outcome, gatewayHeaders, toFailure, finish);
      relayed = checked;
      shown = checked.shown;
    } else {
      const bodyHeaders = clientHeaders(upstreamHeaderMap, false);
      res.writeHead(upstream.statusCode, { ...bodyHeaders, ...gatewayHeaders() });
      res.flushHeaders();
      const encoding = upstreamHeaderMap['content-encoding'];
      const beforeEnd = (copy: BodyCopy) => {
        const json = copy.json();
        if (json) this.#readUsage(outcome, adapter, json);
        finish();
      };
      const result = await relayBody(upstream.body, res, typeof encoding === 'string' ? encoding : undefined, toFailure, beforeEnd, declaredLength(bodyHeaders));
      relayed = result;
      if (this.deps.logs.settings.response_body) outcome.responseBody = result.copy.text(LOGGED_BODY_LIMIT);
      if (memory || events) shown = result.copy.text(MEMORY_BODY_LIMIT);
    }
    if (memory && !isSse) memory.response = responseMemory(upstreamHeaderMap, shown);
    if (events) {
      const contentType = upstreamHeaderMap['content-type'];
      if (!isSse) events.emit('response.body', { status_code: upstream.statusCode, ...eventBody(shown, typeof contentType === 'string' ? contentType : undefined) });
      if (relayed.failure) events.emit('response.error', { status_code: upstream.statusCode, error: relayed.failure.message });
      else events.emit('response.completed', { status_code: upstream.statusCode, stream: isSse || undefined, body_bytes: relayed.bytes });
    }
    if (relayed.clientGone) {
      outcome.error = 'client closed the connection before the response ended';
    } else if (relayed.failure) {
      outcome.error = relayed.failure.message;
      this.deps.logs.proxy.warn({ request_id: requestId, upstream: target.logUrl, error: relayed.failure.message }, 'upstream failed mid-response');
    }
  }

  /** Everything needed to send the request for one model: policy checks, input rules, prompts, URL and headers. */
  async #send(target: Target, signal: AbortSignal): Promise<UpstreamResponse> {
    try {
      return await this.deps.upstream.send({
        url: target.url,
        method: target.method,
        headers: target.headers,
        body: target.payload,
        timeoutMs: target.timeoutMs,
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw err;
      throw upstreamFailure(err, target.url, target.timeoutMs);
    }
  }

  /** A model's non-stream answer: read whole, checked and masked by output rules, then sent (or refused: 403, 502). */
  async #sendCheckedBody(
    upstream: UpstreamResponse,
    res: ServerResponse,
    target: Target,
    adapter: FormatAdapter,
    outcome: Outcome,
    gatewayHeaders: () => Record<string, string>,
    toFailure: (err: unknown) => GatewayError,
    finish: Finish,
  ): Promise<RelayOutcome & { shown: Buffer }> {
    const headers = upstream.headers as Record<string, string | string[] | undefined>;
    const { bytes, decoded, json, encoding } = await readAnswer(upstream, toFailure);
    if (!json) {
      const what = decoded ? 'a body that is not a JSON object' : `a body in an encoding the gateway cannot read (${String(encoding)})`;
      throw new GatewayError('upstream_error', `the upstream (${target.logUrl}) answered ${upstream.statusCode} with ${what}; nothing of it was sent on`);
    }
    let out = bytes;
    let outHeaders = clientHeaders(headers, false);
    this.#readUsage(outcome, target.bridge?.upstream ?? adapter, json);
    // A translated answer is rewritten anyway; output rules then read it in the client's format.
    const answer = target.bridge ? target.bridge.response(json, target.model) : json;
    let rewrite = Boolean(target.bridge);
    if (target.rules.hasOutput) {
      const checked = applyRules(target.rules, 'output', (visit) => adapter.content.visitOutput(answer, visit));
      recordRuleMatches(this.deps.events, outcome, target.model, checked.matches, checked.blocked, 'output');
      if (checked.blocked) throw new GatewayError('forbidden', blockedMessage(checked.blocked, 'output'));
      rewrite ||= checked.masked;
    }
    if (rewrite) {
      out = Buffer.from(JSON.stringify(answer));
      const { 'content-encoding': _encoding, ...rest } = outHeaders;
      outHeaders = rest;
    }
    res.writeHead(upstream.statusCode, { ...outHeaders, 'content-length': String(out.length), ...gatewayHeaders() });
    finish();
    res.end(out);
    // What the client got, readable: the masked body when rules changed it, else the upstream's decoded.
    const shown = out === bytes ? decoded ?? out : out;
    if (this.deps.logs.settings.response_body) outcome.responseBody = shown.subarray(0, LOGGED_BODY_LIMIT).toString('utf8');
    return { complete: true, clientGone: false, bytes: bytes.length, shown };
  }

  /** Settles the reservation to what the request was charged, or releases it when no upstream answer was used. */
  async #settleLimits(outcome: Outcome): Promise<void> {
    const { admission, settlement } = outcome;
    if (!admission) return;
    if (settlement) await this.deps.limits.settle(admission, settlement);
    else await this.deps.limits.release(admission);
  }

  #readUsage(outcome: Outcome, adapter: FormatAdapter | undefined, json: Json): void {
    const read = adapter ? adapter.usageFromBody(json) : { usage: anyUsage(json), meta: {} };
    outcome.usage = read.usage;
    outcome.meta = read.meta;
  }

}

/** The Content-Length the client is promised, when the response carries one. */
function declaredLength(headers: Readonly<Record<string, unknown>>): number | undefined {
  const value = Number(headers['content-length']);
  return Number.isInteger(value) && value >= 0 ? value : undefined;
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
