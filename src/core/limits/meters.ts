// What a request is counted against: a policy's lifetime max_tokens (one counter per matched provider policy),
// its budgets (tokens or USD per window, optionally for some models only), its rate-limit rules and max_parallel.
// Pure: the store decides how the counters are kept; ids say what a counter counts, so a changed definition starts
// a new counter while a changed limit keeps the usage so far.
import { parseDuration } from '../duration.js';
import type { ResolvedPolicy } from '../policy/resolve.js';
import { cachedPattern } from '../policy/regex.js';
import type { Budget, Policy } from '../policy/schema.js';
import { budgetWindow, type Window } from './windows.js';

export type MeterUnit = 'tokens' | 'usd' | 'requests' | 'parallel';

export interface Meter {
  /** Stable within one token: the counter's identity. */
  readonly id: string;
  readonly kind: 'max_tokens' | 'budget' | 'rate' | 'parallel';
  readonly unit: MeterUnit;
  /** In the unit: tokens, nano-dollars, requests, or requests in flight. */
  readonly limit: number;
  readonly window: Window;
  /** How the limit reads in messages: `budget of $5.00 per 1d (calendar)`. */
  readonly label: string;
  /** The window as the policy wrote it: `1m`, `1d`, `total`. */
  readonly windowText: string;
  /** Fraction of the limit at which `budget.threshold` fires. */
  readonly alertAt?: number;
}

/** USD counters are kept in whole nano-dollars so every backend can add them atomically as integers. */
export const NANO_USD = 1e9;

export function toNanoUsd(usd: number): number {
  return Math.round(usd * NANO_USD);
}

export function formatAmount(unit: MeterUnit, amount: number): string {
  if (unit === 'usd') return `$${(amount / NANO_USD).toFixed(amount >= NANO_USD / 100 || amount === 0 ? 2 : 6)}`;
  return `${amount} ${unit === 'parallel' ? 'concurrent requests' : unit}`;
}

function budgetApplies(budget: Budget, model: string): boolean {
  if (budget.model) return budget.model === model;
  if (budget.model_regex) return cachedPattern(budget.model_regex).test(model);
  return true;
}

function budgetMeter(budget: Budget): Meter {
  const unit = budget.usd !== undefined ? 'usd' : 'tokens';
  const limit = unit === 'usd' ? toNanoUsd(budget.usd!) : budget.tokens!;
  const scope = budget.model ? ` for model ${budget.model}` : budget.model_regex ? ` for models matching ${budget.model_regex}` : '';
  const windowText = budget.window === 'total' ? 'in total' : `per ${budget.window}${budget.calendar ? ' (calendar)' : ''}`;
  return {
    id: `budget:${unit}:${budget.window}:${budget.calendar ? 'calendar' : 'rolling'}:${budget.model ?? ''}:${budget.model_regex ?? ''}`,
    kind: 'budget',
    unit,
    limit,
    window: budgetWindow(budget.window, budget.calendar),
    windowText: budget.window,
    label: `budget of ${formatAmount(unit, limit)} ${windowText}${scope}`,
    alertAt: budget.alert_at,
  };
}

function rateMeters(policy: Policy): Meter[] {
  const rate = policy.rate_limit;
  if (!rate) return [];
  const meters: Meter[] = [];
  rate.rules.forEach((rule, i) => {
    const text = rule.window || '1m';
    const ms = parseDuration(text) ?? 60_000;
    const window: Window = rule.strategy === 'fixed' ? { kind: 'fixed', ms } : { kind: 'sliding', ms };
    for (const unit of ['requests', 'tokens'] as const) {
      const limit = rule[unit] ?? 0;
      if (limit > 0) {
        meters.push({ id: `rate:${i}:${unit}:${ms}:${rule.strategy}`, kind: 'rate', unit, limit, window, windowText: text, label: `rate limit of ${limit} ${unit} per ${text} (${rule.strategy})` });
      }
    }
  });
  if (rate.max_parallel && rate.max_parallel > 0) {
    meters.push({ id: 'parallel', kind: 'parallel', unit: 'parallel', limit: rate.max_parallel, window: { kind: 'total' }, windowText: 'total', label: `limit of ${rate.max_parallel} concurrent requests` });
  }
  return meters;
}

/** Every meter a request for `model` under `resolved` is counted against, rate limits first. */
export function metersFor(resolved: ResolvedPolicy, model: string): Meter[] {
  const meters = rateMeters(resolved.policy);
  if (resolved.maxTokens && resolved.maxTokens > 0) {
    const scope = resolved.providerPolicyKey ?? 'global';
    meters.push({
      id: `max_tokens:${scope}`,
      kind: 'max_tokens',
      unit: 'tokens',
      limit: resolved.maxTokens,
      window: { kind: 'total' },
      windowText: 'total',
      label: `max_tokens of ${resolved.maxTokens}${resolved.providerPolicyKey ? ` for provider policy ${resolved.providerPolicyKey}` : ''}`,
    });
  }
  const seen = new Map<string, number>();
  for (const budget of resolved.policy.budgets ?? []) {
    if (!budgetApplies(budget, model)) continue;
    const meter = budgetMeter(budget);
    // Two budgets with the same definition count the same usage: keep one counter, with the stricter limit.
    const at = seen.get(meter.id);
    if (at === undefined) {
      seen.set(meter.id, meters.length);
      meters.push(meter);
    } else if (meter.limit < meters[at]!.limit) meters[at] = meter;
  }
  return meters;
}

/** Every meter of a policy whatever the model, for the self-service report. */
export function policyMeters(policy: Policy): Meter[] {
  const meters = rateMeters(policy);
  const maxTokens = (key: string | undefined, limit: number) =>
    meters.push({ id: `max_tokens:${key ?? 'global'}`, kind: 'max_tokens', unit: 'tokens', limit, window: { kind: 'total' }, windowText: 'total', label: `max_tokens of ${limit}${key ? ` for provider policy ${key}` : ''}` });
  if (policy.max_tokens && policy.max_tokens > 0) maxTokens(undefined, policy.max_tokens);
  for (const [name, list] of Object.entries(policy.providers ?? {})) {
    list.forEach((entry, i) => {
      const limit = entry.max_tokens && entry.max_tokens > 0 ? entry.max_tokens : policy.max_tokens ?? 0;
      if (limit > 0) maxTokens(`${name}#${i}`, limit);
    });
  }
  const budgets = new Map<string, Meter>();
  for (const budget of policy.budgets ?? []) {
    const meter = budgetMeter(budget);
    const known = budgets.get(meter.id);
    if (!known || meter.limit < known.limit) budgets.set(meter.id, meter);
  }
  return [...meters, ...budgets.values()];
}
