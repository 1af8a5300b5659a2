// The embedded backend against the shared contract, on a real LevelDB that it persists to.
import { join } from 'node:path';
import { afterAll } from 'vitest';
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
