// The behaviour every CounterStore backend must show, as one suite run against each (embedded, Redis).
import { describe, expect, it } from 'vitest';
import type { Meter } from '../../src/core/limits/meters.js';
import type { Charge, CounterStore } from '../../src/daemon/limits/counter-store.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0); // a Monday, 10:00 UTC

export function meter(partial: Partial<Meter> & Pick<Meter, 'unit' | 'limit'>): Meter {
  return { id: `m-${partial.unit}-${partial.limit}`, kind: 'budget', window: { kind: 'total' }, windowText: 'total', label: 'test meter', ...partial };
}

let serial = 0;
/** A charge on a fresh counter key (so tests sharing one backend do not see each other). */
export function charge(m: Meter, amount: number, key = `tok${++serial}:${m.id}`): Charge {
  return { key, meter: m, amount };
}

export function describeCounterStore(name: string, open: () => Promise<CounterStore>, options: { reopen?: (store: CounterStore) => Promise<CounterStore> } = {}): void {
  describe(`CounterStore contract: ${name}`, () => {
    it('reserves while the amount fits, refuses beyond, and says how much was used', async () => {
      const store = await open();
      const c = charge(meter({ unit: 'tokens', limit: 100 }), 60);
      const first = await store.reserve('r1', [c], T0);
      expect(first.ok).toBe(true);
      if (first.ok) expect(first.reservation.charges[0]).toMatchObject({ used: 60 });
      const second = await store.reserve('r2', [c], T0);
      expect(second).toMatchObject({ ok: false, used: 60 });
      if (!second.ok) {
        expect(second.refused.key).toBe(c.key);
        expect(second.retryAfterMs).toBeUndefined(); // a total window never frees up
      }
      await store.close();
    });

    it('takes all charges or none', async () => {
      const store = await open();
      const roomy = charge(meter({ unit: 'tokens', limit: 1000 }), 10);
      const tight = charge(meter({ unit: 'requests', limit: 1 }), 1);
      expect((await store.reserve('a', [roomy, tight], T0)).ok).toBe(true);
      const refused = await store.reserve('b', [roomy, tight], T0);
      expect(refused).toMatchObject({ ok: false, refused: { key: tight.key } });
      expect(await store.usage([roomy, tight], T0)).toEqual([10, 1]);
      await store.close();
    });

    it('settles to the actual amount in the reserved bucket, and release gives everything back', async () => {
      const store = await open();
      const c = charge(meter({ unit: 'usd', limit: 5_000_000 }), 2_000_000);
      const r = await store.reserve('s', [c], T0);
      if (!r.ok) throw new Error('expected a reservation');
      const settled = await store.settle(r.reservation, [350_000], T0 + 1000);
      expect(settled[0]!.used).toBe(350_000);
      const r2 = await store.reserve('t', [c], T0 + 2000);
      if (!r2.ok) throw new Error('expected a reservation');
      expect(await store.usage([c], T0 + 2000)).toEqual([2_350_000]);
      await store.release(r2.reservation, T0 + 3000);
      expect(await store.usage([c], T0 + 3000)).toEqual([350_000]);
      await store.close();
    });

    it('N concurrent reservations against a limit that fits one: exactly one succeeds', async () => {
      const store = await open();
      const c = charge(meter({ unit: 'tokens', limit: 100 }), 70);
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.reserve(`p${i}`, [c], T0)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(await store.usage([c], T0)).toEqual([70]);
      await store.close();
    });

    it('parallel slots: held until settled or released, refused with a retry hint when full', async () => {
      const store = await open();
      const slot = charge(meter({ unit: 'parallel', limit: 2, kind: 'parallel' }), 1);
      const a = await store.reserve('a', [slot], T0);
      const b = await store.reserve('b', [slot], T0);
      const c = await store.reserve('c', [slot], T0);
      expect([a.ok, b.ok, c.ok]).toEqual([true, true, false]);
      if (!c.ok) expect(c.retryAfterMs).toBeGreaterThan(0);
      if (a.ok) await store.settle(a.reservation, [1], T0);
      expect((await store.reserve('d', [slot], T0)).ok).toBe(true);
      expect(await store.usage([slot], T0)).toEqual([2]);
      await store.close();
    });

    it('a fixed (calendar) window resets at its boundary and names the wait until then', async () => {
      const store = await open();
      const day = charge(meter({ unit: 'tokens', limit: 10, window: { kind: 'fixed', ms: 24 * 60 * MINUTE, calendar: 'day' } }), 10);
      expect((await store.reserve('x', [day], T0)).ok).toBe(true);
      const refused = await store.reserve('y', [day], T0);
      expect(refused).toMatchObject({ ok: false, retryAfterMs: 14 * 60 * MINUTE }); // until midnight UTC
      const nextDay = T0 + 14 * 60 * MINUTE;
      expect((await store.reserve('z', [day], nextDay)).ok).toBe(true);
      expect(await store.usage([day], nextDay)).toEqual([10]);
      await store.close();
    });

    it('a sliding window forgets usage as it slides, and says when enough will have left', async () => {
      const store = await open();
      const window = { kind: 'sliding' as const, ms: 10 * MINUTE };
      const c = charge(meter({ unit: 'requests', limit: 2, window }), 1);
      expect((await store.reserve('1', [c], T0)).ok).toBe(true);
      expect((await store.reserve('2', [c], T0 + 5 * MINUTE)).ok).toBe(true);
      const refused = await store.reserve('3', [c], T0 + 6 * MINUTE);
      expect(refused.ok).toBe(false);
      // The first request leaves the window 10 minutes (plus at most one slice) after it was made.
      if (!refused.ok) expect(refused.retryAfterMs).toBeGreaterThanOrEqual(4 * MINUTE);
      if (!refused.ok) expect(refused.retryAfterMs).toBeLessThanOrEqual(4 * MINUTE + MINUTE / 6);
      expect((await store.reserve('4', [c], T0 + 10 * MINUTE + 10_001)).ok).toBe(true);
      expect(await store.usage([c], T0 + 10 * MINUTE + 10_001)).toEqual([2]);
      await store.close();
    });

    it('a single request larger than the limit is refused with no retry hint', async () => {
      const store = await open();
      const c = charge(meter({ unit: 'tokens', limit: 10, window: { kind: 'sliding', ms: MINUTE } }), 11);
      expect(await store.reserve('big', [c], T0)).toMatchObject({ ok: false, used: 0, retryAfterMs: undefined });
      await store.close();
    });

    if (options.reopen) {
      it('keeps the counters when the store is closed and opened again', async () => {
        const store = await open();
        const c = charge(meter({ unit: 'tokens', limit: 100 }), 40);
        const r = await store.reserve('keep', [c], T0);
        if (!r.ok) throw new Error('expected a reservation');
        await store.settle(r.reservation, [25], T0);
        const again = await options.reopen!(store);
        expect(await again.usage([c], T0)).toEqual([25]);
        await again.close();
      });
    }
  });
}
