// The embedded backend against the shared contract, on a real LevelDB that it persists to.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Meter } from '../../core/limits/meters.js';
import { scratchDir } from '../../../test/helpers/cli.js';
import { describeCounterStore } from '../../../test/helpers/counter-contract.js';
import { TEST_KEYS } from '../../../test/helpers/daemon.js';
import { loadConfig } from '../config/load-config.js';
import { loadKeys } from '../keys/keys.js';
import { TokenStore } from '../store/token-store.js';
import type { CounterStore } from './counter-store.js';
import { EmbeddedCounters } from './embedded-counters.js';

const scratch = scratchDir();
afterAll(() => scratch.cleanup());
const paths = new Map<CounterStore, string>();
let n = 0;

/** Counters in the usage area of a real token database at `path`; closing them closes the database. */
async function openAt(path: string): Promise<CounterStore> {
  const { config } = loadConfig({ cwd: scratch.path, home: scratch.path, env: { ...TEST_KEYS }, flags: [] });
  const db = await TokenStore.open(path, await loadKeys(config, { ...TEST_KEYS }));
  const store = await EmbeddedCounters.open(db.area('usage'));
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await db.close();
  };
  paths.set(store, path);
  return store;
}

describeCounterStore('embedded (LevelDB)', () => openAt(join(scratch.path, `db${++n}`)), {
  reopen: async (store) => {
    await store.close();
    return openAt(paths.get(store)!);
  },
});

describeCounterStore('in memory', () => EmbeddedCounters.open());

describe('after a kill -9', () => {
  const meter: Meter = { id: 'budget:tokens:total', kind: 'budget', unit: 'tokens', limit: 1_000_000, window: { kind: 'total' }, windowText: 'total', label: 'budget of 1000000 tokens' };
  const charge = (amount: number) => [{ key: 'hash:budget:tokens:total', meter, amount }];

  /** The counters of the database at `path`, and a way to drop them as a crash would: no final write. */
  async function openRaw(path: string) {
    const { config } = loadConfig({ cwd: scratch.path, home: scratch.path, env: { ...TEST_KEYS }, flags: [] });
    const db = await TokenStore.open(path, await loadKeys(config, { ...TEST_KEYS }));
    return { db, store: await EmbeddedCounters.open(db.area('usage')) };
  }

  it('persists settled amounts but never a reservation in flight, and reconcile adds only what no batch recorded', async () => {
    const path = join(scratch.path, 'crash');
    const first = await openRaw(path);
    const now = Date.now();
    const settled = await first.store.reserve('req-settled', charge(100), now);
    const inFlight = await first.store.reserve('req-in-flight', charge(50), now);
    expect(settled.ok && inFlight.ok).toBe(true);
    if (!settled.ok) return;
    await first.store.settle(settled.reservation, [30], now);
    await new Promise((resolve) => setTimeout(resolve, 400)); // one batch written
    await first.db.close(); // the crash: the in-flight request never settles, nothing more is written

    const second = await openRaw(path);
    expect(await second.store.usage(charge(0), Date.now())).toEqual([30]);
    // The journal holds the settled request (already counted) and one that finished after the last batch.
    const added = await second.store.reconcile(
      [
        { requestId: 'req-settled', at: now, charges: charge(30) },
        { requestId: 'req-finished-late', at: now, charges: charge(12) },
      ],
      Date.now(),
    );
    expect(added).toBe(1);
    expect(await second.store.usage(charge(0), Date.now())).toEqual([42]);
    await second.store.close();
    await second.db.close();

    // The settled-id lists are gone after reconcile and a clean close: a later start adds nothing twice.
    const third = await openRaw(path);
    expect(await third.store.reconcile([{ requestId: 'req-settled', at: now, charges: charge(30) }], Date.now())).toBe(1);
    expect(await third.store.usage(charge(0), Date.now())).toEqual([72]);
    await third.store.close();
    await third.db.close();
  });
});
