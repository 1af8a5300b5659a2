// Budgets, max_tokens and rate limits around one request: admit (estimate, reserve every meter at once, or refuse
// with 429 and Retry-After), then settle to the provider's reported usage and its USD cost, or release when no
// upstream answer was used. Fires budget.exceeded, rate.exceeded, budget.update and budget.threshold.
import { shortHash, type EventSink } from '../../core/events/types.js';
import type { ContentAccess } from '../../core/formats/content/types.js';
import { formatAmount, toNanoUsd, type Meter } from '../../core/limits/meters.js';
import { GatewayError } from '../../core/proxy/errors.js';
import { estimateInput, estimateOutput, type TokenCounter } from '../../core/usage/estimate.js';
import { costOf, type Cost, type PriceOverrides } from '../../core/usage/pricing.js';
import { emptyUsage, type Json, type Usage } from '../../core/usage/usage.js';
import { CounterBackendError, type Charge, type CounterStore, type Reservation, type ReserveResult } from './counter-store.js';
import { EmbeddedCounters } from './embedded-counters.js';

export interface LimitsSettings {
  readonly store: CounterStore;
  readonly onBackendError: 'fail_closed' | 'fail_open';
  readonly pricing: PriceOverrides;
  readonly events: EventSink;
  /** The token counter for estimates (it may improve once the tokenizer has loaded). */
  readonly counter: () => TokenCounter;
  readonly warn: (message: string, details: Record<string, unknown>) => void;
  /** Epoch milliseconds; injectable so window boundaries can be tested. Default: Date.now. */
  readonly clock?: () => number;
}

/** What a request asks to be admitted for. */
export interface AdmissionRequest {
  readonly requestId: string;
  readonly tokenHash: string;
  readonly model: string;
  readonly provider: string;
  readonly meters: readonly Meter[];
  /** The body as it goes upstream, for the estimate; absent for passthrough bodies that are not model calls. */
  readonly body?: Json;
  readonly content?: ContentAccess;
  /** Passthrough requests: a rough input estimate from the raw body size. */
  readonly rawLength?: number;
  /** Whether an answer without reported usage is charged its estimate (model calls) or nothing (passthrough). */
  readonly estimateIfUnreported: boolean;
}

export interface Admission {
  readonly request: AdmissionRequest;
  readonly reservation: Reservation;
  /** Where the reservation is held: the configured store, or the local fallback when it was down (fail_open). */
  readonly store: CounterStore;
  readonly estimate: Usage;
  /** `x-tokenomics-budget-remaining`, when a budget or max_tokens applies. */
  readonly remaining?: string;
}

/** The model and provider (catalog name) that answered: the requested ones, or a fallback. */
export interface ServedBy {
  readonly model: string;
  readonly provider?: string;
}

export interface Settlement {
  readonly usage: Usage;
  readonly cost: Cost;
  /** The provider reported no usage: `usage` is the estimate. */
  readonly estimated: boolean;
}

const WARN_EVERY_MS = 60_000;

export class UsageLimits {
  readonly #local = EmbeddedCounters.open();
  #lastWarning = 0;

  readonly #now: () => number;

  constructor(readonly settings: LimitsSettings) {
    this.#now = settings.clock ?? Date.now;
  }

  /** Reserves the request's estimate on every meter, or throws the 429 (or 503) the client gets. */
  async admit(request: AdmissionRequest): Promise<Admission | undefined> {
    if (!request.meters.length) return undefined;
    const estimate = this.#estimate(request);
    const estimateUsd = toNanoUsd(costOf(estimate, request.model, request.provider, this.settings.pricing).usd);
    const charges: Charge[] = request.meters.map((meter) => ({
      key: `${request.tokenHash}:${meter.id}`,
      meter,
      amount:
        meter.unit === 'tokens' ? Math.max(1, estimate.input_tokens + estimate.output_tokens)
        : meter.unit === 'usd' ? Math.max(1, estimateUsd)
        : 1,
    }));
    const now = this.#now();
    let store = this.settings.store;
    let result: ReserveResult;
    try {
      result = await store.reserve(request.requestId, charges, now);
    } catch (err) {
      if (!(err instanceof CounterBackendError)) throw err;
      if (this.settings.onBackendError === 'fail_closed') {
        throw new GatewayError(
          'counters_unavailable',
          `usage counters are unavailable (${err.message}); requests are refused until they are back (session.on_backend_error: fail_closed)`,
          { 'retry-after': '5' },
        );
      }
      this.#warn(err);
      store = await this.#local;
      result = await store.reserve(request.requestId, charges, now);
    }
    if (!result.ok) throw this.#refusal(request, result);
    const budgets = result.reservation.charges.filter((c) => c.meter.kind === 'budget' || c.meter.kind === 'max_tokens');
    const remaining = budgets.length
      ? budgets.map((c) => `${c.meter.unit}=${remainingText(c.meter, c.meter.limit - c.used)}`).join(', ')
      : undefined;
    return { request, reservation: result.reservation, store, estimate, remaining };
  }

  /**
   * What a finished request is charged: the usage the provider reported, else (an answered model call) its
   * estimate, else nothing; priced on the model and provider that served it. Synchronous, so the ledger entry can
   * be written before the client gets its last byte.
   */
  charge(admission: Admission | undefined, reported: Usage | undefined, answered: boolean, served: ServedBy): Settlement {
    const estimated = !reported && answered && Boolean(admission?.request.estimateIfUnreported);
    const usage = reported ?? (estimated ? admission!.estimate : emptyUsage());
    return { usage, cost: this.price(usage, served), estimated };
  }

