import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_EVENT_BYTES, SseSplitter, SseTooLargeError } from './sse.js';

/** Splits `text` delivered in the given pieces; returns the events and the unfinished rest. */
function split(pieces: readonly string[]): { events: string[]; rest?: string } {
  const splitter = new SseSplitter();
  const events = pieces.flatMap((p) => splitter.push(Buffer.from(p)).map((e) => e.toString()));
  return { events, rest: splitter.rest()?.toString() };
}

describe('SseSplitter', () => {
  it('finds blank lines that straddle chunk boundaries, LF and CRLF alike', () => {
    expect(split(['data: a\n', '\ndata: b\r', '\n\r', '\ndata: c'])).toEqual({ events: ['data: a\n\n', 'data: b\r\n\r\n'], rest: 'data: c' });
    expect(split(['data: a', '\n', '\n', 'x'])).toEqual({ events: ['data: a\n\n'], rest: 'x' });
  });

  it('hands back the same events however the bytes are cut (any chunking, fixed seed)', () => {
    const event = fc.stringMatching(/^(event: [a-z]{1,5}\n)?data: [a-z{}":]{0,12}(\r?\n)(\r?\n)$/);
    fc.assert(
      fc.property(fc.array(event, { maxLength: 8 }), fc.array(fc.nat(40), { maxLength: 12 }), (events, cuts) => {
        const text = events.join('');
        const points = [0, ...new Set(cuts.map((c) => c % (text.length + 1))), text.length].sort((a, b) => a - b);
        const pieces = points.slice(1).map((end, i) => text.slice(points[i], end)).filter((p) => p !== '');
        const got = split(pieces);
        expect(got.events.join('') + (got.rest ?? '')).toBe(text);
        expect(got.events).toEqual(events);
      }),
      { seed: 4242, numRuns: 300 },
    );
  });

  it('refuses an event that grows past the limit instead of holding it (linear time, bounded memory)', () => {
    const splitter = new SseSplitter();
    const piece = Buffer.alloc(1024 * 1024, 0x61);
    splitter.push(Buffer.from('data: '));
    let error: unknown;
    try {
      for (let i = 0; i <= MAX_EVENT_BYTES / piece.length; i++) splitter.push(piece);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SseTooLargeError);
    expect((error as Error).message).toBe('a stream event is larger than 16 MB; the stream was cut');
    // The splitter starts over afterwards.
    expect(splitter.push(Buffer.from('data: x\n\n')).map(String)).toEqual(['data: x\n\n']);
  });
});
