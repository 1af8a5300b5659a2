// The self-service report a wrapper token can fetch about itself (GET /v1/tokenomics/key) and its LiteLLM-shaped
// twin (GET /key/info) for tools that already speak that: limits, usage and what remains per window. No secrets:
// no key variable names, rules or prompts, only the limits the token lives under.
import type { Meter } from '../../core/limits/meters.js';
import { resetsAt } from '../../core/limits/windows.js';
import type { Policy } from '../../core/policy/schema.js';
import type { TokenRecord } from '../store/token-store.js';

export interface LimitReport {
  readonly id: string;
  readonly kind: Meter['kind'];
  readonly unit: Meter['unit'];
  readonly label: string;
  readonly window: string;
  readonly limit: number;
  readonly used: number;
  readonly remaining: number;
  /** End of the current window for calendar and fixed windows. */
  readonly resets_at?: string;
}

function value(meter: Meter, amount: number): number {
  return meter.unit === 'usd' ? Number((amount / 1e9).toFixed(9)) : amount;
}

export function limitReports(meters: readonly Meter[], used: readonly number[], now: number): LimitReport[] {
  return meters.map((meter, i) => {
    const reset = resetsAt(meter.window, now);
    return {
      id: meter.id,
      kind: meter.kind,
      unit: meter.unit,
      label: meter.label,
      window: meter.windowText,
      limit: value(meter, meter.limit),
      used: value(meter, used[i] ?? 0),
      remaining: value(meter, Math.max(0, meter.limit - (used[i] ?? 0))),
      resets_at: reset === undefined ? undefined : new Date(reset).toISOString(),
    };
  });
}

export function keyReport(record: TokenRecord, meters: readonly Meter[], used: readonly number[], now: number): object {
  const policy = record.policy;
  return {
    token_hash: record.hash.slice(0, 16),
    created_at: record.createdAt,
    expires_at: record.expiresAt ?? null,
    models: { model: policy.model || null, model_regex: policy.model_regex ?? null, providers: Object.keys(policy.providers ?? {}) },
    default_provider: policy.default_provider ?? null,
    limits: limitReports(meters, used, now),
  };
}

/** LiteLLM's /key/info shape: `{key, info: {spend, max_budget, budget_duration, …}}`. */
export function liteLlmKeyInfo(record: TokenRecord, meters: readonly Meter[], used: readonly number[], now: number): object {
  const reports = limitReports(meters, used, now);
  const usd = reports.find((r) => r.unit === 'usd');
  const rate = (unit: 'requests' | 'tokens') => reports.find((r) => r.kind === 'rate' && r.unit === unit && r.window === '1m')?.limit ?? null;
  return {
    key: record.hash,
    info: {
      key_name: `${record.hash.slice(0, 8)}…`,
      spend: usd?.used ?? 0,
      max_budget: usd?.limit ?? null,
      budget_duration: usd ? usd.window : null,
      budget_reset_at: usd?.resets_at ?? null,
      expires: record.expiresAt ?? null,
      created_at: record.createdAt,
      models: allowedModels(record.policy),
      tpm_limit: rate('tokens'),
      rpm_limit: rate('requests'),
      max_parallel_requests: reports.find((r) => r.kind === 'parallel')?.limit ?? null,
      metadata: record.policy.metadata ?? {},
      tokenomics_limits: reports,
    },
  };
}

function allowedModels(policy: Policy): string[] {
  if (policy.model) return [policy.model];
  return [];
}