  /** Replaces the reservation with what was charged, and fires budget.threshold and budget.update. */
  async settle(admission: Admission, settlement: Settlement): Promise<void> {
    const { request } = admission;
    const { usage, cost } = settlement;
    const tokens = usage.input_tokens + usage.output_tokens;
    const actual = admission.reservation.charges.map((c) =>
      c.meter.unit === 'tokens' ? tokens : c.meter.unit === 'usd' ? toNanoUsd(cost.usd) : 1,
    );
    try {
      const settled = await admission.store.settle(admission.reservation, actual, this.#now());
      settled.forEach(({ charge, used }, i) => {
        // This request's usage took the meter across alert_at: fire once, on the crossing.
        const alertAt = charge.meter.alertAt;
        const threshold = (alertAt ?? 0) * charge.meter.limit;
        if (alertAt && used - actual[i]! < threshold && used >= threshold) {
          this.settings.events.emit('budget.threshold', {
            token_hash: shortHash(request.tokenHash),
            model: request.model,
            budget: charge.meter.label,
            alert_at: alertAt,
            used: amountValue(charge.meter, used),
            limit: amountValue(charge.meter, charge.meter.limit),
          });
        }
      });
    } catch (err) {
      this.settings.warn('could not settle usage counters', { error: (err as Error).message, request_id: request.requestId });
    }
    if (tokens || cost.usd) {
      this.settings.events.emit('budget.update', {
        token_hash: shortHash(request.tokenHash),
        model: request.model,
        input_tokens: usage.input_tokens,
        output_tokens: usage.output_tokens,
        cost_usd: cost.usd,
      });
    }
  }

  /** The USD cost of usage on the model and provider that served it (a fallback's own prices when one did). */
  price(usage: Usage, served: ServedBy): Cost {
    return costOf(usage, served.model, served.provider, this.settings.pricing);
  }

  /** Takes the reservation back: the request was refused later on, or no upstream answer was used. */
  async release(admission: Admission): Promise<void> {
    try {
      await admission.store.release(admission.reservation, this.#now());
    } catch (err) {
      this.settings.warn('could not release usage counters', { error: (err as Error).message, request_id: admission.request.requestId });
    }
  }

  /** Live usage of meters, for the self-service report; the local fallback when the store is down. */
  async usage(tokenHash: string, meters: readonly Meter[]): Promise<number[]> {
    const charges = meters.map((meter) => ({ key: `${tokenHash}:${meter.id}`, meter }));
    try {
      return await this.settings.store.usage(charges, this.#now());
    } catch (err) {
      if (!(err instanceof CounterBackendError) || this.settings.onBackendError === 'fail_closed') throw err;
      return (await this.#local).usage(charges, this.#now());
    }
  }

  async close(): Promise<void> {
    await (await this.#local).close();
    await this.settings.store.close();
  }

  #estimate(request: AdmissionRequest): Usage {
    const needsTokens = request.meters.some((m) => m.unit === 'tokens' || m.unit === 'usd');
    if (!needsTokens) return emptyUsage();
    if (request.body && request.content) {
      return { ...emptyUsage(), input_tokens: estimateInput(request.content, request.body, this.settings.counter()), output_tokens: estimateOutput(request.body) };
    }
    return { ...emptyUsage(), input_tokens: Math.ceil((request.rawLength ?? 0) / 4) };
  }

  #refusal(request: AdmissionRequest, refused: Extract<ReserveResult, { ok: false }>): GatewayError {
    const { meter, amount } = refused.refused;
    const headers: Record<string, string> =
      refused.retryAfterMs === undefined ? {} : { 'retry-after': String(Math.max(1, Math.ceil(refused.retryAfterMs / 1000))) };
    const base = { token_hash: shortHash(request.tokenHash), model: request.model };
    if (meter.kind === 'rate' || meter.kind === 'parallel') {
      const message =
        meter.kind === 'parallel'
          ? `rate limit exceeded: ${refused.used} concurrent requests (max ${meter.limit})`
          : `rate limit exceeded: ${refused.used} ${meter.unit} in ${meter.windowText} window (max ${meter.limit})`;
      this.settings.events.emit('rate.exceeded', { ...base, error: message });
      return new GatewayError('rate_limited', retryHint(message, refused.retryAfterMs), headers);
    }
    const message =
      `budget exceeded: ${meter.label}: used ${formatAmount(meter.unit, refused.used)} + this request's estimate ` +
      `${formatAmount(meter.unit, amount)} > ${formatAmount(meter.unit, meter.limit)}`;
    this.settings.events.emit('budget.exceeded', {
      ...base,
      budget: meter.label,
      used: amountValue(meter, refused.used),
      input: amountValue(meter, amount),
      limit: amountValue(meter, meter.limit),
    });
    return new GatewayError('budget_exceeded', retryHint(message, refused.retryAfterMs), headers);
  }

  #warn(err: Error): void {
    const now = this.#now();
    if (now - this.#lastWarning < WARN_EVERY_MS) return;
    this.#lastWarning = now;
    this.settings.warn('usage counters unavailable; counting in this process only (session.on_backend_error: fail_open)', { error: err.message });
  }
}

function retryHint(message: string, retryAfterMs: number | undefined): string {
  if (retryAfterMs === undefined) return `${message}; this limit does not reset`;
  return `${message}; retry in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s`;
}

/** Amounts in events: USD as dollars, everything else as counted. */
function amountValue(meter: Meter, amount: number): number {
  return meter.unit === 'usd' ? amount / 1e9 : amount;
}

function remainingText(meter: Meter, amount: number): string {
  const left = Math.max(0, amount);
  return meter.unit === 'usd' ? (left / 1e9).toFixed(6) : String(left);
}
