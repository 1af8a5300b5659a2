// The central config server (`tokenomics remote`) as a real process: auth, token management, the client
// registry, and token events pushed to a registered client with a valid signature.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, CLI, scratchDir } from './helpers/cli.js';
import { freePort, TEST_KEYS } from './helpers/daemon.js';

const API_KEY = 'central-api-key-for-tests';
const SECRET = 'client-shared-secret-value';
const SIGNING_KEY = 'client-signing-key-value-xyz';
const POLICY = { base_key_env: 'OPENAI_API_KEY', model: 'gpt-4o-mini' };

interface RemoteProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly stderr: () => string;
  stop(): Promise<number | null>;
}

/** Starts `tokenomics remote` and waits for its "listening on" line. */
async function startRemote(home: string, dir: string, args: string[]): Promise<RemoteProcess> {
  const env = { ...baseEnv(home), ...TEST_KEYS };
  const child = spawn(process.execPath, [CLI, '--dir', dir, 'remote', ...args], { cwd: home, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  let url: string | undefined;
  while (!url) {
    if (child.exitCode !== null) throw new Error(`remote exited with ${child.exitCode}:\n${stdout}\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`remote did not start within 20 s:\n${stdout}\n${stderr}`);
    }
    url = /Remote config server listening on (http:\/\/\S+)/.exec(stdout)?.[1];
    if (!url) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    child,
    url,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

interface Delivery {
  readonly headers: IncomingMessage['headers'];
  readonly raw: Buffer;
  readonly event: { id: string; type: string; timestamp: string; data: Record<string, unknown> };
}

async function startReceiver(): Promise<{ url: string; deliveries: Delivery[]; close(): Promise<void> }> {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      deliveries.push({ headers: req.headers, raw, event: JSON.parse(raw.toString('utf8')) as Delivery['event'] });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"accepted"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/webhook`,
    deliveries,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 8_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const scratch = scratchDir();
const home = scratch.path;
const dir = join(home, 'data');
afterAll(() => scratch.cleanup());

describe('tokenomics remote with an API key', () => {
  let remote: RemoteProcess;
  const api = (path: string, init: RequestInit & { json?: unknown } = {}, key: string | null = API_KEY) => {
    const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
    if (key !== null) headers.authorization = `Bearer ${key}`;
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${remote.url}${path}`, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
  };
  const json = async (res: Response) => (await res.json()) as Record<string, unknown>;

  beforeAll(async () => {
    const port = await freePort();
    remote = await startRemote(home, dir, ['--addr', `127.0.0.1:${port}`, '--api-key', API_KEY]);
  });
  afterAll(async () => {
    await remote?.stop();
  });

  it('answers /health without auth and prints no open-API warning', async () => {
    const res = await fetch(`${remote.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(remote.stderr()).not.toContain('WARNING');
  });

  it('refuses a missing or malformed Authorization with 401 and a wrong key with 403, as JSON', async () => {
    const missing = await api('/api/v1/tokens', {}, null);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toBe('application/json');
    expect(await missing.json()).toEqual({ error: 'missing authorization' });
    const basic = await api('/api/v1/tokens', { headers: { authorization: `Basic ${API_KEY}` } }, null);
    expect(basic.status).toBe(401);
    const wrong = await api('/api/v1/tokens', {}, 'not-the-key');
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toEqual({ error: 'invalid api key' });
    const clients = await api('/api/v1/clients', {}, 'x');
    expect(clients.status).toBe(403);
    const right = await api('/api/v1/tokens');
    expect(right.status).toBe(200);
    expect(await right.json()).toEqual([]);
  });

  it('answers 405 for other methods (on the token list before auth, as the original)', async () => {
    const put = await api('/api/v1/tokens', { method: 'PUT' }, null);
    expect(put.status).toBe(405);
    expect(await put.json()).toEqual({ error: 'method not allowed' });
    expect((await api('/api/v1/clients', { method: 'PUT' }, null)).status).toBe(401);
    const clientsPut = await api('/api/v1/clients', { method: 'PUT' });
    expect(clientsPut.status).toBe(405);
    expect(await clientsPut.json()).toEqual({ error: 'method not allowed' });
    expect((await api('/api/v1/clients/cl_0000000000000000', { method: 'PATCH', json: {} })).status).toBe(405);
    expect((await api(`/api/v1/tokens/${'a'.repeat(64)}`, { method: 'PUT', json: {} })).status).toBe(405);
    const unknown = await api('/api/v1/nothing');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'not found' });
  });

  it('creates, lists, gets, updates and deletes a token', async () => {
    const created = await api('/api/v1/tokens', { method: 'POST', json: { policy: POLICY, expires: '7d' } });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { token: string; hash: string; expires_at: string };
    expect(body.token).toMatch(/^tkn_[0-9a-f-]{36}$/);
    expect(body.hash).toMatch(/^[0-9a-f]{64}$/);
    const week = Date.parse(body.expires_at) - Date.now();
    expect(week).toBeGreaterThan(6.9 * 86_400_000);
    expect(week).toBeLessThan(7.1 * 86_400_000);

    const list = (await (await api('/api/v1/tokens')).json()) as Array<Record<string, unknown>>;
    const entry = list.find((t) => t.token_hash === body.hash)!;
    expect(entry).toBeDefined();
    expect(typeof entry.policy).toBe('string');
    expect(JSON.parse(entry.policy as string)).toEqual(POLICY);
    expect(entry.expires_at).toBe(body.expires_at);
    expect(entry.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(JSON.stringify(list)).not.toContain(body.token);

    const got = await api(`/api/v1/tokens/${body.hash}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(entry);

    const newPolicy = JSON.stringify({ base_key_env: 'OPENAI_API_KEY', max_tokens: 1000 });
    const patched = await api(`/api/v1/tokens/${body.hash}`, { method: 'PATCH', json: { policy: newPolicy, expires: 'clear' } });
    expect(patched.status).toBe(200);
    const patchedBody = await json(patched);
    expect(patchedBody).toMatchObject({ token_hash: body.hash, policy: newPolicy, created_at: entry.created_at });
    expect(patchedBody).not.toHaveProperty('expires_at');
    const expiring = await json(await api(`/api/v1/tokens/${body.hash}`, { method: 'PATCH', json: { expires: '2099-01-02T03:04:05Z' } }));
    expect(expiring).toMatchObject({ policy: newPolicy, expires_at: '2099-01-02T03:04:05Z' });

    const deleted = await api(`/api/v1/tokens/${body.hash}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ status: 'deleted' });
    expect((await api(`/api/v1/tokens/${body.hash}`)).status).toBe(404);
    const again = await api(`/api/v1/tokens/${body.hash}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({ error: 'not found' });
  });

  it('refuses bad token requests with 400/404/413 and a message', async () => {
    const badField = await api('/api/v1/tokens', { method: 'POST', json: { policy: { base_key_env: 5 } } });
    expect(badField.status).toBe(400);
    expect(await badField.json()).toEqual({ error: 'invalid policy: base_key_env: expected string, got 5' });
    const unknownField = await json(await api('/api/v1/tokens', { method: 'POST', json: { policy: '{"base_key_env":"K","bogus":1}' } }));
    expect(unknownField.error).toBe('invalid policy: bogus: unknown field');
    const noPolicy = await api('/api/v1/tokens', { method: 'POST', json: {} });
    expect(noPolicy.status).toBe(400);
    expect(String((await json(noPolicy)).error)).toMatch(/^invalid policy: .*required/);
    const badJson = await api('/api/v1/tokens', { method: 'POST', body: '{"policy":', headers: { 'content-type': 'application/json' } });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toEqual({ error: 'invalid json' });
    const badExpiry = await api('/api/v1/tokens', { method: 'POST', json: { policy: POLICY, expires: 'someday' } });
    expect(badExpiry.status).toBe(400);
    expect(String((await json(badExpiry)).error)).toContain('invalid expiration "someday"');
    const clearOnCreate = await api('/api/v1/tokens', { method: 'POST', json: { policy: POLICY, expires: 'clear' } });
    expect(clearOnCreate.status).toBe(400);

    const unknown = 'f'.repeat(64);
    expect((await api(`/api/v1/tokens/${unknown}`)).status).toBe(404);
    const patchUnknown = await api(`/api/v1/tokens/${unknown}`, { method: 'PATCH', json: { expires: '1d' } });
    expect(patchUnknown.status).toBe(404);
    expect((await api(`/api/v1/tokens/${unknown}`, { method: 'PATCH', json: {} })).status).toBe(400);
    const empty = await api('/api/v1/tokens/');
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ error: 'missing token hash' });

    const huge = await api('/api/v1/tokens', { method: 'POST', body: JSON.stringify({ policy: POLICY, pad: 'x'.repeat(1_100_000) }) });
    expect(huge.status).toBe(413);
    expect(String((await json(huge)).error)).toContain('too large');
    // Nothing above created a token.
    expect(await (await api('/api/v1/tokens')).json()).toEqual([]);
  });

  it('validates client registrations with the reference messages', async () => {
    const cases: Array<[unknown, string]> = [
      ['not json', 'invalid json'],
      [{}, 'url is required'],
      [{ url: 'ftp://example.com/hook' }, 'invalid url scheme: ftp'],
      [{ url: 'http://' }, 'invalid url: host is required'],
      [{ url: 'http://example.com', events: 'token.*' }, 'invalid json'],
    ];
    for (const [body, error] of cases) {
      const res = await api('/api/v1/clients', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
      expect(res.status, error).toBe(400);
      expect(await res.json()).toEqual({ error });
    }
    const unknown = await api('/api/v1/clients/cl_0000000000000000');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'not found' });
    const deleteUnknown = await api('/api/v1/clients/cl_0000000000000000', { method: 'DELETE' });
    expect(deleteUnknown.status).toBe(404);
    expect(await deleteUnknown.json()).toEqual({ error: 'delete registration: client not found' });
  });

  it('registers clients without ever returning their secrets, and pushes signed token events to them', async () => {
    const receiver = await startReceiver();
    try {
      const registered = await api('/api/v1/clients', {
        method: 'POST',
        json: { url: receiver.url, secret: SECRET, signing_key: SIGNING_KEY },
      });
      expect(registered.status).toBe(201);
      const reg = await json(registered);
      expect(reg).toMatchObject({ url: receiver.url, events: ['token.*'], insecure: false, has_secret: true, has_signing_key: true });
      expect(reg.id).toMatch(/^cl_[0-9a-f]{16}$/);
      expect(reg.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      const bare = await json(await api('/api/v1/clients', { method: 'POST', json: { url: 'http://127.0.0.1:9/none', events: ['token.deleted'] } }));
      expect(bare).toMatchObject({ events: ['token.deleted'], has_secret: false, has_signing_key: false });

      const listRes = await api('/api/v1/clients');
      const listText = await listRes.text();
      const one = await (await api(`/api/v1/clients/${String(reg.id)}`)).text();
      for (const text of [JSON.stringify(reg), listText, one]) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(SIGNING_KEY);
        expect(text).not.toMatch(/"secret"|"signing_key"/);
      }
      expect((JSON.parse(listText) as unknown[]).length).toBe(2);
      expect(JSON.parse(one)).toEqual(reg);

      const created = (await json(await api('/api/v1/tokens', { method: 'POST', json: { policy: POLICY } }))) as { hash: string; expires_at: unknown };
      expect(created.expires_at).toBeNull();
      expect((await api(`/api/v1/tokens/${created.hash}`, { method: 'PATCH', json: { expires: '30d' } })).status).toBe(200);
      expect((await api(`/api/v1/tokens/${created.hash}`, { method: 'DELETE' })).status).toBe(200);
      await eventually(() => receiver.deliveries.length >= 3, 'three token events');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(receiver.deliveries.map((d) => d.event.type)).toEqual(['token.created', 'token.updated', 'token.deleted']);
      for (const d of receiver.deliveries) {
        const expected = `sha256=${createHmac('sha256', SIGNING_KEY).update(d.raw).digest('hex')}`;
        expect(d.headers['x-webhook-signature']).toBe(expected);
        expect(d.headers['x-webhook-secret']).toBe(SECRET);
        expect(d.headers['x-event-type']).toBe(d.event.type);
        expect(d.headers['x-event-id']).toBe(d.event.id);
        expect(d.event.id).toMatch(/^evt_[0-9a-f]{32}$/);
        expect(d.event.data.token_hash).toBe(created.hash.slice(0, 8));
      }
      expect(receiver.deliveries[0]!.event.data).toEqual({ token_hash: created.hash.slice(0, 8), expires_at: null });
      expect(receiver.deliveries[1]!.event.data.expires_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);

      // Unregistered: no further events.
      const removed = await api(`/api/v1/clients/${String(reg.id)}`, { method: 'DELETE' });
      expect(removed.status).toBe(200);
      expect(await removed.json()).toEqual({ status: 'deleted' });
      expect((await api(`/api/v1/clients/${String(reg.id)}`)).status).toBe(404);
      const later = (await json(await api('/api/v1/tokens', { method: 'POST', json: { policy: POLICY } }))) as { hash: string };
      await api(`/api/v1/tokens/${later.hash}`, { method: 'DELETE' });
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(receiver.deliveries).toHaveLength(3);
      expect((await api(`/api/v1/clients/${String(bare.id)}`, { method: 'DELETE' })).status).toBe(200);
    } finally {
      await receiver.close();
    }
  });

  it('keeps registrations across a restart, sealed on disk, and delivers to them again', async () => {
    const receiver = await startReceiver();
    try {
      const reg = await json(await api('/api/v1/clients', { method: 'POST', json: { url: receiver.url, signing_key: SIGNING_KEY, secret: SECRET } }));
      expect(await remote.stop()).toBe(0);
      const dbDir = join(dir, readdirSync(dir).find((name) => name.endsWith('.db')) ?? 'tokenomics.db');
      for (const file of readdirSync(dbDir)) {
        const bytes = readFileSync(join(dbDir, file)).toString('latin1');
        expect(bytes, file).not.toContain(SIGNING_KEY);
        expect(bytes, file).not.toContain(SECRET);
      }
      remote = await startRemote(home, dir, ['--addr', new URL(remote.url).host, '--api-key', API_KEY]);
      const again = await json(await api(`/api/v1/clients/${String(reg.id)}`));
      expect(again).toEqual(reg);
      const created = (await json(await api('/api/v1/tokens', { method: 'POST', json: { policy: POLICY } }))) as { hash: string };
      await eventually(() => receiver.deliveries.length >= 1, 'token.created after restart');
      expect(receiver.deliveries[0]!.event).toMatchObject({ type: 'token.created', data: { token_hash: created.hash.slice(0, 8) } });
      expect(receiver.deliveries[0]!.headers['x-webhook-signature']).toBe(
        `sha256=${createHmac('sha256', SIGNING_KEY).update(receiver.deliveries[0]!.raw).digest('hex')}`,
      );
    } finally {
      await receiver.close();
    }
  });
});

describe('tokenomics remote without an API key', () => {
  it('warns loudly, binds loopback for a bare :port, and serves without auth', async () => {
    const other = scratchDir();
    const port = await freePort();
    const remote = await startRemote(other.path, join(other.path, 'data'), ['--addr', `:${port}`]);
    try {
      expect(remote.url).toBe(`http://127.0.0.1:${port}`);
      expect(remote.stderr()).toMatch(/WARNING: no API key .*OPEN to anyone/);
      const res = await fetch(`${remote.url}/api/v1/tokens`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual([]);
    } finally {
      expect(await remote.stop()).toBe(0);
      other.cleanup();
    }
  });
});
