// The counters behind budgets, max_tokens and rate limits, and the contract every backend keeps: a reservation is
// checked and taken for all of a request's meters at once (all or nothing), so parallel requests never overspend;
// it is settled to the real amounts after the call, or released when no upstream answer was used.
import type { Meter } from '../../core/limits/meters.js';

/** One meter of one token, and what a request asks of it. */
export interface Charge {
  /** `<token hash>:<meter id>`: the counter. */
  readonly key: string;
  readonly meter: Meter;
  /** Amount to reserve, in the meter's unit (parallel and requests meters: 1). */
  readonly amount: number;
}

export interface ReservedCharge extends Charge {
  /** The bucket the amount went into; settle and release change that same bucket. */
  readonly bucket: number;
  /** Usage of the meter's live window after the reservation, this request included. */
  readonly used: number;
}

export interface Reservation {
  /** Unique per request (parallel slots are kept by id, so a crashed holder can expire). */
  readonly id: string;
  readonly charges: readonly ReservedCharge[];
}

export type ReserveResult =
  | { readonly ok: true; readonly reservation: Reservation }
  | {
      readonly ok: false;
      /** The first charge that did not fit, in the order given. */
      readonly refused: Charge;
      /** Its live usage before this request. */
      readonly used: number;
      /** Milliseconds until the amount would fit; undefined when it never will. */
      readonly retryAfterMs?: number;
    };

export interface SettledCharge {
  readonly charge: ReservedCharge;
  /** Live usage after the settlement. */
  readonly used: number;
}

export interface CounterStore {
  /** Which backend holds the counters, for status lines: `embedded (LevelDB)`, `redis 127.0.0.1:6379`. */
  readonly description: string;
  reserve(id: string, charges: readonly Charge[], now: number): Promise<ReserveResult>;
  /**
   * Replaces each reserved amount with the actual one (`actual[i]` for `reservation.charges[i]`), in the bucket it
   * was reserved in; frees parallel slots.
   */
  settle(reservation: Reservation, actual: readonly number[], now: number): Promise<SettledCharge[]>;
  /** Takes the whole reservation back (the request was refused or no upstream answer was used). */
  release(reservation: Reservation, now: number): Promise<void>;
  /** Live usage of each counter, for reports. */
  usage(charges: ReadonlyArray<Pick<Charge, 'key' | 'meter'>>, now: number): Promise<number[]>;
  close(): Promise<void>;
}

export class CounterBackendError extends Error {}
