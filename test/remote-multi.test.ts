// Several machines' worth of Tokenomics with real processes: one central `tokenomics remote`, two proxies that
// register their webhooks with it and share one redis-server for their counters. Tokens made on the central server
// work on both proxies as soon as it pushes the event, deletions revoke them on both, and both draw down one budget.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, CLI, runCli, scratchDir } from './helpers/cli.js';
import { freePort, startDaemon, TEST_KEYS, type RunningDaemon } from './helpers/daemon.js';
import { startMockUpstream, type MockUpstream } from './helpers/mock-upstream.js';
import { SKIP_REDIS, startRedisServer, type RedisServer } from './helpers/redis.js';

const scratch = scratchDir();
const home = scratch.path;
const API_KEY = 'central-api-key-test';
const SECRET = 'receiver-secret';
const SIGNING_KEY = 'receiver-signing-key';

let mock: MockUpstream;
let redis: RedisServer;
let central: { child: ChildProcess; url: string; output: () => string };
const proxies: RunningDaemon[] = [];
let a: RunningDaemon;
let b: RunningDaemon;

async function startCentral(): Promise<typeof central> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, '--dir', join(home, 'central'), 'remote', '--addr', `127.0.0.1:${port}`, '--api-key', API_KEY], {
    env: { ...baseEnv(home), ...TEST_KEYS },
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`remote exited with ${child.exitCode}:\n${output}`);
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) return { child, url, output: () => output };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`remote did not start:\n${output}`);
}

async function startProxy(name: string): Promise<RunningDaemon> {
  const port = await freePort();
  const daemon = await startDaemon({
    home,
    dir: join(home, name),
    args: ['--http-port', String(port)],
    env: {
      TOKENOMICS_SERVER_UPSTREAM_URL: mock.url,
      MOCK_KEY: 'sk-mock-secret',
      TOKENOMICS_SESSION_BACKEND: 'redis',
      TOKENOMICS_SESSION_REDIS_ADDR: redis.addr,
      TOKENOMICS_REMOTE_URL: central.url,
      TOKENOMICS_REMOTE_API_KEY: API_KEY,
      TOKENOMICS_REMOTE_WEBHOOK_ENABLED: 'true',
      TOKENOMICS_REMOTE_WEBHOOK_SECRET: SECRET,
      TOKENOMICS_REMOTE_WEBHOOK_SIGNING_KEY: SIGNING_KEY,
      TOKENOMICS_REMOTE_WEBHOOK_AUTO_REGISTER: 'true',
      TOKENOMICS_REMOTE_WEBHOOK_CALLBACK_URL: `http://127.0.0.1:${port}/v1/webhook`,
    },
  });
  proxies.push(daemon);
  return daemon;
}

function api(method: string, path: string, body?: object): Promise<Response> {
  return fetch(`${central.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
}

function chat(proxy: RunningDaemon, token: string): Promise<number> {
  return fetch(`${proxy.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 40, messages: [{ role: 'user', content: 'hi' }] }),
  }).then(async (res) => {
    await res.arrayBuffer();
    return res.status;
  });
}

/** Polls until `check` holds; the deadline is the "within one second", with no periodic sync configured. */
async function within(ms: number, check: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  if (SKIP_REDIS) return;
  mock = await startMockUpstream();
  redis = await startRedisServer();
  central = await startCentral();
  [a, b] = await Promise.all([startProxy('proxy-a'), startProxy('proxy-b')]);
});

afterAll(async () => {
  for (const proxy of proxies) await proxy.stop();
  if (central && central.child.exitCode === null) {
    const exited = new Promise((resolve) => central.child.once('exit', resolve));
    central.child.kill('SIGTERM');
    await exited;
  }
  await redis?.stop();
  await mock?.close();
  scratch.cleanup();
});

