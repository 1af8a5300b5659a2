// One configured webhook: a bounded queue and one worker that POSTs events in order, with retries for failures
// that may pass (network errors, timeouts, 5xx, 429). Offering an event never waits; a full queue drops it.
// Logs name the webhook by its index and origin only: the path and query of a webhook URL are often the secret.
import { createHmac } from 'node:crypto';
import { Agent } from 'undici';
import type { WebhookConfig } from '../../core/config/types.js';
import type { EventEnvelope } from './hub.js';

export interface WebhookLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface DeliveryTuning {
  /** Events waiting per webhook; the one being delivered is not counted. */
  readonly queueSize: number;
  /** Pause before each retry; its length is the number of retries (attempts = length + 1). */
  readonly retryDelaysMs: readonly number[];
  /** Upper bound for a 429's Retry-After. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_TUNING: DeliveryTuning = { queueSize: 256, retryDelaysMs: [500, 1000, 2000], maxRetryAfterMs: 30_000 };

export interface DeliveryCounts {
  /** Answered 2xx. */
  delivered: number;
  /** Given up: a 4xx other than 429, or every attempt failed. */
  failed: number;
  /** Refused because the queue was full. */
  dropped: number;
  /** Still queued or in flight when the shutdown drain ran out. */
  undelivered: number;
}

/** Empty or `*` matches everything; `token.*` matches by prefix; anything else must be equal. */
export function matchesFilter(filter: readonly string[], type: string): boolean {
  if (!filter.length) return true;
  return filter.some((pattern) => (pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type));
}

/** The X-Webhook-Signature value for a body: `sha256=` and the lowercase hex HMAC-SHA256. */
export function signatureFor(signingKey: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', signingKey).update(body).digest('hex')}`;
}

/** Retry-After as seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text?.trim()) return undefined;
  if (/^\d+(\.\d+)?$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

type Outcome = { ok: true } | { ok: false; retry: boolean; reason: string; waitMs?: number };

/** Resolves true after `ms`, or false as soon as the signal aborts. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class WebhookDeliverer {
  readonly label: string;
  readonly counts: DeliveryCounts = { delivered: 0, failed: 0, dropped: 0, undelivered: 0 };
  readonly #queue: EventEnvelope[] = [];
  readonly #agent: Agent;
  readonly #stop = new AbortController();
  readonly #target: URL;
  #worker: Promise<void> = Promise.resolve();
  #running = false;
  #closing = false;
  #failing = 0;

  constructor(
    private readonly config: WebhookConfig,
    index: number,
    private readonly log: WebhookLog,
    private readonly tuning: DeliveryTuning = DEFAULT_TUNING,
  ) {
    this.#target = new URL(config.url);
    this.label = `webhook ${index} (${this.#target.origin})`;
    // insecure applies to this webhook's own connection pool only.
    this.#agent = new Agent({ keepAliveTimeout: 10_000, connect: config.insecure ? { rejectUnauthorized: false } : {} });
  }

  /** Queues the event if the filter wants it; never waits. */
  offer(event: EventEnvelope): void {
    if (this.#closing || !matchesFilter(this.config.events, event.type)) return;
    if (this.#queue.length >= this.tuning.queueSize) {
      this.counts.dropped++;
      if (this.counts.dropped % 100 === 1) {
        this.log.warn({ webhook: this.label, dropped: this.counts.dropped, queue: this.tuning.queueSize }, 'webhook queue full; dropping events');
      }
      return;
    }
    this.#queue.push(event);
    if (!this.#running) {
      this.#running = true;
      this.#worker = this.#run();
    }
  }

  /** Stops accepting, delivers what it can until `deadline` (epoch ms), then abandons the rest. */
  async close(deadline: number): Promise<DeliveryCounts> {
    this.#closing = true;
    const timer = setTimeout(() => this.#stop.abort(), Math.max(0, deadline - Date.now()));
    await this.#worker;
    clearTimeout(timer);
    this.counts.undelivered += this.#queue.length;
    this.#queue.length = 0;
    await this.#agent.destroy().catch(() => undefined);
    return this.counts;
  }

  async #run(): Promise<void> {
    while (this.#queue.length && !this.#stop.signal.aborted) {
      await this.#deliver(this.#queue.shift()!);
    }
    // Set in the same synchronous step as the loop's last check, so an offer() right after starts a new worker.
    this.#running = false;
  }

  async #deliver(event: EventEnvelope): Promise<void> {
    const body = JSON.stringify(event);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Tokenomics-Webhook/1.0',
      'x-event-id': event.id,
      'x-event-type': event.type,
    };
    if (this.config.secret) headers['x-webhook-secret'] = this.config.secret;
    if (this.config.signing_key) headers['x-webhook-signature'] = signatureFor(this.config.signing_key, body);
    const retries = this.tuning.retryDelaysMs;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#attempt(body, headers);
      if (outcome.ok) {
        this.counts.delivered++;
        if (this.#failing) this.log.info({ webhook: this.label, failed: this.#failing }, 'webhook deliveries succeed again');
        this.#failing = 0;
        return;
      }
      if (this.#stop.signal.aborted) {
        this.counts.undelivered++;
        return;
      }
      if (!outcome.retry || attempt > retries.length) {
        this.counts.failed++;
        this.#failing++;
        if (this.#failing % 100 === 1) {
          this.log.warn({ webhook: this.label, event: event.type, attempts: attempt, reason: outcome.reason }, 'webhook delivery failed');
        }
        return;
      }
      const wait = outcome.waitMs !== undefined ? Math.min(outcome.waitMs, this.tuning.maxRetryAfterMs) : retries[attempt - 1]!;
      if (!(await pause(wait, this.#stop.signal))) {
        this.counts.undelivered++;
        return;
      }
    }
  }

  async #attempt(body: string, headers: Record<string, string>): Promise<Outcome> {
    const timeoutMs = Math.max(1, Math.round(this.config.timeout * 1000));
    const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(timeoutMs)]);
    try {
      const res = await this.#agent.request({
        origin: this.#target.origin,
        path: `${this.#target.pathname}${this.#target.search}`,
        method: 'POST',
        headers,
        body,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      await res.body.dump({ limit: 64 * 1024, signal }).catch(() => undefined);
      const status = res.statusCode;
      if (status >= 200 && status < 300) return { ok: true };
      if (status === 429) return { ok: false, retry: true, reason: 'HTTP 429', waitMs: retryAfterMs(res.headers['retry-after']) };
      return { ok: false, retry: status >= 500, reason: `HTTP ${status}` };
    } catch (err) {
      return { ok: false, retry: true, reason: this.#redact(err) };
    }
  }

  /** A transport error in words, without the URL or the webhook's secrets. */
  #redact(err: unknown): string {
    const e = err as { name?: string; code?: string; message?: string };
    let text = e?.name === 'TimeoutError' ? `no answer within ${this.config.timeout} s` : [e?.code, e?.message].filter(Boolean).join(': ') || String(err);
    for (const secret of [this.config.url, this.#target.pathname + this.#target.search, this.config.secret, this.config.signing_key]) {
      if (secret && secret !== '/') text = text.split(secret).join('[redacted]');
    }
    return text;
  }
}
