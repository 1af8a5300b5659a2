// The retry and fallback plan of a policy, and how long to wait between attempts.
import type { Policy } from '../policy/schema.js';

export const DEFAULT_RETRY_ON: readonly number[] = [429, 500, 502, 503];
const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 8_000;
/** A Retry-After longer than this is not waited for; the failure goes back to the client instead. */
export const MAX_RETRY_AFTER_MS = 60_000;

export interface RetryPlan {
  /** The requested model, then each fallback, in order. */
  readonly models: readonly string[];
  /** Attempts per model: 1 + max_retries. */
  readonly attemptsPerModel: number;
  readonly retryOn: ReadonlySet<number>;
  /** Whether anything may be tried again at all (retries or fallbacks configured). */
  readonly enabled: boolean;
}

export function retryPlan(policy: Policy, model: string): RetryPlan {
  const retry = policy.retry;
  const maxRetries = Math.max(0, retry?.max_retries ?? 0);
  const fallbacks = (retry?.fallbacks ?? []).filter((m) => m !== model);
  return {
    models: [model, ...fallbacks],
    attemptsPerModel: 1 + maxRetries,
    retryOn: new Set(retry?.retry_on?.length ? retry.retry_on : DEFAULT_RETRY_ON),
    enabled: maxRetries > 0 || fallbacks.length > 0,
  };
}

/** Milliseconds the upstream asked us to wait (`Retry-After`: seconds or an HTTP date), or undefined. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Exponential backoff with full jitter for the given retry number (1 = first retry), at least `retryAfter`. */
export function backoffMs(retry: number, retryAfter: number | undefined, random = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, retry - 1));
  const jittered = Math.round(ceiling / 2 + random() * (ceiling / 2));
  return Math.max(jittered, retryAfter ?? 0);
}
