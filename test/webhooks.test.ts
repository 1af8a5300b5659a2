// Webhooks from a real daemon to a receiver in this test: every event a scenario produces arrives exactly once,
// signed and carrying the shared secret; a receiver that never answers slows no request down.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';
import { startDaemon, TEST_KEYS, type RunningDaemon } from './helpers/daemon.js';
import { startMockUpstream, type MockUpstream } from './helpers/mock-upstream.js';

const SECRET = 'receiver-shared-secret';
const SIGNING_KEY = 'receiver-signing-key';
const MODEL = 'gpt-4o-mini';

interface Delivery {
  readonly headers: IncomingMessage['headers'];
  readonly raw: Buffer;
  readonly event: { id: string; type: string; timestamp: string; data: Record<string, unknown> };
}

interface Receiver {
  readonly url: string;
  readonly deliveries: Delivery[];
  close(): Promise<void>;
}

async function startReceiver(answer: (res: ServerResponse) => void): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      deliveries.push({ headers: req.headers, raw, event: JSON.parse(raw.toString('utf8')) as Delivery['event'] });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/path-token`,
    deliveries,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Polls until `check` holds (deliveries are asynchronous by design), or fails after a few seconds. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 8_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function chat(url: string, key: string, content = 'hi'): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, max_tokens: 40, messages: [{ role: 'user', content }] }),
  });
}

describe('a daemon delivering to a webhook receiver', () => {
  const scratch = scratchDir();
  const home = scratch.path;
  const dir = join(home, '.tokenomics');
  let mock: MockUpstream;
  let receiver: Receiver;
  let daemon: RunningDaemon;
  let stopped: { code: number | null; output: string } | undefined;

  const ofType = (type: string, hash?: string) =>
    receiver.deliveries.filter((d) => d.event.type === type && (hash === undefined || String(d.event.data.token_hash) === hash));

  async function token(policy: object, expires?: string): Promise<{ token: string; hash: string }> {
    const args = ['--dir', dir, 'token', 'create', '--policy', JSON.stringify({ base_key_env: 'MOCK_KEY', ...policy }), '--json'];
    const result = await runCli(expires ? [...args, '--expires', expires] : args, { home, env: { ...TEST_KEYS } });
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as { token: string; hash: string };
  }

  beforeAll(async () => {
    mock = await startMockUpstream();
    receiver = await startReceiver((res) => res.writeHead(200).end());
    daemon = await startDaemon({
      home,
      dir,
      env: {
        TOKENOMICS_SERVER_UPSTREAM_URL: mock.url,
        MOCK_KEY: 'sk-mock-secret',
        TOKENOMICS_EVENTS_WEBHOOKS_0_URL: receiver.url,
        TOKENOMICS_EVENTS_WEBHOOKS_0_SECRET: SECRET,
        TOKENOMICS_EVENTS_WEBHOOKS_0_SIGNING_KEY: SIGNING_KEY,
        TOKENOMICS_EVENTS_WEBHOOKS_0_TIMEOUT: '5',
      },
    });
  });

  afterAll(async () => {
    await daemon?.stop();
    await receiver?.close();
    await mock?.close();
    scratch.cleanup();
  });

  it('server.start arrives once the daemon is up, with its ports', async () => {
    await eventually(() => ofType('server.start').length > 0, 'server.start');
    const port = Number(new URL(daemon.url).port);
    expect(ofType('server.start')[0]!.event.data).toEqual({ http_port: port, https_port: 0, tls: false, upstream: mock.url });
  });

  it('token.created, token.updated and token.deleted arrive when the CLI changes tokens through the daemon', async () => {
    const { hash } = await token({});
    const short = hash.slice(0, 8);
    await eventually(() => ofType('token.created', short).length > 0, 'token.created');
    expect(ofType('token.created', short)[0]!.event.data).toEqual({ token_hash: short, expires_at: null });

    const update = await runCli(['--dir', dir, 'token', 'update', '--hash', hash, '--expires', '7d'], { home, env: { ...TEST_KEYS } });
    expect(update.code, update.stderr).toBe(0);
    await eventually(() => ofType('token.updated', short).length > 0, 'token.updated');
    expect(ofType('token.updated', short)[0]!.event.data.expires_at).toMatch(/^\d{4}-\d\d-\d\dT/);

    const removed = await runCli(['--dir', dir, 'token', 'delete', '--hash', hash], { home, env: { ...TEST_KEYS } });
    expect(removed.code, removed.stderr).toBe(0);
    await eventually(() => ofType('token.deleted', short).length > 0, 'token.deleted');
    expect(ofType('token.deleted', short)[0]!.event.data).toEqual({ token_hash: short });
  });

  it('request.completed, rule.violation, budget.exceeded, rate.exceeded and token.expired arrive from requests', async () => {
    const plain = await token({});
    const res = await chat(daemon.url, plain.token);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const plainHash = plain.hash.slice(0, 16);
    await eventually(() => ofType('request.completed', plainHash).length > 0, 'request.completed');
    expect(ofType('request.completed', plainHash)[0]!.event.data).toMatchObject({ model: MODEL, status_code: 200, stream: false, error: false });

    const ruled = await token({ rules: [{ name: 'no-project-x', type: 'keyword', keywords: ['Project X'], action: 'fail' }] });
    expect((await chat(daemon.url, ruled.token, 'tell me about Project X')).status).toBe(403);
    await eventually(() => ofType('rule.violation', ruled.hash.slice(0, 16)).length > 0, 'rule.violation');
    expect(ofType('rule.violation', ruled.hash.slice(0, 16))[0]!.event.data).toMatchObject({ rule_name: 'no-project-x', model: MODEL });

    const poor = await token({ budgets: [{ tokens: 10, window: '1d' }] });
    expect((await chat(daemon.url, poor.token)).status).toBe(429);
    await eventually(() => ofType('budget.exceeded', poor.hash.slice(0, 16)).length > 0, 'budget.exceeded');

    const limited = await token({ rate_limit: { rules: [{ requests: 1, window: '1h' }] } });
    expect((await chat(daemon.url, limited.token)).status).toBe(200);
    expect((await chat(daemon.url, limited.token)).status).toBe(429);
    await eventually(() => ofType('rate.exceeded', limited.hash.slice(0, 16)).length > 0, 'rate.exceeded');

    const brief = await token({}, '1s');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await chat(daemon.url, brief.token)).status).toBe(401);
    await eventually(() => ofType('token.expired', brief.hash.slice(0, 8)).length > 0, 'token.expired');
    expect(ofType('token.expired', brief.hash.slice(0, 8))[0]!.event.data.expired_at).toBeTruthy();
  });

  it('server.stop arrives at shutdown; every event arrived exactly once, signed and with the secret', async () => {
    stopped = await daemon.stop();
    expect(stopped.code).toBe(0);
    expect(ofType('server.stop')).toHaveLength(1);
    expect(receiver.deliveries.at(-1)!.event.type).toBe('server.stop');

    const ids = receiver.deliveries.map((d) => d.event.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const type of ['server.start', 'server.stop']) expect(ofType(type)).toHaveLength(1);
    // One per scenario token: each of these was produced once by the steps above.
    for (const type of ['token.created', 'token.updated', 'token.deleted', 'rule.violation', 'budget.exceeded', 'rate.exceeded', 'token.expired']) {
      const perToken = new Map<string, number>();
      for (const d of ofType(type)) perToken.set(String(d.event.data.token_hash), (perToken.get(String(d.event.data.token_hash)) ?? 0) + 1);
      expect(perToken.size, type).toBeGreaterThan(0);
      expect([...perToken.values()].every((n) => n === 1), type).toBe(true);
    }
    for (const d of receiver.deliveries) {
      expect(d.headers['x-webhook-secret']).toBe(SECRET);
      expect(d.headers['x-event-id']).toBe(d.event.id);
      expect(d.headers['x-event-type']).toBe(d.event.type);
      const expected = Buffer.from(`sha256=${createHmac('sha256', SIGNING_KEY).update(d.raw).digest('hex')}`);
      const given = Buffer.from(String(d.headers['x-webhook-signature']));
      expect(given.length === expected.length && timingSafeEqual(given, expected), d.event.type).toBe(true);
    }
    expect(stopped.output).toContain('webhooks stopped');
    for (const secret of [SECRET, SIGNING_KEY, 'path-token']) expect(stopped.output).not.toContain(secret);
  });
});

describe('a receiver that never answers', () => {
  const scratch = scratchDir();
  const home = scratch.path;
  const dir = join(home, '.tokenomics');
  let mock: MockUpstream;
  let receiver: Receiver;
  let daemon: RunningDaemon;

  beforeAll(async () => {
    mock = await startMockUpstream();
    receiver = await startReceiver(() => undefined);
    daemon = await startDaemon({
      home,
      dir,
      env: {
        TOKENOMICS_SERVER_UPSTREAM_URL: mock.url,
        MOCK_KEY: 'sk-mock-secret',
        TOKENOMICS_EVENTS_WEBHOOKS: JSON.stringify([{ url: receiver.url, secret: SECRET, timeout: 60 }]),
      },
    });
  });

  afterAll(async () => {
    await daemon?.stop();
    await receiver?.close();
    await mock?.close();
    scratch.cleanup();
  });

  it('does not hold requests back, and shutdown reports what was left undelivered', async () => {
    // server.start is stuck at the receiver, and everything after it waits in the queue.
    await eventually(() => receiver.deliveries.length === 1, 'the first delivery');
    const created = await runCli(['--dir', dir, 'token', 'create', '--policy', JSON.stringify({ base_key_env: 'MOCK_KEY' }), '--json'], {
      home,
      env: { ...TEST_KEYS },
    });
    expect(created.code, created.stderr).toBe(0);
    const { token } = JSON.parse(created.stdout) as { token: string };
    for (let i = 0; i < 3; i++) {
      const res = await chat(daemon.url, token);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    expect(receiver.deliveries).toHaveLength(1);

    const stopped = await daemon.stop();
    expect(stopped.code).toBe(0);
    // server.start in flight; token.created, three request.completed and server.stop queued.
    expect(stopped.output).toMatch(/webhooks stopped: 0 delivered, 0 failed, 0 dropped \(queue full\), 6 undelivered at shutdown/);
    expect(stopped.output).not.toContain(SECRET);
    expect(stopped.output).not.toContain('path-token');
  });
});
