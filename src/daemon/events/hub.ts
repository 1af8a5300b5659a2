// The daemon's one EventSink: stamps each event with the reference's envelope and hands it to every subscriber
// (webhooks, the admin live view). Subscribers must not block; one that throws is logged and the rest still run.
import { randomBytes } from 'node:crypto';
import type { EventData, EventSink, EventType } from '../../core/events/types.js';

export interface EventEnvelope {
  readonly id: string;
  readonly type: EventType;
  readonly timestamp: string;
  readonly data: EventData;
}

export type EventSubscriber = (event: EventEnvelope) => void;

export class EventHub implements EventSink {
  readonly #subscribers = new Set<EventSubscriber>();

  constructor(private readonly onSubscriberError: (err: unknown, event: EventEnvelope) => void) {}

  subscribe(subscriber: EventSubscriber): () => void {
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }

  emit(type: EventType, data: EventData): void {
    if (!this.#subscribers.size) return;
    const event: EventEnvelope = { id: `evt_${randomBytes(16).toString('hex')}`, type, timestamp: new Date().toISOString(), data };
    for (const subscriber of this.#subscribers) {
      try {
        subscriber(event);
      } catch (err) {
        this.onSubscriberError(err, event);
      }
    }
  }
}
