// UsageLimits on in-memory counters with an injected clock: the events a budget fires (threshold once per window,
// exceeded, update), rate refusals, settling to reported usage, and what happens when the counter backend is down.
import { describe, expect, it } from 'vitest';
import { metersFor, type Meter } from '../../core/limits/meters.js';
import type { EventData, EventSink, EventType } from '../../core/events/types.js';
import { GatewayError } from '../../core/proxy/errors.js';
import type { ResolvedPolicy } from '../../core/policy/resolve.js';
import type { Policy } from '../../core/policy/schema.js';
import { emptyUsage, type Usage } from '../../core/usage/usage.js';
import { CounterBackendError, type CounterStore } from './counter-store.js';
import { EmbeddedCounters } from './embedded-counters.js';
import { UsageLimits, type AdmissionRequest } from './usage-limits.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 10, 15, 0);
const MODEL = 'gpt-4o-mini';

interface Harness {
  limits: UsageLimits;
  events: Array<{ type: EventType; data: EventData }>;
  warnings: string[];
  setTime(ms: number): void;
}

async function harness(options: { store?: CounterStore; onBackendError?: 'fail_closed' | 'fail_open' } = {}): Promise<Harness> {
  let now = T0;
  const events: Harness['events'] = [];
  const warnings: string[] = [];
  const sink: EventSink = { emit: (type, data) => events.push({ type, data }) };
  const limits = new UsageLimits({
    store: options.store ?? (await EmbeddedCounters.open()),
    onBackendError: options.onBackendError ?? 'fail_closed',
    pricing: {},
    events: sink,
    counter: () => (text) => Math.ceil(text.length / 4),
    warn: (message) => warnings.push(message),
    clock: () => now,
  });
  return { limits, events, warnings, setTime: (ms) => (now = ms) };
}

function meters(policy: Policy): Meter[] {
  const resolved = { policy, maxTokens: policy.max_tokens } as unknown as ResolvedPolicy;
  return metersFor(resolved, MODEL);
}

let serial = 0;
function request(meterList: Meter[], maxTokens = 10): AdmissionRequest {
  return {
    requestId: `r${++serial}`,
    tokenHash: 'a'.repeat(64),
    model: MODEL,
    provider: 'openai',
    meters: meterList,
    body: { model: MODEL, max_tokens: maxTokens, messages: [] },
    content: { visitInput: () => undefined } as unknown as AdmissionRequest['content'],
    estimateIfUnreported: true,
  };
}

const used = (input: number, output: number): Usage => ({ ...emptyUsage(), input_tokens: input, output_tokens: output });
const served = { model: MODEL, provider: 'openai' };

async function call(h: Harness, meterList: Meter[], usage: Usage): Promise<void> {
  const admission = await h.limits.admit(request(meterList));
  await h.limits.settle(admission!, h.limits.charge(admission, usage, true, served));
}

describe('budget.threshold', () => {
  it('fires once when a request takes the budget across alert_at, and again in the next calendar window', async () => {
    const h = await harness();
    const budget = meters({ budgets: [{ tokens: 100, window: '1h', calendar: true, alert_at: 0.5 }] } as Policy);
    await call(h, budget, used(20, 10)); // 30
    await call(h, budget, used(20, 10)); // 60: crosses 50
    await call(h, budget, used(5, 5)); // 70
    const thresholds = () => h.events.filter((e) => e.type === 'budget.threshold');
    expect(thresholds()).toHaveLength(1);
    expect(thresholds()[0]!.data).toMatchObject({ budget: 'budget of 100 tokens per 1h (calendar)', alert_at: 0.5, used: 60, limit: 100, model: MODEL });

    h.setTime(T0 + HOUR); // the next hour: usage starts again from zero
    await call(h, budget, used(40, 9)); // 49
    expect(thresholds()).toHaveLength(1);
    await call(h, budget, used(1, 0)); // 50: reaching alert_at counts
    expect(thresholds()).toHaveLength(2);
  });
});

