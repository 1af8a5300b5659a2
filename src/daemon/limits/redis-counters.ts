// Counters in a Redis that several daemons share, so a budget or rate limit holds across all of them. The check and
// the take of a reservation run in one Lua script (Redis runs scripts one at a time), so no two daemons can both see
// room that fits only one of them; the semantics are those of EmbeddedCounters, which is the reference.
//
// Key layout (`<prefix>` is `tokenomics:` unless configured):
//   <prefix>counter:<charge key>   hash: field = bucket id (bucketAt(window, now)), value = integer amount (HINCRBY).
//                                  Expired buckets (bucketExpiry <= now) are deleted whenever the key is touched;
//                                  the key expires a minute after its newest bucket would (never for `total`).
//   <prefix>inflight:<charge key>  sorted set of the parallel slots held: member = reservation id, score = when the
//                                  slot lapses (now + 15 minutes), so the slots of a crashed daemon free themselves.
// Scripts touch several keys at once, which a Redis Cluster only allows within one hash slot: standalone Redis only.
import { Redis } from 'ioredis';
import { bucketAt, bucketExpiry, sliceMs, waitUntilFits } from '../../core/limits/windows.js';
import type { Meter } from '../../core/limits/meters.js';
import { CounterBackendError, type Charge, type CounterStore, type Reservation, type ReservedCharge, type ReserveResult, type SettledCharge } from './counter-store.js';
import { PARALLEL_RETRY_MS } from './embedded-counters.js';
import { redisHostPort } from './redis-addr.js';

const MINUTE = 60_000;
/** How long a parallel slot is held at most when its holder never settles (the daemon crashed). */
const SLOT_LEASE_MS = 15 * MINUTE;
/** Reconnect attempts in the background, forever, so the counters come back on their own with Redis. */
const RETRY_MS = 500;
const CONNECT_TIMEOUT_MS = 2000;
/** Below the time a proxied request can afford to wait for its admission. */
const COMMAND_TIMEOUT_MS = 1500;
const ADDR_SETTING = 'session.redis.addr';

// KEYS[i] is the hash or sorted set of charge i. ARGV: take (1: check every charge, then take them all, or refuse
// at the first that does not fit; 0: apply the deltas unchecked), now, reservation id, slot lapse time, then six per
// charge: mode (t total, f fixed, s sliding, p parallel), edge (f: the current bucket, which alone is live, and older
// ones are expired; s: buckets at or below it are expired, those above live), bucket, delta, limit, ttl in ms.
// Replies {1, used after, ...}, or {0, index of the refused charge, its usage, its live buckets as field, value...}.
// Amounts are passed to Redis as the strings JS wrote: Lua would print large numbers in exponent form.
const SCRIPT = `
local take, now, id, lapse = ARGV[1] == '1', ARGV[2], ARGV[3], ARGV[4]
local function live(key, mode, edge)
  if mode == 'p' then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    return redis.call('ZCARD', key), {}
  end
  local flat, total, kept = redis.call('HGETALL', key), 0, {}
  for i = 1, #flat, 2 do
    local b = tonumber(flat[i])
    if (mode == 'f' and b < edge) or (mode == 's' and b <= edge) then
      redis.call('HDEL', key, flat[i])
    elseif mode ~= 'f' or b == edge then
      total = total + tonumber(flat[i + 1])
      kept[#kept + 1] = flat[i]
      kept[#kept + 1] = flat[i + 1]
    end
  end
  return total, kept
end
local before = {}
for i = 1, #KEYS do
  local a = 4 + (i - 1) * 6
  local used, kept = live(KEYS[i], ARGV[a + 1], tonumber(ARGV[a + 2]))
  if take and used + tonumber(ARGV[a + 4]) > tonumber(ARGV[a + 5]) then return {0, i, used, kept} end
  before[i] = used
end
local out = {1}
for i = 1, #KEYS do
  local a = 4 + (i - 1) * 6
  local key, mode, bucket, delta, ttl = KEYS[i], ARGV[a + 1], ARGV[a + 3], tonumber(ARGV[a + 4]), ARGV[a + 6]
  if mode == 'p' then
    if delta > 0 then
      redis.call('ZADD', key, lapse, id)
      redis.call('PEXPIRE', key, ttl)
    elseif delta < 0 then
      redis.call('ZREM', key, id)
    end
  elseif delta ~= 0 then
    if redis.call('HINCRBY', key, bucket, ARGV[a + 4]) == 0 then redis.call('HDEL', key, bucket) end
    if tonumber(ttl) > 0 and redis.call('PTTL', key) < tonumber(ttl) then redis.call('PEXPIRE', key, ttl) end
  end
  if take then out[i + 1] = before[i] + delta else out[i + 1] = (live(key, mode, tonumber(ARGV[a + 2]))) end
end
return out
`;

