// Communication events (`ledger.event_ledger`): the request as it went upstream and the answer as the client got it,
// step by step, with credentials left out of the headers and bodies cut at 512 KB. Built only when the setting is on.
import { formatBodyForMemory, isSecretHeader } from '../../core/ledger/memory-format.js';
import type { CommunicationEvent } from '../../core/ledger/types.js';

type Headers = Readonly<Record<string, string | readonly string[] | number | undefined>>;

/** Headers as lists of values, credentials left out. */
export function safeHeaders(headers: Headers): Record<string, string[]> | undefined {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || isSecretHeader(name)) continue;
    out[name] = Array.isArray(value) ? value.map(String) : [String(value)];
  }
  return Object.keys(out).length ? out : undefined;
}

/** A body as events carry it: bounded text, `[binary, N bytes]`, or nothing when empty. */
export function eventBody(body: Buffer | string | undefined, contentType?: string): { body?: string; body_bytes?: number } {
  if (body === undefined || body.length === 0) return {};
  const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  return { body: formatBodyForMemory(body, contentType), body_bytes: bytes };
}

/** The fields every event of one request shares. */
export interface EventContext {
  readonly token_hash?: string;
  readonly model?: string;
  readonly provider?: string;
  readonly method?: string;
  readonly path?: string;
}

/** Records one request's events through `sink`, numbering stream chunks. */
export class CommunicationLog {
  #chunks = 0;

  constructor(
    private readonly sink: (event: CommunicationEvent) => void,
    private readonly context: EventContext,
  ) {}

  emit(type: CommunicationEvent['type'], fields: Omit<CommunicationEvent, 'timestamp' | 'type'> = {}): void {
    this.sink({ timestamp: new Date().toISOString(), type, ...this.context, ...fields });
  }

  chunk(sent: Buffer | string): void {
    this.emit('response.chunk', { chunk_index: ++this.#chunks, stream: true, ...eventBody(sent) });
  }
}
