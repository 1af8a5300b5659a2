// Counters kept in this process and persisted to the daemon's LevelDB: exact under any concurrency within the
// process (check and take happen in one synchronous step), and surviving restarts. Changes are written in batches
// every FLUSH_MS and at close; parallel slots live in memory only (a restart has nothing in flight).
import { bucketAt, bucketExpiry, liveTotal, waitUntilFits } from '../../core/limits/windows.js';
import type { Meter } from '../../core/limits/meters.js';
import type { KeyValueArea } from '../store/token-store.js';
import type { Charge, CounterStore, Reservation, ReservedCharge, ReserveResult, SettledCharge } from './counter-store.js';

const FLUSH_MS = 200;
/** A parallel meter with no free slot: try again this much later. */
export const PARALLEL_RETRY_MS = 1000;

type Buckets = Map<number, number>;

export class EmbeddedCounters implements CounterStore {
  readonly description: string;
  readonly #counters = new Map<string, Buckets>();
  readonly #inFlight = new Map<string, Set<string>>();
  readonly #dirty = new Set<string>();
  readonly #area?: KeyValueArea;
  #timer?: NodeJS.Timeout;
  #flushing: Promise<void> = Promise.resolve();

  private constructor(area: KeyValueArea | undefined) {
    this.#area = area;
    this.description = area ? 'embedded (persisted in the token database)' : 'in memory (not persisted)';
  }

  /** Counters persisted in `area`, loaded now; without an area they live in memory only (tests, fail-open). */
  static async open(area?: KeyValueArea): Promise<EmbeddedCounters> {
    const store = new EmbeddedCounters(area);
    if (area) {
      for await (const [key, value] of area.iterator()) {
        try {
          store.#counters.set(key, new Map(JSON.parse(value) as Array<[number, number]>));
        } catch {
          // A damaged entry counts as empty rather than stopping the daemon; it is rewritten on next use.
        }
      }
    }
    return store;
  }

  #buckets(key: string, meter: Meter, now: number): Buckets {
    let buckets = this.#counters.get(key);
    if (!buckets) {
      buckets = new Map();
      this.#counters.set(key, buckets);
    }
    for (const bucket of buckets.keys()) {
      if (bucketExpiry(meter.window, bucket) <= now) {
        buckets.delete(bucket);
        this.#changed(key);
      }
    }
    return buckets;
  }

  #changed(key: string): void {
    if (!this.#area) return;
    this.#dirty.add(key);
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, FLUSH_MS);
  }

  #flush(): Promise<void> {
    const area = this.#area;
    if (!area || !this.#dirty.size) return this.#flushing;
    const operations = [...this.#dirty].map((key) => {
      const buckets = this.#counters.get(key);
      return buckets?.size
        ? { type: 'put' as const, key, value: JSON.stringify([...buckets]) }
        : { type: 'del' as const, key };
    });
    this.#dirty.clear();
    this.#flushing = this.#flushing.then(() => area.batch(operations)).catch(() => {
      // The next change retries the write of these keys.
      for (const op of operations) this.#dirty.add(op.key);
    });
    return this.#flushing;
  }

  #add(key: string, buckets: Buckets, bucket: number, amount: number): void {
    if (!amount) return;
    const value = (buckets.get(bucket) ?? 0) + amount;
    if (value) buckets.set(bucket, value);
    else buckets.delete(bucket);
    this.#changed(key);
  }

  async reserve(id: string, charges: readonly Charge[], now: number): Promise<ReserveResult> {
    // Check every charge first, then take them all, with no await in between: nothing else runs meanwhile.
    const used: number[] = [];
    for (const charge of charges) {
      if (charge.meter.unit === 'parallel') {
        const holders = this.#inFlight.get(charge.key)?.size ?? 0;
        if (holders + 1 > charge.meter.limit) return { ok: false, refused: charge, used: holders, retryAfterMs: PARALLEL_RETRY_MS };
        used.push(holders);
        continue;
      }
      const buckets = this.#buckets(charge.key, charge.meter, now);
      const live = liveTotal(charge.meter.window, buckets, now);
      if (live + charge.amount > charge.meter.limit) {
        return { ok: false, refused: charge, used: live, retryAfterMs: waitUntilFits(charge.meter.window, buckets, now, charge.meter.limit, charge.amount) };
      }
      used.push(live);
    }
    const reserved: ReservedCharge[] = charges.map((charge, i) => {
      const bucket = bucketAt(charge.meter.window, now);
      if (charge.meter.unit === 'parallel') {
        let holders = this.#inFlight.get(charge.key);
        if (!holders) this.#inFlight.set(charge.key, (holders = new Set()));
        holders.add(id);
      } else this.#add(charge.key, this.#counters.get(charge.key)!, bucket, charge.amount);
      return { ...charge, bucket, used: used[i]! + charge.amount };
    });
    return { ok: true, reservation: { id, charges: reserved } };
  }

  async settle(reservation: Reservation, actual: readonly number[], now: number): Promise<SettledCharge[]> {
    return reservation.charges.map((charge, i) => {
      if (charge.meter.unit === 'parallel') {
        this.#inFlight.get(charge.key)?.delete(reservation.id);
        return { charge, used: this.#inFlight.get(charge.key)?.size ?? 0 };
      }
      const buckets = this.#buckets(charge.key, charge.meter, now);
      // A bucket that has left the window since the reservation is not revived: its usage no longer counts.
      if (bucketExpiry(charge.meter.window, charge.bucket) > now) this.#add(charge.key, buckets, charge.bucket, (actual[i] ?? charge.amount) - charge.amount);
      return { charge, used: liveTotal(charge.meter.window, buckets, now) };
    });
  }

  async release(reservation: Reservation, now: number): Promise<void> {
    await this.settle(reservation, reservation.charges.map(() => 0), now);
  }

  async usage(charges: ReadonlyArray<Pick<Charge, 'key' | 'meter'>>, now: number): Promise<number[]> {
    return charges.map((charge) =>
      charge.meter.unit === 'parallel'
        ? this.#inFlight.get(charge.key)?.size ?? 0
        : liveTotal(charge.meter.window, this.#buckets(charge.key, charge.meter, now), now),
    );
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#flush();
  }
}
