// Delivers the daemon's events to the configured webhooks (`events.webhooks`): one deliverer per webhook, fed by
// the EventHub. Shutdown stops accepting, drains for a bounded time, and reports what never arrived in one line.
import type { WebhookConfig } from '../../core/config/types.js';
import type { EventHub } from './hub.js';
import { DEFAULT_TUNING, WebhookDeliverer, type DeliveryCounts, type DeliveryTuning, type WebhookLog } from './webhook-deliverer.js';

export { matchesFilter, signatureFor } from './webhook-deliverer.js';
export type { DeliveryCounts, WebhookLog } from './webhook-deliverer.js';

/** How long shutdown waits for queued webhook deliveries, in total over all webhooks. */
export const WEBHOOK_DRAIN_MS = 3_000;

export interface WebhookOptions extends Partial<DeliveryTuning> {
  readonly drainMs?: number;
}

export interface WebhookReport extends DeliveryCounts {
  readonly webhooks: number;
}

export class Webhooks {
  readonly #deliverers: WebhookDeliverer[];
  readonly #unsubscribe: () => void;
  readonly #drainMs: number;
  #closed?: Promise<WebhookReport>;

  constructor(hub: EventHub, configs: readonly WebhookConfig[], private readonly log: WebhookLog, options: WebhookOptions = {}) {
    const tuning: DeliveryTuning = {
      queueSize: options.queueSize ?? DEFAULT_TUNING.queueSize,
      retryDelaysMs: options.retryDelaysMs ?? DEFAULT_TUNING.retryDelaysMs,
      maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULT_TUNING.maxRetryAfterMs,
    };
    this.#drainMs = options.drainMs ?? WEBHOOK_DRAIN_MS;
    this.#deliverers = configs.map((config, i) => new WebhookDeliverer(config, i, log, tuning));
    this.#unsubscribe = this.#deliverers.length
      ? hub.subscribe((event) => {
          for (const deliverer of this.#deliverers) deliverer.offer(event);
        })
      : () => undefined;
  }

  /** What each webhook is called in logs: index and origin, never the path, query or secrets. */
  get labels(): string[] {
    return this.#deliverers.map((d) => d.label);
  }

  /** Stops accepting events, waits at most the drain time for the queues, then logs one summary line. */
  close(): Promise<WebhookReport> {
    this.#closed ??= (async () => {
      this.#unsubscribe();
      const deadline = Date.now() + this.#drainMs;
      const counts = await Promise.all(this.#deliverers.map((d) => d.close(deadline)));
      const report: WebhookReport = {
        webhooks: counts.length,
        delivered: sum(counts, 'delivered'),
        failed: sum(counts, 'failed'),
        dropped: sum(counts, 'dropped'),
        undelivered: sum(counts, 'undelivered'),
      };
      if (report.webhooks) {
        const lost = report.failed + report.dropped + report.undelivered;
        const perWebhook = lost ? Object.fromEntries(this.#deliverers.map((d) => [d.label, d.counts])) : undefined;
        (lost ? this.log.warn : this.log.info).call(this.log, { ...report, per_webhook: perWebhook }, `webhooks stopped: ${report.delivered} delivered, ${report.failed} failed, ${report.dropped} dropped (queue full), ${report.undelivered} undelivered at shutdown`);
      }
      return report;
    })();
    return this.#closed;
  }
}

function sum(counts: DeliveryCounts[], key: keyof DeliveryCounts): number {
  return counts.reduce((total, c) => total + c[key], 0);
}
