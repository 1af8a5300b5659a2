// `--expires` values: a duration (90m, 24h, 7d, 1y), an RFC 3339 time, or `clear` (update only).
import { parseDuration } from '../duration.js';

export class ExpiryError extends Error {}

export type Expiry = { readonly kind: 'at'; readonly at: Date } | { readonly kind: 'clear' };

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

export function parseExpiry(text: string, now: Date = new Date()): Expiry {
  const s = text.trim();
  if (s === 'clear') return { kind: 'clear' };
  if (RFC3339.test(s)) {
    const at = new Date(s);
    if (!Number.isNaN(at.getTime())) return { kind: 'at', at };
  }
  const years = /^(-?\d+)y$/.exec(s);
  let at: Date | undefined;
  let amount: number | undefined;
  if (years) {
    amount = Number(years[1]);
    at = new Date(now);
    at.setUTCFullYear(at.getUTCFullYear() + amount);
  } else {
    const negative = s.startsWith('-');
    const ms = parseDuration(negative ? s.slice(1) : s);
    if (ms !== undefined) {
      amount = negative ? -ms : ms;
      at = new Date(now.getTime() + amount);
    }
  }
  if (at === undefined || amount === undefined) {
    throw new ExpiryError(`invalid expiration "${text}": use a duration (24h, 7d, 30d, 1y), RFC3339 timestamp, or 'clear'`);
  }
  if (amount <= 0) throw new ExpiryError(`expiration must be positive, got ${text}`);
  return { kind: 'at', at };
}

/** RFC 3339 in UTC with second precision, as the original printed it. */
export function formatTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
