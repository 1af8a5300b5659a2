// Sends a request under a policy's retry plan: each model (the requested one, then each fallback) is tried up to
// 1 + max_retries times; retryable statuses and transport failures move on after an exponential backoff with jitter
// that honours Retry-After. The last answer is returned as it is, so the client sees the upstream's own error body.
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError } from '../../core/proxy/errors.js';
import { backoffMs, MAX_RETRY_AFTER_MS, retryAfterMs, type RetryPlan } from '../../core/proxy/retry.js';
import type { UpstreamResponse } from './upstream.js';

export interface Accepted<T> {
  readonly target: T;
  readonly response: UpstreamResponse;
  /** Attempts made before the accepted one. */
  readonly retries: number;
}

export interface AttemptHooks<T> {
  /** The request for one model; throws a GatewayError when that model may not be used. */
  prepare(model: string): T;
  /** Sends one attempt; transport failures are thrown as GatewayErrors. */
  send(target: T): Promise<UpstreamResponse>;
  /** A fallback that the policy refuses is skipped, and said so. */
  onSkip(model: string, reason: GatewayError): void;
  onRetry(model: string, why: string, waitMs: number): void;
}

export async function sendWithRetries<T>(plan: RetryPlan, hooks: AttemptHooks<T>, signal: AbortSignal): Promise<Accepted<T>> {
  // Every model is prepared first, so that the last usable attempt is known and its answer is kept whole.
  const targets: Array<{ model: string; target: T }> = [];
  plan.models.forEach((model, index) => {
    try {
      targets.push({ model, target: hooks.prepare(model) });
    } catch (err) {
      if (index === 0 || !(err instanceof GatewayError)) throw err;
      hooks.onSkip(model, err);
    }
  });
  let attempts = 0;
  for (let t = 0; t < targets.length; t++) {
    const { model, target } = targets[t]!;
    for (let a = 0; a < plan.attemptsPerModel; a++) {
      const isLast = !plan.enabled || (t === targets.length - 1 && a === plan.attemptsPerModel - 1);
      attempts++;
      let response: UpstreamResponse;
      try {
        response = await hooks.send(target);
      } catch (err) {
        if (isLast || signal.aborted || !(err instanceof GatewayError)) throw err;
        const wait = backoffMs(attempts, undefined);
        hooks.onRetry(model, err.message, wait);
        await sleep(wait, undefined, { signal });
        continue;
      }
      const asked = retryAfterMs(response.headers['retry-after']);
      if (isLast || !plan.retryOn.has(response.statusCode) || (asked ?? 0) > MAX_RETRY_AFTER_MS) {
        return { target, response, retries: attempts - 1 };
      }
      await response.body.dump().catch(() => undefined);
      const wait = backoffMs(attempts, asked);
      hooks.onRetry(model, `upstream answered ${response.statusCode}`, wait);
      await sleep(wait, undefined, { signal });
    }
  }
  throw new Error('unreachable: the retry plan always has the requested model');
}
