// Output rules on a stream. Generated text is held back per channel (a choice, a content block) until
// HOLD_BACK_CHARS more characters have followed it, so that a match spanning chunk boundaries is seen whole before
// any of it is sent: masks are applied to the held text, and a `fail` match stops the stream before the matching text
// goes out. When a channel closes, whatever is still held is checked, masked and sent in one extra delta event.
import type { StreamContent, StreamDelta, TextVisitor } from '../../formats/content/types.js';
import { parseJsonData } from '../../formats/types.js';
import type { SseEvent } from '../../formats/sse.js';
import type { Json } from '../../usage/usage.js';
import { replaceSpans, type RuleMatch, type RuleSet } from './engine.js';

/** Characters of generated text held back before they are sent, per channel. */
export const HOLD_BACK_CHARS = 256;

interface Channel {
  held: string;
  /** The last HOLD_BACK_CHARS characters already sent, so checks see matches that straddle the boundary. */
  tail: string;
  template: { payload: Json; event: string };
}

export interface GuardOutput {
  /** The bytes to send in place of the event. */
  readonly out: string;
  /** A `fail` rule matched: send nothing more after `out`. */
  readonly blocked?: RuleMatch;
}

function closes(entry: string, channel: string): boolean {
  return entry === '' || entry === channel || (entry.endsWith('/') && channel.startsWith(entry));
}

export class StreamGuard {
  readonly #channels = new Map<string, Channel>();
  readonly #matches = new Map<number, RuleMatch>();

  constructor(
    readonly rules: RuleSet,
    readonly content: StreamContent,
  ) {}

  /** Non-blocking matches seen so far (one per rule). */
  matches(): RuleMatch[] {
    return [...this.#matches.values()];
  }

  #check(text: string): RuleMatch | undefined {
    const result = this.rules.check(text, 'output');
    for (const match of result.matches) if (!this.#matches.has(match.index)) this.#matches.set(match.index, match);
    return result.blocked;
  }

  /** Sends what is safe of a channel's held text through `delta`; everything when `final`. */
  #advance(channel: Channel, delta: StreamDelta, final: boolean): { blocked?: RuleMatch; changed: boolean } {
    channel.held += delta.text;
    const blocked = this.#check(channel.tail + channel.held);
    if (blocked) return { blocked, changed: false };
    const held = channel.held;
    let cut = final ? held.length : held.length - HOLD_BACK_CHARS;
    let sent = '';
    if (cut > 0) {
      const spans = final ? [] : this.rules.maskSpans(held, 'output');
      for (let moved = true; moved; ) {
        moved = false;
        for (const span of spans) {
          if (span.start < cut && span.end > cut) {
            cut = span.start;
            moved = true;
          }
        }
      }
      if (cut > 0) {
        const prefix = held.slice(0, cut);
        sent = final ? this.rules.mask(prefix, 'output') : replaceSpans(prefix, spans.filter((s) => s.end <= cut));
        channel.tail = (channel.tail + prefix).slice(-HOLD_BACK_CHARS);
        channel.held = held.slice(cut);
      }
    }
    if (sent !== delta.text) delta.replace(sent);
    return { changed: sent !== delta.text };
  }

  /** The extra delta events that send what closing channels still hold. */
  #flush(entries: readonly string[], except: ReadonlySet<string>): { out: string; blocked?: RuleMatch } {
    let out = '';
    for (const [name, channel] of this.#channels) {
      if (except.has(name) || !entries.some((entry) => closes(entry, name))) continue;
      this.#channels.delete(name);
      if (!channel.held) continue;
      const blocked = this.#check(channel.tail + channel.held);
      if (blocked) return { out, blocked };
      out += this.content.deltaEvent(name, this.rules.mask(channel.held, 'output'), channel.template);
    }
    return { out };
  }

  onEvent(event: SseEvent, raw: string): GuardOutput {
    const payload = parseJsonData(event.data);
    if (!payload) {
      // `[DONE]` and other non-JSON data end everything that is still open.
      const flushed = event.data === '[DONE]' ? this.#flush([''], new Set()) : { out: '' };
      return flushed.blocked ? flushed : { out: flushed.out + raw };
    }
    const closing = this.content.closes(payload, event.event);
    const touched = new Set<string>();
    let modified = false;
    for (const delta of this.content.deltas(payload, event.event)) {
      let channel = this.#channels.get(delta.channel);
      if (!channel) {
        channel = { held: '', tail: '', template: { payload, event: event.event } };
        this.#channels.set(delta.channel, channel);
      }
      const final = closing.some((entry) => closes(entry, delta.channel));
      const result = this.#advance(channel, delta, final);
      if (result.blocked) return { out: '', blocked: result.blocked };
      if (final) this.#channels.delete(delta.channel);
      touched.add(delta.channel);
      modified ||= result.changed;
    }
    let wholeBlocked: RuleMatch | undefined;
    const visit: TextVisitor = (text) => {
      wholeBlocked ??= this.#check(text);
      const masked = this.rules.mask(text, 'output');
      if (masked !== text) modified = true;
      return masked;
    };
    this.content.visitWhole(payload, event.event, visit);
    if (wholeBlocked) return { out: '', blocked: wholeBlocked };
    const flushed = closing.length ? this.#flush(closing, touched) : { out: '' };
    if (flushed.blocked) return flushed;
    const body = modified ? `${event.event ? `event: ${event.event}\n` : ''}data: ${JSON.stringify(payload)}\n\n` : raw;
    return { out: flushed.out + body };
  }

  /** At the end of a stream that never closed its channels: what they still hold. */
  finish(): GuardOutput {
    return this.#flush([''], new Set());
  }
}
