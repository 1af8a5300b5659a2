// kill -9 at random moments under load, 20 times on the same {dir}: after the last restart every request a client
// saw complete is in the recovered ledger, the token database opens, and the budget counters equal what the ledger
// records. The moments come from a seeded generator; the seed is printed so a failure can be replayed
// (TOKENOMICS_CRASH_SEED=<seed>).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionSummary } from '../../src/core/ledger/types.js';
import { runCli, scratchDir } from '../helpers/cli.js';
import { startDaemon, TEST_KEYS, type RunningDaemon } from '../helpers/daemon.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { createToken, seededRandom, sleep, tokenLimits } from './support.js';

const ROUNDS = 20;
const SEED = Number(process.env.TOKENOMICS_CRASH_SEED ?? Date.now() % 1_000_000);
const random = seededRandom(SEED);

const scratch = scratchDir();
const home = scratch.path;
const dir = join(home, '.tokenomics');
let mock: MockUpstream;
const env = () => ({ TOKENOMICS_SERVER_UPSTREAM_URL: mock.url, MOCK_KEY: 'sk-crash-rounds-provider-key' });

beforeAll(async () => {
  mock = await startMockUpstream();
});

afterAll(async () => {
  await mock?.close();
  scratch.cleanup();
});

/** Sends requests from `workers` loops until the daemon dies; collects the ids of the responses that arrived whole. */
async function load(daemon: RunningDaemon, tokens: readonly string[], workers: number, completed: string[]): Promise<void> {
  let n = 0;
  const worker = async () => {
    while (daemon.child.exitCode === null && daemon.child.signalCode === null) {
      const i = n++;
      const stream = i % 2 === 0;
      try {
        const res = await fetch(`${daemon.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens[i % tokens.length]}`, 'content-type': 'application/json', 'x-mock-chunk-delay': '5' },
          body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 32, messages: [{ role: 'user', content: `request ${i}` }], ...(stream ? { stream: true } : {}) }),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await res.text();
        const whole = stream ? text.includes('data: [DONE]') : Boolean((JSON.parse(text) as { choices?: unknown }).choices);
        if (res.status === 200 && whole) completed.push(res.headers.get('x-tokenomics-request-id')!);
      } catch {
        // The daemon died under this request; it was never complete for the client.
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
}

function sessions(): { journals: string[]; summaries: SessionSummary[] } {
  const folder = join(dir, 'sessions');
  const names = existsSync(folder) ? readdirSync(folder) : [];
  return {
    journals: names.filter((n) => n.endsWith('.jsonl')),
    summaries: names.filter((n) => n.endsWith('.json')).map((n) => JSON.parse(readFileSync(join(folder, n), 'utf8')) as SessionSummary),
  };
}

describe(`${ROUNDS} rounds of kill -9 under load (seed ${SEED})`, () => {
  it('loses no finished request, keeps the database whole and the counters equal to the ledger', async () => {
    console.log(`crash rounds seed: ${SEED} (replay with TOKENOMICS_CRASH_SEED=${SEED})`);
    const first = await startDaemon({ home, dir, env: env() });
    const budgeted = [
      await createToken(dir, { base_key_env: 'MOCK_KEY', budgets: [{ tokens: 100_000_000, window: 'total' }] }),
      await createToken(dir, { base_key_env: 'MOCK_KEY', max_tokens: 100_000_000, budgets: [{ tokens: 100_000_000, window: '1d' }] }),
    ];
    await first.stop('SIGKILL');
    const completed: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const daemon = await startDaemon({ home, dir, env: env() });
      const killAfter = Math.round(random() * 700);
      const workers = 2 + Math.floor(random() * 6);
      const done: string[] = [];
      // The moment counts from the first finished request, so every round kills the daemon under real load.
      const killer = (async () => {
        const deadline = Date.now() + 15_000;
        while (!done.length && Date.now() < deadline) await sleep(10);
        await sleep(killAfter);
        daemon.child.kill('SIGKILL');
      })();
      await load(daemon, budgeted.map((t) => t.token), workers, done);
      await killer;
      await daemon.stop();
      console.log(`round ${round}: ${workers} clients, killed after ${killAfter} ms, ${done.length} requests completed`);
      completed.push(...done);
    }
    expect(completed.length).toBeGreaterThanOrEqual(ROUNDS);

    // The last start recovers the last journal; a graceful stop writes its own session.
    const last = await startDaemon({ home, dir, env: env() });
    const used = await Promise.all(budgeted.map(async (t) => (await tokenLimits(last.url, t.token)).map((l) => l.used)));
    expect((await last.stop()).code).toBe(0);

    const { journals, summaries } = sessions();
    expect(journals, 'every journal was recovered').toEqual([]);
    expect(summaries.filter((s) => s.recovered).length).toBeGreaterThanOrEqual(ROUNDS);
    const recorded = summaries.flatMap((s) => s.requests);
    const ids = new Set(recorded.map((r) => r.request_id));
    expect(completed.filter((id) => !ids.has(id)), 'completed requests missing from the ledger').toEqual([]);
    for (const summary of summaries) expect(summary.totals.request_count).toBe(summary.requests.length);

    // Counters: each meter of each token equals the tokens its ledger entries record.
    budgeted.forEach((t, i) => {
      const ledgerTokens = recorded.filter((r) => r.token_hash === t.hash).reduce((n, r) => n + r.input_tokens + r.output_tokens, 0);
      for (const meterUsed of used[i]!) expect(meterUsed, `counters of token ${i + 1} against its ledger`).toBe(ledgerTokens);
    });

    // The token database opens for the CLI (no daemon running) and lists both tokens.
    const list = await runCli(['--dir', dir, 'token', 'list', '--json'], { home, env: { ...TEST_KEYS } });
    expect(list.code, list.stderr).toBe(0);
    const listed = JSON.parse(list.stdout) as Array<{ hash?: string; token_hash?: string }> | { tokens: Array<{ hash?: string }> };
    expect(JSON.stringify(listed)).toContain(budgeted[0]!.hash.slice(0, 16));
    expect(JSON.stringify(listed)).toContain(budgeted[1]!.hash.slice(0, 16));
  }, 240_000);
});
