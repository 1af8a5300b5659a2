// The retry loop over a plan, with a scripted upstream: what is retried, what is skipped, what the client gets.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../core/proxy/errors.js';
import { backoffMs, retryAfterMs, type RetryPlan } from '../../core/proxy/retry.js';
import { sendWithRetries, type AttemptHooks } from './attempts.js';
import type { UpstreamResponse } from './upstream.js';

type Step = number | 'network' | { status: number; retryAfter: string };

function response(status: number, headers: Record<string, string> = {}): UpstreamResponse & { dumped: boolean } {
  const res = {
    statusCode: status,
    headers,
    dumped: false,
    body: { dump: async () => void (res.dumped = true) },
  };
  return res as unknown as UpstreamResponse & { dumped: boolean };
}

function scripted(steps: Step[], refuse: string[] = []) {
  const sent: string[] = [];
  const skipped: string[] = [];
  const waits: number[] = [];
  const responses: Array<ReturnType<typeof response>> = [];
  const hooks: AttemptHooks<string> = {
    prepare(model) {
      if (refuse.includes(model)) throw new GatewayError('forbidden', `model "${model}" not allowed`);
      return model;
    },
    async send(model) {
      sent.push(model);
      const step = steps[sent.length - 1] ?? 200;
      if (step === 'network') throw new GatewayError('upstream_error', 'connection refused');
      const res = typeof step === 'number' ? response(step) : response(step.status, { 'retry-after': step.retryAfter });
      responses.push(res);
      return res;
    },
    onSkip: (model) => skipped.push(model),
    onRetry: (_model, _why, wait) => waits.push(wait),
  };
  return { hooks, sent, skipped, waits, responses };
}

const plan = (models: string[], maxRetries: number, retryOn = [429, 500, 502, 503]): RetryPlan => ({
  models,
  attemptsPerModel: 1 + maxRetries,
  retryOn: new Set(retryOn),
  enabled: maxRetries > 0 || models.length > 1,
});
const signal = new AbortController().signal;

describe('sendWithRetries', () => {
  it('returns the first answer when nothing is configured, even a retryable one', async () => {
    const s = scripted([503]);
    const accepted = await sendWithRetries(plan(['a'], 0), s.hooks, signal);
    expect(accepted.response.statusCode).toBe(503);
    expect(accepted.retries).toBe(0);
    expect(s.sent).toEqual(['a']);
  });

  it('retries a retryable status, discarding the failed body, then accepts', async () => {
    const s = scripted([503, 502, 200]);
    const accepted = await sendWithRetries(plan(['a'], 2), s.hooks, signal);
    expect(accepted).toMatchObject({ target: 'a', retries: 2 });
    expect(s.responses.map((r) => r.dumped)).toEqual([true, true, false]);
    expect(s.waits).toHaveLength(2);
  });

  it('keeps the last failure whole for the client', async () => {
    const s = scripted([500, 500]);
    const accepted = await sendWithRetries(plan(['a'], 1), s.hooks, signal);
    expect(accepted.response.statusCode).toBe(500);
    expect(s.responses.at(-1)!.dumped).toBe(false);
  });

  it('does not retry statuses outside retry_on', async () => {
    const s = scripted([400, 200]);
    expect((await sendWithRetries(plan(['a'], 3), s.hooks, signal)).response.statusCode).toBe(400);
    expect(s.sent).toEqual(['a']);
  });

  it('moves to the fallback after the retries of a model, and skips refused fallbacks', async () => {
    const s = scripted([503, 503, 200], ['forbidden-model']);
    const accepted = await sendWithRetries(plan(['a', 'forbidden-model', 'b'], 1), s.hooks, signal);
    expect(accepted).toMatchObject({ target: 'b', retries: 2 });
    expect(s.sent).toEqual(['a', 'a', 'b']);
    expect(s.skipped).toEqual(['forbidden-model']);
  });

  it('a refused requested model is an error, not a skip', async () => {
    const s = scripted([], ['a']);
    await expect(sendWithRetries(plan(['a', 'b'], 0), s.hooks, signal)).rejects.toThrow('model "a" not allowed');
    expect(s.sent).toEqual([]);
  });

  it('when every fallback is refused, the requested model keeps its last answer', async () => {
    const s = scripted([503]);
    s.hooks.prepare = (model) => {
      if (model !== 'a') throw new GatewayError('forbidden', 'no');
      return model;
    };
    const accepted = await sendWithRetries(plan(['a', 'x'], 0), s.hooks, signal);
    expect(accepted.response.statusCode).toBe(503);
    expect(s.responses[0]!.dumped).toBe(false);
  });

  it('retries transport failures when a plan is configured; the last one reaches the caller', async () => {
    const retried = scripted(['network', 200]);
    expect((await sendWithRetries(plan(['a'], 1), retried.hooks, signal)).retries).toBe(1);
    const failing = scripted(['network', 'network']);
    await expect(sendWithRetries(plan(['a'], 1), failing.hooks, signal)).rejects.toThrow('connection refused');
    expect(failing.sent).toHaveLength(2);
  });

  it('waits at least Retry-After, and gives up on a Retry-After longer than a minute', async () => {
    const short = scripted([{ status: 429, retryAfter: '0.3' }, 200]);
    await sendWithRetries(plan(['a'], 1), short.hooks, signal);
    expect(short.waits[0]).toBeGreaterThanOrEqual(300);
    const long = scripted([{ status: 429, retryAfter: '120' }, 200]);
    expect((await sendWithRetries(plan(['a'], 1), long.hooks, signal)).response.statusCode).toBe(429);
    expect(long.sent).toHaveLength(1);
  });

  it('stops waiting when the client goes away', async () => {
    const abort = new AbortController();
    const s = scripted([{ status: 503, retryAfter: '30' }, 200]);
    const pending = sendWithRetries(plan(['a'], 1), s.hooks, abort.signal);
    setTimeout(() => abort.abort(), 20);
    await expect(pending).rejects.toThrow(/abort/i);
    expect(s.sent).toHaveLength(1);
  });
});

describe('retry timing', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });

  it('backs off exponentially with jitter between half and all of the ceiling, capped', () => {
    expect(backoffMs(1, undefined, () => 0)).toBe(125);
    expect(backoffMs(1, undefined, () => 1)).toBe(250);
    expect(backoffMs(3, undefined, () => 1)).toBe(1000);
    expect(backoffMs(20, undefined, () => 1)).toBe(8000);
    expect(backoffMs(1, 5000, () => 1)).toBe(5000);
  });
});