describe('events and settlement', () => {
  it('budget.update carries the settled usage and cost; the counter holds the reported usage, not the estimate', async () => {
    const h = await harness();
    const budget = meters({ budgets: [{ usd: 1, window: '1d' }, { tokens: 1000, window: 'total' }] } as Policy);
    const admission = await h.limits.admit(request(budget, 500));
    expect(admission!.remaining).toMatch(/^usd=0\.\d{6}, tokens=\d+$/);
    const settled = h.limits.charge(admission, used(1000, 100), true, served);
    expect(settled.estimated).toBe(false);
    await h.limits.settle(admission!, settled);
    expect(settled.cost.usd).toBeCloseTo((1000 * 0.15 + 100 * 0.6) / 1e6, 12);
    const update = h.events.find((e) => e.type === 'budget.update');
    expect(update?.data).toMatchObject({ input_tokens: 1000, output_tokens: 100, cost_usd: settled.cost.usd, model: MODEL });
    expect(await h.limits.usage('a'.repeat(64), budget)).toEqual([Math.round(settled.cost.usd * 1e9), 1100]);
  });

  it('an answer without reported usage keeps its estimate; an unanswered error costs nothing', async () => {
    const h = await harness();
    const budget = meters({ budgets: [{ tokens: 1000, window: 'total' }] } as Policy);
    const kept = await h.limits.admit(request(budget, 50));
    const estimate = h.limits.charge(kept, undefined, true, served);
    expect(estimate.estimated).toBe(true);
    await h.limits.settle(kept!, estimate);
    const [afterEstimate] = await h.limits.usage('a'.repeat(64), budget);
    expect(afterEstimate).toBe(kept!.estimate.input_tokens + 50);
    const failed = await h.limits.admit(request(budget, 50));
    await h.limits.settle(failed!, h.limits.charge(failed, undefined, false, served));
    expect(await h.limits.usage('a'.repeat(64), budget)).toEqual([afterEstimate]);
  });

  it('budget.exceeded names the budget; rate.exceeded names the window; neither takes quota', async () => {
    const h = await harness();
    const limited = meters({ budgets: [{ tokens: 40, window: '1d' }], rate_limit: { rules: [{ requests: 1, window: '1m', strategy: 'sliding' }] } } as Policy);
    await call(h, limited, used(10, 5));
    const rate = await h.limits.admit(request(limited)).catch((e: unknown) => e);
    expect(rate).toBeInstanceOf(GatewayError);
    expect((rate as GatewayError).status).toBe(429);
    expect(h.events.find((e) => e.type === 'rate.exceeded')?.data).toMatchObject({ error: 'rate limit exceeded: 1 requests in 1m window (max 1)' });

    h.setTime(T0 + 61_000);
    const budget = await h.limits.admit(request(limited, 30)).catch((e: unknown) => e);
    expect((budget as GatewayError).code).toBe('budget_exceeded');
    expect(h.events.find((e) => e.type === 'budget.exceeded')?.data).toMatchObject({ budget: 'budget of 40 tokens per 1d', used: 15, limit: 40 });
    // Neither refusal was counted: the rate rule still shows the one request, the budget its 15 tokens.
    expect(await h.limits.usage('a'.repeat(64), limited)).toEqual([0, 15]);
  });
});

/** A backend that is down: every call fails the way RedisCounters reports an outage. */
const downStore: CounterStore = {
  description: 'down',
  reserve: () => Promise.reject(new CounterBackendError('Redis at 127.0.0.1:1 is unavailable: connect ECONNREFUSED')),
  settle: () => Promise.reject(new CounterBackendError('down')),
  release: () => Promise.reject(new CounterBackendError('down')),
  usage: () => Promise.reject(new CounterBackendError('down')),
  close: () => Promise.resolve(),
};

describe('counter backend down', () => {
  const budget = meters({ budgets: [{ tokens: 100, window: '1d' }] } as Policy);

  it('fail_closed refuses with 503 naming the cause and the setting', async () => {
    const h = await harness({ store: downStore, onBackendError: 'fail_closed' });
    const err = (await h.limits.admit(request(budget)).catch((e: unknown) => e)) as GatewayError;
    expect(err.status).toBe(503);
    expect(err.message).toContain('connect ECONNREFUSED');
    expect(err.message).toContain('session.on_backend_error: fail_closed');
  });

  it('fail_open admits, counts in this process, and warns once a minute at most', async () => {
    const h = await harness({ store: downStore, onBackendError: 'fail_open' });
    await call(h, budget, used(30, 30));
    await call(h, budget, used(10, 10));
    expect(h.warnings).toHaveLength(1);
    expect(h.warnings[0]).toContain('counting in this process only');
    // The local counters hold both requests, and they still enforce the budget.
    expect(await h.limits.usage('a'.repeat(64), budget)).toEqual([80]);
    await expect(h.limits.admit(request(budget, 30))).rejects.toMatchObject({ code: 'budget_exceeded' });
  });
});
