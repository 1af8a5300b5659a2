// Event names and payloads (reference section 10), and the one interface everything emits through. Delivery
// (webhooks, the admin live view) subscribes behind it; emitting never blocks a request.

export const EVENT_TYPES = [
  'token.created', 'token.updated', 'token.deleted', 'token.expired',
  'rule.violation', 'rule.warning', 'rule.match', 'rule.mask',
  'budget.exceeded', 'budget.update', 'budget.threshold', 'rate.exceeded',
  'request.completed', 'server.start', 'server.stop',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export type EventData = Readonly<Record<string, unknown>>;

export interface EventSink {
  emit(type: EventType, data: EventData): void;
}

/** Drops everything; used where no subscriber exists. */
export const NO_EVENTS: EventSink = { emit() {} };

/** Token hashes in events are shortened to 16 characters, as the original did. */
export function shortHash(hash: string): string {
  return hash.slice(0, 16);
}
