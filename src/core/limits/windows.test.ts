// Window boundaries on an injected clock: calendar alignment in UTC, sliding slices, and the wait until room.
import { describe, expect, it } from 'vitest';
import { bucketAt, bucketExpiry, bucketLive, budgetWindow, liveTotal, resetsAt, waitUntilFits } from './windows.js';

const at = (iso: string) => Date.parse(iso);

describe('calendar budget windows (UTC)', () => {
  it.each([
    ['1h', '2026-03-10T14:37:12Z', '2026-03-10T14:00:00Z', '2026-03-10T15:00:00Z'],
    ['1d', '2026-03-10T14:37:12Z', '2026-03-10T00:00:00Z', '2026-03-11T00:00:00Z'],
    ['7d', '2026-03-12T14:37:12Z', '2026-03-09T00:00:00Z', '2026-03-16T00:00:00Z'], // Thursday -> Monday
    ['7d', '2026-03-15T23:59:59Z', '2026-03-09T00:00:00Z', '2026-03-16T00:00:00Z'], // Sunday still in that week
    ['1mo', '2026-02-27T10:00:00Z', '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z'],
    ['1mo', '2026-12-31T23:00:00Z', '2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z'],
  ] as const)('%s at %s: from %s to %s', (name, now, start, end) => {
    const window = budgetWindow(name, true);
    expect(bucketAt(window, at(now))).toBe(at(start));
    expect(resetsAt(window, at(now))).toBe(at(end));
    expect(bucketLive(window, at(start), at(end) - 1)).toBe(true);
    expect(bucketLive(window, at(start), at(end))).toBe(false);
  });

  it('30d calendar windows are 30-day blocks since the epoch', () => {
    const window = budgetWindow('30d', true);
    const start = bucketAt(window, at('2026-03-10T00:00:00Z'));
    expect(start % (30 * 86_400_000)).toBe(0);
    expect(bucketExpiry(window, start) - start).toBe(30 * 86_400_000);
  });

  it('total never resets; rolling windows slide', () => {
    expect(budgetWindow('total', false)).toEqual({ kind: 'total' });
    expect(budgetWindow('1d', false)).toEqual({ kind: 'sliding', ms: 86_400_000 });
    expect(resetsAt(budgetWindow('1d', false), 0)).toBeUndefined();
  });
});

describe('sliding windows', () => {
  const window = { kind: 'sliding' as const, ms: 60_000 }; // slices of 1 s

  it('usage leaves one slice at a time', () => {
    const buckets = new Map([[bucketAt(window, 10_500), 3], [bucketAt(window, 40_000), 2]]);
    expect(liveTotal(window, buckets, 40_000)).toBe(5);
    expect(liveTotal(window, buckets, 70_999)).toBe(5);
    expect(liveTotal(window, buckets, 71_000)).toBe(2);
  });

  it('waits until enough of the oldest usage has left', () => {
    const buckets = new Map([[10_000, 3], [40_000, 2]]);
    // limit 5, all used: 1 more fits when the 3 from t=10 s leave at 71 s.
    expect(waitUntilFits(window, buckets, 50_000, 5, 1)).toBe(21_000);
    // 4 more fit only when both have left (t=101 s).
    expect(waitUntilFits(window, buckets, 50_000, 5, 4)).toBe(51_000);
    expect(waitUntilFits(window, buckets, 50_000, 5, 6)).toBeUndefined();
  });
});

describe('fixed windows', () => {
  it('are aligned to multiples of their length and wait until the next one', () => {
    const window = { kind: 'fixed' as const, ms: 2_000 };
    expect(bucketAt(window, 5_300)).toBe(4_000);
    expect(waitUntilFits(window, new Map([[4_000, 2]]), 5_300, 2, 1)).toBe(700);
  });
});