describe.skipIf(SKIP_REDIS)('one central server, two proxies, one redis-server', () => {
  it('both proxies registered their webhooks with the central server', async () => {
    const clients = (await (await api('GET', '/api/v1/clients')).json()) as Array<{ url: string }>;
    expect(clients.map((c) => c.url).sort()).toEqual(proxies.map((p) => `${p.url}/v1/webhook`).sort());
  });

  it('a token created centrally works on both within a second, shares one budget, and its deletion revokes it on both', async () => {
    const created = await api('POST', '/api/v1/tokens', { policy: { base_key_env: 'MOCK_KEY', budgets: [{ tokens: 60, window: '1d' }] } });
    expect(created.status).toBe(201);
    const { token, hash } = (await created.json()) as { token: string; hash: string };

    // No periodic sync is configured: only the pushed event can bring the token.
    expect(await within(1000, async () => (await chat(a, token)) !== 401 && (await chat(b, token)) !== 401)).toBe(true);
    // The one request the budget fits was taken above by proxy a; proxy b draws on the same counters.
    expect(await chat(b, token)).toBe(429);
    expect(await chat(a, token)).toBe(429);

    expect((await api('DELETE', `/api/v1/tokens/${hash}`)).status).toBe(200);
    expect(await within(1000, async () => (await chat(a, token)) === 401 && (await chat(b, token)) === 401)).toBe(true);
  });

  it('tokens created on a proxy itself are kept by the mirror', async () => {
    const local = await runCli(['--dir', join(home, 'proxy-a'), 'token', 'create', '--policy', '{"base_key_env":"MOCK_KEY"}', '--json'], {
      home,
      env: { ...TEST_KEYS },
    });
    expect(local.code, local.stderr).toBe(0);
    const { token } = JSON.parse(local.stdout) as { token: string };
    // A central change makes both proxies sync; the local token survives it.
    const other = (await (await api('POST', '/api/v1/tokens', { policy: { base_key_env: 'MOCK_KEY' } })).json()) as { token: string };
    expect(await within(1000, async () => (await chat(a, other.token)) === 200)).toBe(true);
    expect(await chat(a, token)).toBe(200);
  });

  it('the receiver answers bad secrets, bad signatures, malformed JSON and non-token events as the reference does', async () => {
    const post = (body: string, headers: Record<string, string>) =>
      fetch(`${a.url}/v1/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const sign = (body: string) => `sha256=${createHmac('sha256', SIGNING_KEY).update(body).digest('hex')}`;
    const event = JSON.stringify({ id: 'evt_1', type: 'token.created', timestamp: new Date().toISOString(), data: { token_hash: 'abcd1234' } });

    const wrongSecret = await post(event, { 'x-webhook-secret': 'nope', 'x-webhook-signature': sign(event) });
    expect(wrongSecret.status).toBe(401);
    expect(await wrongSecret.json()).toEqual({ error: 'unauthorized' });
    const badSignature = await post(event, { 'x-webhook-secret': SECRET, 'x-webhook-signature': 'sha256=00' });
    expect(badSignature.status).toBe(403);
    expect(await badSignature.json()).toEqual({ error: 'invalid signature' });
    const malformed = '{"type": ';
    const badJson = await post(malformed, { 'x-webhook-secret': SECRET, 'x-webhook-signature': sign(malformed) });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toEqual({ error: 'invalid json' });
    const other = JSON.stringify({ type: 'request.completed' });
    const ignored = await post(other, { 'x-webhook-secret': SECRET, 'x-webhook-signature': sign(other) });
    expect(await ignored.json()).toEqual({ status: 'ignored', reason: 'not a token event' });
    const accepted = await post(event, { 'x-webhook-secret': SECRET, 'x-webhook-signature': sign(event) });
    expect(await accepted.json()).toEqual({ status: 'accepted' });
  });

  it('the proxies remove their registrations when they stop', async () => {
    for (const proxy of proxies.splice(0)) await proxy.stop();
    const clients = (await (await api('GET', '/api/v1/clients')).json()) as unknown[];
    expect(clients).toEqual([]);
  });
});