type ScriptReply = [1, ...number[]] | [0, number, number, string[]];
type CounterScript = (numberOfKeys: number, ...args: string[]) => Promise<ScriptReply>;

/** One charge as the script sees it. */
interface Step {
  readonly key: string;
  readonly meter: Meter;
  readonly bucket: number;
  readonly delta: number;
  readonly limit?: number;
}

export interface RedisCountersOptions {
  /** `host:port` (`[::1]:6379` for IPv6); the port defaults to 6379. */
  readonly addr: string;
  readonly password?: string;
  readonly db?: number;
  /** Prepended to every key, so several deployments can share one Redis; default `tokenomics:`. */
  readonly keyPrefix?: string;
}

export class RedisCounters implements CounterStore {
  readonly description: string;
  readonly #redis: Redis;
  readonly #run: CounterScript;
  readonly #addr: string;
  readonly #prefix: string;
  /** The last connection error Redis reported: the real cause behind ioredis' generic "Connection is closed". */
  #lastError?: Error;

  private constructor(redis: Redis, options: RedisCountersOptions) {
    this.#redis = redis;
    this.#addr = options.addr;
    this.#prefix = options.keyPrefix ?? 'tokenomics:';
    this.description = `redis ${options.addr} (db ${options.db ?? 0})`;
    // With a listener, errors never become unhandled 'error' events; they are reported by the calls that fail.
    redis.on('error', (err: Error) => (this.#lastError = err));
    redis.on('ready', () => (this.#lastError = undefined));
    redis.defineCommand('tokenomicsCounters', { lua: SCRIPT });
    const run = (redis as unknown as { tokenomicsCounters: CounterScript }).tokenomicsCounters;
    this.#run = run.bind(redis);
  }

  /** Connects now, so a wrong address stops the daemon at start with a message saying what to fix. */
  static async connect(options: RedisCountersOptions): Promise<RedisCounters> {
    const redis = new Redis({
      ...redisHostPort(options.addr),
      password: options.password,
      db: options.db ?? 0,
      lazyConnect: true,
      // Fail at once while Redis is away rather than queue: the caller falls back or refuses (on_backend_error).
      enableOfflineQueue: false,
      connectTimeout: CONNECT_TIMEOUT_MS,
      commandTimeout: COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 1,
      // A reservation that timed out was reported as failed; sending it again after a reconnect would charge it.
      autoResendUnfulfilledCommands: false,
      retryStrategy: () => RETRY_MS,
    });
    const store = new RedisCounters(redis, options);
    let timer: NodeJS.Timeout | undefined;
    try {
      // The handshake (AUTH, SELECT, ready check) has no timeout of its own: bound the whole of it.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer within 3 s')), CONNECT_TIMEOUT_MS + 1000);
      });
      await Promise.race([redis.connect(), timeout]);
    } catch (err) {
      redis.disconnect(); // stops the background retries
      const reason = store.#reason(err);
      const hint = /NOAUTH|WRONGPASS|invalid password/i.test(reason) ? 'check session.redis.password' : /DB index/i.test(reason) ? 'check session.redis.db' : 'start redis-server or set session.backend: memory';
      throw new CounterBackendError(`cannot reach Redis at ${options.addr} (${ADDR_SETTING}): ${reason}; ${hint}`);
    } finally {
      clearTimeout(timer);
    }
    return store;
  }

  async reserve(id: string, charges: readonly Charge[], now: number): Promise<ReserveResult> {
    const steps = charges.map((charge) => ({ ...charge, bucket: bucketAt(charge.meter.window, now), delta: charge.amount, limit: charge.meter.limit }));
    const reply = await this.#call(true, id, steps, now);
    if (reply[0] === 0) {
      const [, index, used, kept] = reply;
      const refused = charges[index - 1]!;
      const buckets = new Map<number, number>();
      for (let i = 0; i + 1 < kept.length; i += 2) buckets.set(Number(kept[i]), Number(kept[i + 1]));
      const retryAfterMs = refused.meter.unit === 'parallel' ? PARALLEL_RETRY_MS : waitUntilFits(refused.meter.window, buckets, now, refused.meter.limit, refused.amount);
      return { ok: false, refused, used, retryAfterMs };
    }
    const reserved: ReservedCharge[] = charges.map((charge, i) => ({ ...charge, bucket: steps[i]!.bucket, used: reply[i + 1]! }));
    return { ok: true, reservation: { id, charges: reserved } };
  }

  async settle(reservation: Reservation, actual: readonly number[], now: number): Promise<SettledCharge[]> {
    const steps = reservation.charges.map((charge, i) => {
      if (charge.meter.unit === 'parallel') return { ...charge, delta: -1 };
      // A bucket that has left the window since the reservation is not revived: its usage no longer counts.
      const expired = bucketExpiry(charge.meter.window, charge.bucket) <= now;
      return { ...charge, delta: expired ? 0 : (actual[i] ?? charge.amount) - charge.amount };
    });
    const reply = await this.#call(false, reservation.id, steps, now);
    return reservation.charges.map((charge, i) => ({ charge, used: reply[i + 1] as number }));
  }

  async release(reservation: Reservation, now: number): Promise<void> {
    await this.settle(reservation, reservation.charges.map(() => 0), now);
  }

  async usage(charges: ReadonlyArray<Pick<Charge, 'key' | 'meter'>>, now: number): Promise<number[]> {
    const steps = charges.map((charge) => ({ ...charge, bucket: bucketAt(charge.meter.window, now), delta: 0 }));
    const reply = await this.#call(false, '', steps, now);
    return charges.map((_, i) => reply[i + 1] as number);
  }

  async close(): Promise<void> {
    // quit() lets pending replies arrive; disconnect() then also cancels a pending reconnect when Redis was away.
    if (this.#redis.status === 'ready') await this.#redis.quit().catch(() => undefined);
    if (this.#redis.status !== 'end') this.#redis.disconnect();
  }

  async #call(take: boolean, id: string, steps: readonly Step[], now: number): Promise<ScriptReply> {
    const keys: string[] = [];
    const args: string[] = [take ? '1' : '0', String(now), id, String(now + SLOT_LEASE_MS)];
    for (const step of steps) {
      const { window, unit } = step.meter;
      const parallel = unit === 'parallel';
      keys.push(`${this.#prefix}${parallel ? 'inflight' : 'counter'}:${step.key}`);
      const mode = parallel ? 'p' : window.kind === 'total' ? 't' : window.kind === 'fixed' ? 'f' : 's';
      const edge = window.kind === 'fixed' ? bucketAt(window, now) : window.kind === 'sliding' ? now - window.ms - sliceMs(window) : 0;
      const ttl = parallel ? SLOT_LEASE_MS + MINUTE : window.kind === 'total' ? 0 : bucketExpiry(window, step.bucket) - now + MINUTE;
      // Every unit is an integer by design (tokens, nano-dollars, requests); HINCRBY refuses anything else.
      args.push(mode, String(edge), String(step.bucket), String(Math.round(step.delta)), String(step.limit ?? 0), String(Math.max(0, Math.ceil(ttl))));
    }
    try {
      return await this.#run(keys.length, ...keys, ...args);
    } catch (err) {
      throw new CounterBackendError(`Redis at ${this.#addr} (${ADDR_SETTING}) is unavailable: ${this.#reason(err)}`);
    }
  }

  /** A failure as a short cause: `connect ECONNREFUSED`, `Command timed out`. */
  #reason(err: unknown): string {
    let error = err instanceof Error ? err : new Error(String(err));
    // Calls made while disconnected fail with a generic message; the connection error says why.
    if (this.#lastError && /Connection is closed|enableOfflineQueue|Stream isn't writeable/i.test(error.message)) error = this.#lastError;
    const { code, syscall } = error as NodeJS.ErrnoException;
    return code && syscall ? `${syscall} ${code}` : error.message;
  }
}
