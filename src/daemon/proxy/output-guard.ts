// Output rules on a stream, as the relay's event filter: held-back text, masks, and a format-correct error event
// that ends the stream when a rule fails.
import { parseEvent, type SseEvent } from '../../core/formats/sse.js';
import type { StreamTranslator } from '../../core/translate/bridge.js';
import { blockedMessage } from '../../core/policy/enforce.js';
import type { RuleMatch } from '../../core/policy/rules/engine.js';
import type { StreamGuard } from '../../core/policy/rules/stream-guard.js';
import { errorEvent, type ErrorShape } from '../../core/proxy/errors.js';
import type { EventFilter } from './relay.js';

/** Keeps every event (the tap alone decides what to drop). */
export const KEEP_ALL: EventFilter = { event: (raw) => raw, finish: () => '' };

export interface GuardFilter extends EventFilter {
  readonly blocked?: RuleMatch;
}

/** Output rules on a stream: held-back text, masks, and a format-correct error event when a rule fails. */
export function guardFilter(guard: StreamGuard, shape: ErrorShape): GuardFilter {
  const filter = {
    blocked: undefined as RuleMatch | undefined,
    ending: undefined as string | undefined,
    event(raw: Buffer, parsed: SseEvent): Buffer | string {
      const result = guard.onEvent(parsed, raw.toString('utf8'));
      if (result.blocked) end(result.blocked);
      return result.out;
    },
    finish(): string {
      const result = guard.finish();
      if (result.blocked) {
        end(result.blocked);
        return result.out + filter.ending!;
      }
      return result.out;
    },
  };
  const end = (match: RuleMatch) => {
    filter.blocked = match;
    filter.ending = errorEvent(shape, 403, 'forbidden', blockedMessage(match, 'output'));
  };
  return filter;
}

/**
 * A provider's stream in another wire format: each upstream event becomes the client's events (through the output
 * guard when there is one, which reads the client's format); the end of the upstream stream closes the client's.
 */
export function translateFilter(translator: StreamTranslator, guard: GuardFilter | undefined): EventFilter {
  const pass = (events: string[]): string => {
    if (!guard) return events.join('');
    let out = '';
    for (const text of events) {
      if (guard.ending !== undefined) break;
      const sent = guard.event(Buffer.from(text), parseEvent(text));
      out += typeof sent === 'string' ? sent : sent.toString('utf8');
    }
    return out;
  };
  return {
    event: (_raw, parsed) => pass(translator.pushSse(parsed)),
    get ending() {
      return guard?.ending;
    },
    finish: () => {
      const tail = pass(translator.end());
      return guard && guard.ending === undefined ? tail + guard.finish() : tail;
    },
  };
}
