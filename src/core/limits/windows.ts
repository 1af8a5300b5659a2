// Counting windows, as bucket ids on a clock: `total` never resets; fixed windows (calendar-aligned budgets and
// `strategy: fixed` rate limits) are one bucket each; sliding windows are the last SLICES slices of their length.
// Everything is UTC and epoch milliseconds, so several daemons sharing Redis agree on every boundary.

export type Window =
  | { readonly kind: 'total' }
  | { readonly kind: 'fixed'; readonly ms: number; readonly calendar?: 'hour' | 'day' | 'week' | 'month' }
  | { readonly kind: 'sliding'; readonly ms: number };

/** Slices of a sliding window: usage leaves the window in steps of 1/SLICES of its length. */
export const SLICES = 60;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The bucket that usage at `now` goes into. Bucket ids are the bucket's start time (0 for `total`). */
export function bucketAt(window: Window, now: number): number {
  switch (window.kind) {
    case 'total':
      return 0;
    case 'fixed':
      return fixedStart(window, now);
    case 'sliding': {
      const slice = sliceMs(window);
      return Math.floor(now / slice) * slice;
    }
  }
}

export function sliceMs(window: { readonly ms: number }): number {
  return Math.max(1, Math.floor(window.ms / SLICES));
}

function fixedStart(window: Extract<Window, { kind: 'fixed' }>, now: number): number {
  const date = new Date(now);
  switch (window.calendar) {
    case 'month':
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    case 'week': {
      // ISO weeks start on Monday.
      const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
      return day - ((date.getUTCDay() + 6) % 7) * DAY;
    }
    default:
      return Math.floor(now / window.ms) * window.ms;
  }
}

/** End of the fixed bucket that starts at `start`. */
function fixedEnd(window: Extract<Window, { kind: 'fixed' }>, start: number): number {
  if (window.calendar === 'month') {
    const date = new Date(start);
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  }
  return start + window.ms;
}

/** Whether usage counted in `bucket` still counts at `now`. */
export function bucketLive(window: Window, bucket: number, now: number): boolean {
  switch (window.kind) {
    case 'total':
      return true;
    case 'fixed':
      return bucket === fixedStart(window, now);
    case 'sliding':
      return bucket + sliceMs(window) > now - window.ms;
  }
}

/** When a bucket stops counting (Infinity for `total`); also how long a store must keep it. */
export function bucketExpiry(window: Window, bucket: number): number {
  switch (window.kind) {
    case 'total':
      return Infinity;
    case 'fixed':
      return fixedEnd(window, bucket);
    case 'sliding':
      return bucket + sliceMs(window) + window.ms;
  }
}

/** Sum of the live buckets. */
export function liveTotal(window: Window, buckets: ReadonlyMap<number, number>, now: number): number {
  let total = 0;
  for (const [bucket, amount] of buckets) if (bucketLive(window, bucket, now)) total += amount;
  return total;
}

/**
 * Milliseconds until `amount` more fits under `limit`, given the live buckets; undefined when it never will
 * (a `total` window, or an amount larger than the limit).
 */
export function waitUntilFits(window: Window, buckets: ReadonlyMap<number, number>, now: number, limit: number, amount: number): number | undefined {
  if (amount > limit || window.kind === 'total') return undefined;
  if (window.kind === 'fixed') return bucketExpiry(window, fixedStart(window, now)) - now;
  let used = liveTotal(window, buckets, now);
  const live = [...buckets].filter(([bucket]) => bucketLive(window, bucket, now)).sort((a, b) => a[0] - b[0]);
  for (const [bucket, value] of live) {
    used -= value;
    if (used + amount <= limit) return Math.max(0, bucketExpiry(window, bucket) - now);
  }
  return 0;
}

/** When the current fixed bucket ends, for reports (undefined for sliding and total windows). */
export function resetsAt(window: Window, now: number): number | undefined {
  return window.kind === 'fixed' ? bucketExpiry(window, fixedStart(window, now)) : undefined;
}

/** A budget window (`1h`, `1d`, `7d`, `30d`, `1mo`, `total`) as a counting window. */
export function budgetWindow(name: '1h' | '1d' | '7d' | '30d' | '1mo' | 'total', calendar: boolean): Window {
  if (name === 'total') return { kind: 'total' };
  const ms = { '1h': HOUR, '1d': DAY, '7d': 7 * DAY, '30d': 30 * DAY, '1mo': 30 * DAY }[name];
  if (!calendar) return { kind: 'sliding', ms };
  const unit = ({ '1h': 'hour', '1d': 'day', '7d': 'week', '30d': undefined, '1mo': 'month' } as const)[name];
  return { kind: 'fixed', ms, calendar: unit };
}
