// Counters kept in this process and persisted to the daemon's LevelDB: exact under any concurrency within the
// process (check and take happen in one synchronous step), and surviving restarts. Changes are written in batches
// every FLUSH_MS and at close; parallel slots live in memory only (a restart has nothing in flight).
// Crash safety (kill -9): a batch holds only settled amounts, never reservations still in flight, plus the ids of the
// requests it settled; at the next start `reconcile` adds the journaled requests no batch had reached.
import { bucketAt, bucketExpiry, liveTotal, waitUntilFits } from '../../core/limits/windows.js';
import type { Meter } from '../../core/limits/meters.js';
import type { KeyValueArea } from '../store/token-store.js';
import type { Charge, CounterStore, Reservation, ReservedCharge, ReserveResult, SettledCharge } from './counter-store.js';

const FLUSH_MS = 200;
/** Keys of the batches' lists of settled request ids (never a counter key: those start with a token hash). */
const APPLIED_PREFIX = '~applied:';

/** A finished request from a recovered journal, as the charges it should have left on the counters. */
export interface JournaledCharges {
  readonly requestId: string;
  /** Epoch milliseconds the request started (its bucket). */
  readonly at: number;
  readonly charges: readonly Charge[];
}
/** A parallel meter with no free slot: try again this much later. */
export const PARALLEL_RETRY_MS = 1000;

type Buckets = Map<number, number>;

export class EmbeddedCounters implements CounterStore {
  readonly description: string;
  readonly #counters = new Map<string, Buckets>();
  readonly #inFlight = new Map<string, Set<string>>();
  readonly #dirty = new Set<string>();
  /** Amounts reserved by requests still in flight, per counter and bucket: kept out of what is persisted. */
  readonly #held = new Map<string, Buckets>();
  /** Requests settled since the last batch; the next batch records their ids. */
  #settled: string[] = [];
  /** Settled-id keys on disk: from earlier runs (read at open) and written by this one. */
  readonly #appliedKeys: string[] = [];
  /** Request ids whose charges the persisted counters already hold (from earlier runs' batches). */
  readonly #applied = new Set<string>();
  #batches = 0;
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
        if (key.startsWith(APPLIED_PREFIX)) {
          store.#appliedKeys.push(key);
          try {
            for (const id of JSON.parse(value) as string[]) store.#applied.add(id);
          } catch {
            // A damaged list: its requests are charged again at reconcile, the safer side for a budget.
          }
          continue;
        }
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

  /** What a counter holds without the reservations in flight: what survives a crash. */
  #settledBuckets(key: string): Array<[number, number]> {
    const held = this.#held.get(key);
    const buckets = [...(this.#counters.get(key) ?? [])];
    if (!held) return buckets;
    return buckets.map(([bucket, value]): [number, number] => [bucket, value - (held.get(bucket) ?? 0)]).filter(([, value]) => value !== 0);
  }

  #flush(recordSettled = true): Promise<void> {
    const area = this.#area;
    if (!area || !this.#dirty.size) return this.#flushing;
    const operations: Array<{ type: 'put'; key: string; value: string } | { type: 'del'; key: string }> = [...this.#dirty].map((key) => {
      const buckets = this.#settledBuckets(key);
      return buckets.length ? { type: 'put' as const, key, value: JSON.stringify(buckets) } : { type: 'del' as const, key };
    });
    const settled = this.#settled;
    this.#settled = [];
    if (recordSettled && settled.length) {
      const key = `${APPLIED_PREFIX}${Date.now()}:${process.pid}:${this.#batches++}`;
      operations.push({ type: 'put', key, value: JSON.stringify(settled) });
      this.#appliedKeys.push(key);
    }
    this.#dirty.clear();
    this.#flushing = this.#flushing.then(() => area.batch(operations)).catch(() => {
      // The next change retries the write of these keys.
      for (const op of operations) if (!op.key.startsWith(APPLIED_PREFIX)) this.#dirty.add(op.key);
      this.#settled.push(...settled);
    });
    return this.#flushing;
  }

  #hold(key: string, bucket: number, amount: number): void {
    let held = this.#held.get(key);
    if (!held) this.#held.set(key, (held = new Map()));
    const value = (held.get(bucket) ?? 0) + amount;
    if (value) held.set(bucket, value);
    else held.delete(bucket);
    if (!held.size) this.#held.delete(key);
    this.#changed(key);
  }

  /**
   * After a crash: adds the charges of journaled requests that no persisted batch had recorded (they finished, or
   * were settled, after the last batch), then forgets the earlier runs' settled-id lists. Returns how many it added.
   */
  async reconcile(journaled: readonly JournaledCharges[], now: number): Promise<number> {
    let added = 0;
    for (const request of journaled) {
      if (this.#applied.has(request.requestId)) continue;
      added += 1;
      for (const charge of request.charges) {
        if (charge.meter.unit === 'parallel') continue;
        const bucket = bucketAt(charge.meter.window, request.at);
        if (bucketExpiry(charge.meter.window, bucket) > now) this.#add(charge.key, this.#buckets(charge.key, charge.meter, now), bucket, charge.amount);
      }
    }
    await this.#forgetApplied();
    return added;
  }

  /** Drops the settled-id lists: once the journals they refer to are session files, nothing reads them again. */
  async #forgetApplied(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#flush(false);
    const keys = this.#appliedKeys.splice(0);
    this.#applied.clear();
    if (keys.length) await this.#area?.batch(keys.map((key) => ({ type: 'del' as const, key }))).catch(() => undefined);
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
      } else {
        this.#add(charge.key, this.#counters.get(charge.key)!, bucket, charge.amount);
        this.#hold(charge.key, bucket, charge.amount);
      }
      return { ...charge, bucket, used: used[i]! + charge.amount };
    });
    return { ok: true, reservation: { id, charges: reserved } };
  }

  async settle(reservation: Reservation, actual: readonly number[], now: number): Promise<SettledCharge[]> {
    if (this.#area) this.#settled.push(reservation.id);
    return reservation.charges.map((charge, i) => {
      if (charge.meter.unit === 'parallel') {
        this.#inFlight.get(charge.key)?.delete(reservation.id);
        return { charge, used: this.#inFlight.get(charge.key)?.size ?? 0 };
      }
      this.#hold(charge.key, charge.bucket, -charge.amount);
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

  /** Writes what is left; a clean stop also drops the settled-id lists (the session file is written by now). */
  async close(): Promise<void> {
    await this.#forgetApplied();
  }
}
