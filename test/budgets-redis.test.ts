// Several daemons sharing one real redis-server (session.backend: redis): one set of counters, exact under
// concurrency across processes, and a clear answer when Redis goes away (fail_closed 503, fail_open serves).
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';
import { freePort, startDaemon, TEST_KEYS, type RunningDaemon } from './helpers/daemon.js';
import { startMockUpstream, type MockUpstream } from './helpers/mock-upstream.js';
import { SKIP_REDIS, startRedisServer, type RedisServer } from './helpers/redis.js';

const hasRedis = !SKIP_REDIS;
const scratch = scratchDir();
const home = scratch.path;
const MOCK_TOKENS = 18;

let mock: MockUpstream;
let redisPort: number;
let redis: RedisServer | undefined;
const daemons: RunningDaemon[] = [];
let a: RunningDaemon;
let b: RunningDaemon;
let open: RunningDaemon;
const tokens: Record<string, string> = {};

/** (Re)starts redis-server on redisPort: a restart comes back empty (nothing is persisted). */
async function startRedis(): Promise<void> {
  redis = await startRedisServer(redisPort);
}

async function stopRedis(): Promise<void> {
  await redis?.stop();
  redis = undefined;
}

const POLICIES = {
  budget: { base_key_env: 'MOCK_KEY', budgets: [{ tokens: 60, window: '1d' }] },
  parallel: { base_key_env: 'MOCK_KEY', rate_limit: { max_parallel: 1 } },
  hourly: { base_key_env: 'MOCK_KEY', rate_limit: { rules: [{ requests: 1, window: '1h' }] } },
  shared: { base_key_env: 'MOCK_KEY', budgets: [{ tokens: 100_000, window: 'total' }] },
  anthropic: { base_key_env: 'MOCK_KEY', default_provider: 'anthropic', upstream_url: 'MOCK', budgets: [{ tokens: 100_000, window: '1d' }] },
};

beforeAll(async () => {
  if (!hasRedis) return;
  mock = await startMockUpstream();
  redisPort = await freePort();
  await startRedis();
  // The tokens go into one database that every daemon gets a copy of (remote sync is the product's way; a copy
  // is enough here): the same raw tokens work on each.
  const seed = join(home, 'seed', '.tokenomics');
  for (const [name, policy] of Object.entries(POLICIES)) {
    const text = JSON.stringify(policy).replace('"MOCK"', JSON.stringify(mock.url));
    const result = await runCli(['--dir', seed, 'token', 'create', '--policy', text, '--json'], { home, env: { ...TEST_KEYS } });
    expect(result.code, result.stderr).toBe(0);
    tokens[name] = (JSON.parse(result.stdout) as { token: string }).token;
  }
  const env = (extra: Record<string, string> = {}) => ({
    TOKENOMICS_SERVER_UPSTREAM_URL: mock.url,
    MOCK_KEY: 'sk-mock-secret',
    TOKENOMICS_SESSION_BACKEND: 'redis',
    TOKENOMICS_SESSION_REDIS_ADDR: `127.0.0.1:${redisPort}`,
    ...extra,
  });
  const start = async (name: string, extra?: Record<string, string>) => {
    const dir = join(home, name, '.tokenomics');
    cpSync(join(seed, 'tokenomics.db'), join(dir, 'tokenomics.db'), { recursive: true });
    const daemon = await startDaemon({ home, dir, env: env(extra) });
    daemons.push(daemon);
    return daemon;
  };
  [a, b, open] = await Promise.all([start('a'), start('b'), start('open', { TOKENOMICS_SESSION_ON_BACKEND_ERROR: 'fail_open' })]);
});

afterAll(async () => {
  for (const daemon of daemons) await daemon.stop();
  await stopRedis();
  await mock?.close();
  scratch.cleanup();
});

function chat(daemon: RunningDaemon, key: string, extra: { headers?: Record<string, string>; body?: object } = {}): Promise<Response> {
  return fetch(`${daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...extra.headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 40, messages: [{ role: 'user', content: 'hi' }], ...extra.body }),
  });
}

/** 50 requests, alternating between the two daemons, all at once. */
async function fiftyAcrossBoth(key: string, extra?: Parameters<typeof chat>[2]): Promise<number[]> {
  return Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      const res = await chat(i % 2 ? b : a, key, extra);
      await res.arrayBuffer();
      return res.status;
    }),
  );
}

async function used(daemon: RunningDaemon, key: string): Promise<number> {
  const res = await fetch(`${daemon.url}/v1/tokenomics/key`, { headers: { authorization: `Bearer ${key}` } });
  const body = (await res.json()) as { limits: Array<{ used: number }> };
  return body.limits[0]!.used;
}

describe.skipIf(!hasRedis)('two daemons, one redis-server', () => {
  it('a budget that fits one request: exactly one of 50 across both daemons', async () => {
    const results = await fiftyAcrossBoth(tokens.budget!);
    expect(results.filter((s) => s === 200)).toHaveLength(1);
    expect(results.filter((s) => s === 429)).toHaveLength(49);
  });

  it('max_parallel 1: exactly one of 50 slow streams across both daemons', async () => {
    const results = await fiftyAcrossBoth(tokens.parallel!, { body: { stream: true }, headers: { 'x-mock-chunk-delay': '150' } });
    expect(results.filter((s) => s === 200)).toHaveLength(1);
  });

  it('one request per hour: exactly one of 50 across both daemons', async () => {
    const results = await fiftyAcrossBoth(tokens.hourly!);
    expect(results.filter((s) => s === 200)).toHaveLength(1);
  });

  it('usage counted by one daemon is seen by the other', async () => {
    expect((await chat(a, tokens.shared!)).status).toBe(200);
    expect((await chat(b, tokens.shared!)).status).toBe(200);
    const deadline = Date.now() + 3_000;
    while ((await used(a, tokens.shared!)) < 2 * MOCK_TOKENS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(await used(a, tokens.shared!)).toBe(2 * MOCK_TOKENS);
    expect(await used(b, tokens.shared!)).toBe(2 * MOCK_TOKENS);
  });

  it('Redis stopped: fail_closed answers 503 in the caller format, fail_open serves; both recover', async () => {
    await stopRedis();
    const closed = await chat(a, tokens.shared!);
    expect(closed.status).toBe(503);
    const body = (await closed.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('counters_unavailable');
    expect(body.error.message).toContain(`127.0.0.1:${redisPort}`);
    expect(body.error.message).toContain('fail_closed');

    const client = new Anthropic({ apiKey: tokens.anthropic!, baseURL: a.url, maxRetries: 0 });
    const err = (await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(err.status).toBe(503);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'api_error' } });

    expect((await chat(open, tokens.shared!)).status).toBe(200);
    expect(open.output()).toContain('counting in this process only');
    // The daemons stay up.
    expect((await fetch(`${a.url}/health`)).status).toBe(200);

    await startRedis();
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await chat(a, tokens.shared!)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
  });
});
