// The Redis backend against the shared contract and as several daemons see it, on real redis-server processes
// (started here on free loopback ports, nothing persisted); skipped outside CI where redis-server is not installed.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { charge, describeCounterStore, meter } from '../../../test/helpers/counter-contract.js';
import { freePort } from '../../../test/helpers/daemon.js';
import { SKIP_REDIS, startRedisServer, type RedisServer } from '../../../test/helpers/redis.js';
import { CounterBackendError } from './counter-store.js';
import { RedisCounters, type RedisCountersOptions } from './redis-counters.js';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const HOUR = 3_600_000;

async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const startRedis = (port: number): Promise<RedisServer> => startRedisServer(port);
const stopRedis = async (server: RedisServer | undefined): Promise<void> => server?.stop();

describe.skipIf(SKIP_REDIS)(SKIP_REDIS ? 'RedisCounters (skipped: redis-server is not on PATH)' : 'RedisCounters on a real redis-server', () => {
  let port = 0;
  let server: RedisServer | undefined;
  const prefix = `test-${randomBytes(4).toString('hex')}:`;
  // Read lazily: the contract's tests are collected before beforeAll has started the server.
  const options = (): RedisCountersOptions => ({ addr: `127.0.0.1:${port}`, keyPrefix: prefix });

  beforeAll(async () => {
    port = await freePort();
    server = await startRedis(port);
  });
  afterAll(() => stopRedis(server));

  describeCounterStore('redis', () => RedisCounters.connect(options()), {
    reopen: async (store) => {
      await store.close();
      return RedisCounters.connect(options());
    },
  });

  describe('layout', () => {
    it('keeps one hash per counter (bucket → amount), drops expired buckets, and expires all but total counters', async () => {
      const store = await RedisCounters.connect(options());
      const raw = new Redis({ port, lazyConnect: true });
      await raw.connect();
      try {
        expect(store.description).toBe(`redis 127.0.0.1:${port} (db 0)`);
        const hourly = charge(meter({ unit: 'tokens', limit: 100, window: { kind: 'fixed', ms: HOUR } }), 30);
        expect((await store.reserve('h1', [hourly], T0)).ok).toBe(true);
        expect(await raw.hgetall(`${prefix}counter:${hourly.key}`)).toEqual({ [String(T0)]: '30' });
        const ttl = await raw.pttl(`${prefix}counter:${hourly.key}`);
        expect(ttl).toBeGreaterThan(HOUR);
        expect(ttl).toBeLessThanOrEqual(HOUR + 60_000);
        expect((await store.reserve('h2', [hourly], T0 + 2 * HOUR)).ok).toBe(true);
        expect(await raw.hgetall(`${prefix}counter:${hourly.key}`)).toEqual({ [String(T0 + 2 * HOUR)]: '30' });

        const total = charge(meter({ unit: 'tokens', limit: 100 }), 5);
        expect((await store.reserve('t', [total], T0)).ok).toBe(true);
        expect(await raw.pttl(`${prefix}counter:${total.key}`)).toBe(-1);

        const slot = charge(meter({ unit: 'parallel', limit: 3, kind: 'parallel' }), 1);
        const held = await store.reserve('slot-1', [slot], T0);
        expect(await raw.zrange(`${prefix}inflight:${slot.key}`, 0, -1, 'WITHSCORES')).toEqual(['slot-1', String(T0 + 15 * 60_000)]);
        // A holder that never settles (a crashed daemon) loses its slot after 15 minutes.
        expect(await store.usage([slot], T0 + 15 * 60_000)).toEqual([0]);
        if (held.ok) await store.release(held.reservation, T0);
      } finally {
        raw.disconnect();
        await store.close();
      }
    });
  });

  describe('several daemons on one Redis', () => {
    it('50 concurrent reservations split across two clients, a limit that fits one: exactly one succeeds', async () => {
      const [a, b] = await Promise.all([RedisCounters.connect(options()), RedisCounters.connect(options())]);
      try {
        const c = charge(meter({ unit: 'tokens', limit: 100 }), 70);
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).reserve(`p${i}`, [c], T0)));
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.used === 70)).toBe(true);
        expect(await a.usage([c], T0)).toEqual([70]);
        expect(await b.usage([c], T0)).toEqual([70]);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('usage settled by one daemon is what the other sees, parallel slots included', async () => {
      const [a, b] = await Promise.all([RedisCounters.connect(options()), RedisCounters.connect(options())]);
      try {
        const budget = charge(meter({ unit: 'usd', limit: 5_000_000_000, window: { kind: 'sliding', ms: HOUR } }), 2_000_000_000);
        const slot = charge(meter({ unit: 'parallel', limit: 1, kind: 'parallel' }), 1);
        const r = await a.reserve('x', [budget, slot], T0);
        if (!r.ok) throw new Error('expected a reservation');
        expect(await b.reserve('y', [budget, slot], T0)).toMatchObject({ ok: false, refused: { key: slot.key }, used: 1, retryAfterMs: 1000 });
        await a.settle(r.reservation, [123_456_789, 1], T0 + 1000);
        expect(await b.usage([budget, slot], T0 + 1000)).toEqual([123_456_789, 0]);
        const r2 = await b.reserve('y', [budget, slot], T0 + 2000);
        expect(r2.ok && r2.reservation.charges.map((c) => c.used)).toEqual([2_123_456_789, 1]);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  });

  describe('when Redis is away', () => {
    it('connect fails fast with an error naming the address and what to do', async () => {
      const nobody = await freePort();
      const started = Date.now();
      const error = await RedisCounters.connect({ addr: `127.0.0.1:${nobody}` }).catch((err: unknown) => err);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(error).toBeInstanceOf(CounterBackendError);
      expect((error as Error).message).toBe(`cannot reach Redis at 127.0.0.1:${nobody} (session.redis.addr): connect ECONNREFUSED; start redis-server or set session.backend: memory`);
    });

    it('operations fail within seconds while it is down, and work again on the same instance once it is back', async () => {
      const ownPort = await freePort();
      let own: RedisServer | undefined = await startRedis(ownPort);
      const store = await RedisCounters.connect({ addr: `127.0.0.1:${ownPort}`, keyPrefix: prefix });
      try {
        const c = charge(meter({ unit: 'requests', limit: 1000 }), 1);
        expect((await store.reserve('before', [c], T0)).ok).toBe(true);
        await stopRedis(own);
        own = undefined;
        for (const attempt of ['right after', 'while reconnecting']) {
          const started = Date.now();
          const error = await store.reserve(attempt, [c], T0).catch((err: unknown) => err);
          expect(Date.now() - started).toBeLessThan(3000);
          expect(error).toBeInstanceOf(CounterBackendError);
          expect((error as Error).message).toContain(`Redis at 127.0.0.1:${ownPort} (session.redis.addr)`);
          await new Promise((r) => setTimeout(r, 700));
        }
        await expect(store.usage([c], T0)).rejects.toBeInstanceOf(CounterBackendError);

        own = await startRedis(ownPort); // empty: nothing was persisted
        await until(() => store.reserve('after', [c], T0).then((r) => r.ok, () => false), 5000, 'the store to reconnect');
        expect(await store.usage([c], T0)).toEqual([1]);
      } finally {
        await store.close();
        await stopRedis(own);
      }
    });

    it('close() after Redis went away neither throws nor keeps reconnecting', async () => {
      const ownPort = await freePort();
      const own = await startRedis(ownPort);
      const store = await RedisCounters.connect({ addr: `127.0.0.1:${ownPort}` });
      await stopRedis(own);
      await new Promise((r) => setTimeout(r, 100));
      await expect(store.close()).resolves.toBeUndefined();
    });
  });
});
