// Conversation memory for one request: what went upstream (after masking and prompt injection, never auth headers)
// and what the client received (after output rules), as the reference's markdown entries. Only built when a memory
// writer wants it, so requests without memory pay nothing.
import { formatHttpForMemory, formatSseForMemory, MEMORY_BODY_LIMIT } from '../../core/ledger/memory-format.js';
import type { StreamContent } from '../../core/formats/content/types.js';
import { parseEvent, SseSplitter } from '../../core/formats/sse.js';
import type { Policy } from '../../core/policy/schema.js';
import type { MemoryRecord, MemoryWriter, MemoryWriters } from '../ledger/memory-writers.js';
import type { Outcome } from './outcome.js';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** Most SSE payloads listed in a memory entry; the captured assistant text covers the whole stream regardless. */
const MAX_PAYLOADS = 512;

/** A bounded copy of the bytes sent to the client. */
export class SentCopy {
  readonly #chunks: Buffer[] = [];
  #size = 0;
  truncated = false;

  push(sent: Buffer | string): void {
    if (this.#size >= MEMORY_BODY_LIMIT) {
      this.truncated = true;
      return;
    }
    const buf = typeof sent === 'string' ? Buffer.from(sent) : sent;
    const room = MEMORY_BODY_LIMIT - this.#size;
    if (buf.length > room) this.truncated = true;
    const kept = buf.length > room ? buf.subarray(0, room) : buf;
    this.#chunks.push(kept);
    this.#size += kept.length;
  }

  bytes(): Buffer {
    return Buffer.concat(this.#chunks);
  }
}

export function requestMemory(headers: Headers, body: Buffer | string | undefined): string {
  const contentType = headers['content-type'];
  return formatHttpForMemory({ contentType: typeof contentType === 'string' ? contentType : undefined, headersLabel: 'Request-Headers', headers, body });
}

export function responseMemory(headers: Headers, body: Buffer | string | undefined): string {
  const contentType = headers['content-type'];
  return formatHttpForMemory({ contentType: typeof contentType === 'string' ? contentType : undefined, headersLabel: 'Response-Headers', headers, body });
}

/** A relayed event stream as the reference renders it: its payloads, then the assistant text they carried. */
export function streamMemory(sent: SentCopy, stream: StreamContent | undefined): string {
  const splitter = new SseSplitter();
  const events = splitter.push(sent.bytes());
  // rest() hands the unfinished last event over once.
  const last = splitter.rest();
  if (last) events.push(last);
  const payloads: string[] = [];
  let text = '';
  for (const raw of events) {
    const event = parseEvent(raw.toString('utf8'));
    if (!event.data) continue;
    if (payloads.length < MAX_PAYLOADS) payloads.push(event.data);
    if (!stream || event.data === '[DONE]') continue;
    try {
      const payload = JSON.parse(event.data) as unknown;
      if (payload && typeof payload === 'object' && !Array.isArray(payload)) {
        for (const delta of stream.deltas(payload as Record<string, unknown>, event.event)) text += delta.text;
      }
    } catch {
      // Not JSON: listed as it is, no text taken from it.
    }
  }
  return formatSseForMemory(payloads, text, sent.truncated || payloads.length < events.length);
}

/** The writers that want a token's conversations: the ledger's file (ledger.memory) and its policy's own. */
export function memoryWritersFor(memory: MemoryWriters | undefined, policy: Policy): MemoryWriter[] {
  if (!memory) return [];
  const writers: MemoryWriter[] = [];
  if (memory.ledgerEnabled) writers.push({ write: (record) => memory.ledger(record), close: async () => {} });
  const own = memory.forPolicy(policy.memory);
  if (own) writers.push(own);
  return writers;
}

/** Writes the request and its answer to every writer that wants them (queued: never waits). */
export function rememberExchange(outcome: Outcome, at: Date): void {
  const memory = outcome.memory;
  if (!memory?.request) return;
  const write = (record: MemoryRecord) => {
    for (const writer of memory.writers) writer.write(record);
  };
  const base = { at, sessionId: outcome.tokenHash ?? '', model: outcome.fallbackModel ?? outcome.model ?? '' };
  write({ ...base, role: 'request', content: memory.request });
  if (memory.response) write({ ...base, role: 'response', content: memory.response });
}
