// Budgets, max_tokens and rate limits enforced by the running daemon on its embedded counters: exact under
// concurrency, persistent across restarts, priced in USD, and reported to the token itself.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';
import { startDaemon, TEST_KEYS, type RunningDaemon } from './helpers/daemon.js';
import { startMockUpstream, type MockUpstream } from './helpers/mock-upstream.js';

const scratch = scratchDir();
const home = scratch.path;
const dir = join(home, '.tokenomics');
const MODEL = 'gpt-4o-mini';
const CLAUDE = 'claude-haiku-4-5';
// The mock reports 11 prompt tokens (3 of them cached) and 7 completion tokens for every chat call.
const MOCK_TOKENS = 18;

let mock: MockUpstream;
let daemon: RunningDaemon;
const env = () => ({ TOKENOMICS_SERVER_UPSTREAM_URL: mock.url, MOCK_KEY: 'sk-mock-secret' });

beforeAll(async () => {
  mock = await startMockUpstream();
  daemon = await startDaemon({ home, dir, env: env() });
});

afterAll(async () => {
  await daemon?.stop();
  await mock?.close();
  scratch.cleanup();
});

async function token(policy: object): Promise<{ token: string; hash: string }> {
  const result = await runCli(['--dir', dir, 'token', 'create', '--policy', JSON.stringify({ base_key_env: 'MOCK_KEY', ...policy }), '--json'], {
    home,
    env: { ...TEST_KEYS },
  });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { token: string; hash: string };
}

/** One chat call with a fixed small prompt; max_tokens 40 makes the reservation 40 + a few input tokens. */
function chat(key: string, extra: { headers?: Record<string, string>; body?: object; url?: string } = {}): Promise<Response> {
  return fetch(`${extra.url ?? daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...extra.headers },
    body: JSON.stringify({ model: MODEL, max_tokens: 40, messages: [{ role: 'user', content: 'hi' }], ...extra.body }),
  });
}

interface Limit {
  id: string;
  kind: string;
  unit: string;
  window: string;
  limit: number;
  used: number;
  remaining: number;
  resets_at?: string;
}

async function limits(key: string, url = daemon.url): Promise<Limit[]> {
  const res = await fetch(`${url}/v1/tokenomics/key`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { limits: Limit[] }).limits;
}

/** Usage is settled after the response ends; poll briefly until the figure shows. */
async function settledLimits(key: string, check: (limits: Limit[]) => boolean, url = daemon.url): Promise<Limit[]> {
  const deadline = Date.now() + 3_000;
  for (;;) {
    const current = await limits(key, url);
    if (check(current) || Date.now() > deadline) return current;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function statuses(responses: Promise<Response>[]): Promise<number[]> {
  return Promise.all(responses.map(async (r) => {
    const res = await r;
    await res.arrayBuffer();
    return res.status;
  }));
}

describe('concurrency: a limit that fits one request lets exactly one through', () => {
  it('a token budget, 50 parallel requests', async () => {
    // One reservation (40 output + the prompt estimate) fits 60; two do not, and neither does a second after the
    // first settles at 18.
    const { token: key } = await token({ budgets: [{ tokens: 60, window: '1d' }] });
    const results = await statuses(Array.from({ length: 50 }, () => chat(key)));
    expect(results.filter((s) => s === 200)).toHaveLength(1);
    expect(results.filter((s) => s === 429)).toHaveLength(49);
    const [budget] = await settledLimits(key, (l) => l[0]?.used === MOCK_TOKENS);
    expect(budget).toMatchObject({ kind: 'budget', unit: 'tokens', limit: 60, used: MOCK_TOKENS, remaining: 60 - MOCK_TOKENS });
  });

  it('max_parallel 1, 50 parallel slow streams', async () => {
    const { token: key } = await token({ rate_limit: { max_parallel: 1 } });
    const results = await statuses(
      Array.from({ length: 50 }, () => chat(key, { body: { stream: true }, headers: { 'x-mock-chunk-delay': '150' } })),
    );
    expect(results.filter((s) => s === 200)).toHaveLength(1);
    expect(results.filter((s) => s === 429)).toHaveLength(49);
    // The slot is free again once the stream has ended.
    expect((await chat(key)).status).toBe(200);
  });

  it('one request per hour, 50 parallel requests', async () => {
    const { token: key } = await token({ rate_limit: { rules: [{ requests: 1, window: '1h' }] } });
    const results = await statuses(Array.from({ length: 50 }, () => chat(key)));
    expect(results.filter((s) => s === 200)).toHaveLength(1);
    const refused = await chat(key);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3000);
    const body = (await refused.json()) as { error: { message: string; code: string } };
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.message).toContain('rate limit exceeded: 1 requests in 1h window (max 1)');
  });
});

describe('budget refusals', () => {
  it('429 in the OpenAI shape names the budget, with Retry-After and the remaining budget header', async () => {
    const { token: key } = await token({ budgets: [{ tokens: 100, window: '1d', calendar: true }] });
    const ok = await chat(key);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-tokenomics-budget-remaining')).toMatch(/^tokens=\d+$/);
    await settledLimits(key, (l) => l[0]?.used === MOCK_TOKENS);
    const err = await openaiClient(key).chat.completions.create({ model: MODEL, max_tokens: 90, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const error = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error.message).toMatch(/budget exceeded: budget of 100 tokens per 1d \(calendar\): used 18 tokens \+ this request's estimate \d+ tokens > 100 tokens; retry in \d+ s/);
    // Calendar day: the wait is until the next UTC midnight.
    const untilMidnight = (Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1) - Date.now()) / 1000;
    expect(Number(error.headers?.get('retry-after'))).toBeGreaterThanOrEqual(Math.floor(untilMidnight) - 5);
    expect(Number(error.headers?.get('retry-after'))).toBeLessThanOrEqual(Math.ceil(untilMidnight) + 5);
  });

  it('429 in the Anthropic shape (rate_limit_error) for max_tokens, which never resets', async () => {
    const { token: key } = await token({ default_provider: 'anthropic', upstream_url: mock.url, max_tokens: 30 });
    const client = new Anthropic({ apiKey: key, baseURL: daemon.url, maxRetries: 0 });
    const err = await client.messages.create({ model: CLAUDE, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    const error = err as InstanceType<typeof Anthropic.RateLimitError>;
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(error.message).toContain('budget exceeded: max_tokens of 30');
    expect(error.message).toContain('this limit does not reset');
    expect(error.headers?.get('retry-after')).toBeNull();
  });

  it('a refused request takes no quota from the other limits', async () => {
    const { token: key } = await token({ rate_limit: { rules: [{ requests: 5, window: '1h' }] }, budgets: [{ tokens: 60, window: '1d' }] });
    expect((await chat(key)).status).toBe(200);
    expect((await chat(key)).status).toBe(429); // the budget refuses the second
    const reported = await settledLimits(key, (l) => l.find((x) => x.kind === 'budget')?.used === MOCK_TOKENS);
    expect(reported.find((l) => l.kind === 'rate')).toMatchObject({ unit: 'requests', used: 1, remaining: 4 });
  });

  it('a request the upstream never answered costs nothing', async () => {
    const { token: key } = await token({ budgets: [{ tokens: 1000, window: '1d' }] });
    expect((await chat(key, { headers: { 'x-mock-fault': 'reset-before' } })).status).toBe(502);
    expect((await limits(key))[0]).toMatchObject({ used: 0 });
  });

  it('max_tokens counts separately per matched provider policy', async () => {
    const { token: key } = await token({
      providers: {
        openai: [
          { base_key_env: 'MOCK_KEY', upstream_url: mock.url, model: MODEL, max_tokens: 100 },
          { base_key_env: 'MOCK_KEY', upstream_url: mock.url, model: 'gpt-4.1-mini', max_tokens: 100 },
        ],
      },
    });
    expect((await chat(key)).status).toBe(200);
    expect((await chat(key, { body: { model: 'gpt-4.1-mini' } })).status).toBe(200);
    expect((await chat(key, { body: { model: 'gpt-4.1-mini' } })).status).toBe(200);
    const reported = await settledLimits(key, (l) => l.find((x) => x.id.endsWith('#1'))?.used === 2 * MOCK_TOKENS);
    expect(reported.map((l) => [l.id, l.used])).toEqual([
      ['max_tokens:openai#0', MOCK_TOKENS],
      ['max_tokens:openai#1', 2 * MOCK_TOKENS],
    ]);
  });
});

describe('rate limit windows', () => {
  it('a fixed 2 s window refuses the third request, then lets one through after it resets', async () => {
    const { token: key } = await token({ rate_limit: { rules: [{ requests: 2, window: '2s', strategy: 'fixed' }] } });
    // Start just after a window boundary so all three requests land in one window.
    await new Promise((resolve) => setTimeout(resolve, 2000 - (Date.now() % 2000) + 20));
    const first = await statuses([chat(key), chat(key), chat(key)]);
    expect(first.sort()).toEqual([200, 200, 429]);
    const refused = await chat(key);
    const wait = Number(refused.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 2000 - (Date.now() % 2000) + 20));
    expect((await chat(key)).status).toBe(200);
  });
});

describe('USD', () => {
  it('a known model with cached tokens costs what its table prices say', async () => {
    const { token: key } = await token({ budgets: [{ usd: 1, window: '30d' }] });
    expect((await chat(key)).status).toBe(200);
    // gpt-4o-mini: 0.15 $/M input, 0.075 $/M cached input, 0.60 $/M output; the mock reports 11 input (3 cached), 7 output.
    const expected = (8 * 0.15 + 3 * 0.075 + 7 * 0.6) / 1e6;
    const [budget] = await settledLimits(key, (l) => (l[0]?.used ?? 0) > 0);
    expect(budget!.unit).toBe('usd');
    expect(budget!.used).toBeCloseTo(expected, 12);
    expect(budget!.remaining).toBeCloseTo(1 - expected, 9);
  });
});

describe('self-service', () => {
  it('/v1/tokenomics/key and /key/info answer the token about itself, without secrets', async () => {
    const { token: key, hash } = await token({ budgets: [{ usd: 5, window: '1d', calendar: true }], rate_limit: { rules: [{ requests: 60, window: '1m' }], max_parallel: 4 } });
    const own = await fetch(`${daemon.url}/v1/tokenomics/key`, { headers: { authorization: `Bearer ${key}` } });
    const text = await own.text();
    expect(text).not.toContain('MOCK_KEY');
    expect(text).not.toContain(key);
    const report = JSON.parse(text) as { token_hash: string; limits: Limit[] };
    expect(report.token_hash).toBe(hash.slice(0, 16));
    expect(report.limits.map((l) => [l.kind, l.unit, l.window])).toEqual([
      ['rate', 'requests', '1m'],
      ['parallel', 'parallel', 'total'],
      ['budget', 'usd', '1d'],
    ]);
    expect(report.limits[2]!.resets_at).toMatch(/T00:00:00\.000Z$/);

    const lite = (await (await fetch(`${daemon.url}/key/info`, { headers: { authorization: `Bearer ${key}` } })).json()) as { key: string; info: Record<string, unknown> };
    expect(lite.key).toBe(hash);
    expect(lite.info).toMatchObject({ spend: 0, max_budget: 5, budget_duration: '1d', rpm_limit: 60, max_parallel_requests: 4 });

    expect((await fetch(`${daemon.url}/v1/tokenomics/key`)).status).toBe(401);
    expect((await fetch(`${daemon.url}/key/info`, { headers: { authorization: 'Bearer tkn_nope' } })).status).toBe(401);
  });
});

describe('persistence', () => {
  it('budget usage survives a daemon restart', async () => {
    const { token: key } = await token({ budgets: [{ tokens: 1000, window: 'total' }] });
    expect((await chat(key)).status).toBe(200);
    await settledLimits(key, (l) => l[0]?.used === MOCK_TOKENS);
    expect((await daemon.stop()).code).toBe(0);
    daemon = await startDaemon({ home, dir, env: env() });
    expect((await limits(key))[0]).toMatchObject({ used: MOCK_TOKENS, remaining: 1000 - MOCK_TOKENS });
  });
});

function openaiClient(key: string): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${daemon.url}/v1`, maxRetries: 0 });
}

describe('policy changes', () => {
  it('take effect on the next request, and the usage so far is kept', async () => {
    const { token: key, hash } = await token({ rate_limit: { rules: [{ requests: 1, window: '1h' }] } });
    expect((await chat(key)).status).toBe(200);
    expect((await chat(key)).status).toBe(429);
    const updated = await runCli(
      ['--dir', dir, 'token', 'update', '--hash', hash, '--policy', JSON.stringify({ base_key_env: 'MOCK_KEY', rate_limit: { rules: [{ requests: 2, window: '1h' }] } })],
      { home, env: { ...TEST_KEYS } },
    );
    expect(updated.code, updated.stderr).toBe(0);
    // Same window, higher limit: one more request fits (the first still counts), then the new limit holds.
    expect((await chat(key)).status).toBe(200);
    expect((await chat(key)).status).toBe(429);
  });
});
