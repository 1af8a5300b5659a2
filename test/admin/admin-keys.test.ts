// A key's whole life through the admin API of the real daemon: created (raw token once, token.created to a webhook),
// used through the proxy against the mock upstream, seen in the live stream, the analytics series and summary, the
// sessions and its budget gauge; updated; deleted, after which the proxy refuses the token.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../helpers/cli.js';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { raw, sameOrigin } from './raw-http.js';

const scratch = scratchDir();
const home = scratch.path;
const dir = join(home, '.tokenomics');
const MODEL = 'gpt-4o-mini';
// The mock answers every chat call with 11 prompt and 7 completion tokens.
const MOCK_TOKENS = 18;

let mock: MockUpstream;
let daemon: RunningDaemon;
let hooks: Server;
const delivered: { type: string; data: Record<string, unknown> }[] = [];

interface Summary {
  token_hash: string;
  created_at: string;
  expires_at?: string;
  policy: { base_key_env?: string; rule_count: number; max_tokens?: number };
  providers: { name: string; policy_count: number; models?: string[] }[];
  budgets: { label: string; unit: string; window: string; limit: number; used: number; remaining: number }[];
}

const api = (path: string) => raw(daemon.url, path);
const change = (method: string, path: string, body: unknown) => raw(daemon.url, path, { method, headers: sameOrigin(daemon.url), body: JSON.stringify(body) });

function chat(token: string): Promise<Response> {
  return fetch(`${daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, max_tokens: 40, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

/** Polls until `check` holds (bounded): usage settles just after the response ends. */
async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Reads `event: request` frames from the live stream until `count` arrived or the time is up. */
async function liveEvents(count: number, during: () => Promise<void> = async () => {}, ms = 5_000): Promise<Record<string, unknown>[]> {
  const controller = new AbortController();
  const res = await fetch(`${daemon.url}/admin/api/live`, { signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  const reader = res.body!.getReader();
  const events: Record<string, unknown>[] = [];
  let buffer = '';
  const timer = setTimeout(() => controller.abort(), ms);
  const reading = (async () => {
    try {
      while (events.length < count) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += new TextDecoder().decode(value);
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^event: request\ndata: (.*)$/m.exec(frame);
          if (data) events.push(JSON.parse(data[1]!) as Record<string, unknown>);
        }
      }
    } catch {
      // aborted at the deadline
    }
  })();
  await during();
  await reading;
  clearTimeout(timer);
  controller.abort();
  return events;
}

beforeAll(async () => {
  hooks = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const event = JSON.parse(body) as { type: string; data: Record<string, unknown> };
      delivered.push(event);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
  mock = await startMockUpstream();
  daemon = await startDaemon({
    home,
    dir,
    env: {
      TOKENOMICS_SERVER_UPSTREAM_URL: mock.url,
      MOCK_KEY: 'sk-mock-secret',
      TOKENOMICS_EVENTS_WEBHOOKS_0_URL: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`,
      TOKENOMICS_EVENTS_WEBHOOKS_0_EVENTS: 'token.created,token.updated,token.deleted',
    },
  });
});

afterAll(async () => {
  await daemon?.stop();
  await mock?.close();
  await new Promise((resolve) => hooks?.close(resolve));
  scratch.cleanup();
});

const tokenEvents = (type: string, hash: string) => delivered.filter((e) => e.type === type && e.data.token_hash === hash.slice(0, 8));

describe('a key from creation to deletion', () => {
  let token = '';
  let hash = '';

  it('creates a key and returns the raw token once', async () => {
    const before = Date.now();
    const res = await change('POST', '/admin/api/keys', {
      policy: { base_key_env: 'MOCK_KEY', budgets: [{ tokens: 1000, window: '1d' }], metadata: { team: 'core' } },
      expires: '30d',
    });
    expect(res.status, res.text).toBe(201);
    const created = res.json<{ token: string; hash: string; expires: string; message: string }>();
    expect(created.token).toMatch(/^tkn_/);
    expect(created.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(created.message).toBe('store this token securely, it is only returned once');
    const expires = Date.parse(created.expires);
    expect(expires - before).toBeGreaterThan(29.9 * 86_400_000);
    expect(expires - before).toBeLessThan(30.1 * 86_400_000);
    ({ token, hash } = created);
    // The token itself is never shown again.
    const list = await api('/admin/api/keys');
    expect(list.text).not.toContain(token);
    const listed = list.json<{ count: number; tokens: Summary[] }>();
    expect(listed.count).toBe(1);
    expect(listed.tokens[0]).toMatchObject({ token_hash: hash, expires_at: created.expires, policy: { base_key_env: 'MOCK_KEY', rule_count: 0 }, providers: [] });
    expect(listed.tokens[0]!.budgets).toEqual([{ label: 'budget of 1000 tokens per 1d', unit: 'tokens', window: '1d', limit: 1000, used: 0, remaining: 1000 }]);
    await until(async () => tokenEvents('token.created', hash).length, (n) => n === 1);
    expect(tokenEvents('token.created', hash)).toHaveLength(1);
  });

  it('shows the key by its hash, a prefix, and the tokens alias', async () => {
    for (const path of [`/admin/api/keys/${hash}`, `/admin/api/keys/${hash.slice(0, 8)}`, `/admin/api/tokens/${hash.slice(0, 12)}`]) {
      const res = await api(path);
      expect(res.status, path).toBe(200);
      const body = res.json<Summary & { policy_raw: string; policy: { metadata: Record<string, string> } }>();
      expect(body.token_hash).toBe(hash);
      expect(JSON.parse(body.policy_raw)).toEqual({ base_key_env: 'MOCK_KEY', budgets: [{ tokens: 1000, window: '1d' }], metadata: { team: 'core' } });
      expect(body.policy.metadata).toEqual({ team: 'core' });
      expect(res.text).not.toContain(token);
    }
  });

  it('counts a request made with the raw token: live stream, budget gauge, series, summary, sessions, usage', async () => {
    const events = await liveEvents(1, async () => {
      const res = await chat(token);
      expect(res.status).toBe(200);
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 200, model: MODEL, token: hash.slice(0, 8), input_tokens: 11, output_tokens: 7, stream: false });
    expect(JSON.stringify(events[0])).not.toContain(token);

    const gauge = await until(
      async () => (await api(`/admin/api/keys/${hash}`)).json<Summary>().budgets[0]!,
      (g) => g.used > 0,
    );
    expect(gauge).toMatchObject({ limit: 1000, used: MOCK_TOKENS, remaining: 1000 - MOCK_TOKENS });

    const series = (await api('/admin/api/analytics/series?by=model')).json<{ buckets: string[]; series: { key: string; requests: number[]; total_tokens: number[] }[]; totals: { requests: number; total_tokens: number } }>();
    expect(series.buckets.length).toBeGreaterThanOrEqual(24);
    expect(series.series.map((s) => s.key)).toEqual([MODEL]);
    expect(series.series[0]!.requests).toHaveLength(series.buckets.length);
    // The request is in the bucket of this hour, the last one.
    expect(series.series[0]!.requests.at(-1)).toBe(1);
    expect(series.series[0]!.total_tokens.at(-1)).toBe(MOCK_TOKENS);
    expect(series.totals).toMatchObject({ requests: 1, total_tokens: MOCK_TOKENS, errors: 0 });

    const byToken = (await api('/admin/api/analytics/series?by=token&bucket=day&since=7d')).json<{ buckets: string[]; series: { key: string; requests: number[] }[] }>();
    expect(byToken.buckets).toHaveLength(8);
    expect(byToken.series).toEqual([expect.objectContaining({ key: hash.slice(0, 16), requests: [0, 0, 0, 0, 0, 0, 0, 1] })]);
    const byTag = (await api('/admin/api/analytics/series?by=tag:team')).json<{ series: { key: string }[] }>();
    expect(byTag.series.map((s) => s.key)).toEqual(['core']);

    const summary = (await api('/admin/api/analytics/summary')).json<{ totals: { request_count: number; total_tokens: number }; active_tokens: number; by_model: Record<string, number>; by_provider: Record<string, number>; ledger: { sessions: number; request_count: number } }>();
    expect(summary.totals).toMatchObject({ request_count: 1, total_tokens: MOCK_TOKENS });
    expect(summary.active_tokens).toBe(1);
    expect(summary.by_model).toEqual({ [MODEL]: MOCK_TOKENS });
    expect(summary.by_provider).toEqual({ MOCK_KEY: MOCK_TOKENS });
    expect(summary.ledger).toMatchObject({ sessions: 1, request_count: 1 });

    const sessions = (await api('/admin/api/sessions')).json<{ summary: { sessions: number; request_count: number }; sessions: { session_id: string; requests: number; running: boolean; ended_at?: string }[] }>();
    expect(sessions.summary).toMatchObject({ sessions: 1, request_count: 1 });
    expect(sessions.sessions[0]).toMatchObject({ requests: 1, running: true });
    expect(sessions.sessions[0]!.ended_at).toBeUndefined();
    const id = sessions.sessions[0]!.session_id;
    const session = (await api(`/admin/api/sessions/${id.slice(0, 4)}`)).json<{ session_id: string; running: boolean; requests: { token_hash: string; model: string }[] }>();
    expect(session).toMatchObject({ session_id: id, running: true });
    expect(session.requests).toEqual([expect.objectContaining({ token_hash: hash, model: MODEL })]);

    const usage = (await api(`/admin/api/usage/tokens/${hash.slice(0, 10)}`)).json<{ token_hash: string; realtime: { request_count: number }[]; ledger: { request_count: number; total_tokens: number; models_used: string[] } }>();
    expect(usage.token_hash).toBe(hash);
    expect(usage.realtime).toEqual([expect.objectContaining({ token_hash: hash.slice(0, 16), request_count: 1 })]);
    expect(usage.ledger).toMatchObject({ request_count: 1, total_tokens: MOCK_TOKENS, models_used: [MODEL] });
  });

  it('replays the recent requests to a new live viewer, oldest first', async () => {
    const second = await chat(token);
    expect(second.status).toBe(200);
    const events = await liveEvents(2);
    expect(events).toHaveLength(2);
    expect(Date.parse(String(events[0]!.at))).toBeLessThanOrEqual(Date.parse(String(events[1]!.at)));
    expect(events.every((e) => e.token === hash.slice(0, 8))).toBe(true);
  });

  it('updates the policy and the expiry', async () => {
    const res = await change('PUT', `/admin/api/keys/${hash}`, { policy: JSON.stringify({ base_key_env: 'MOCK_KEY', max_tokens: 5000, rules: [{ type: 'keyword', keywords: ['forbidden'] }] }) });
    expect(res.status, res.text).toBe(200);
    const updated = res.json<{ status: string; token: Summary }>();
    expect(updated.status).toBe('updated');
    expect(updated.token.policy).toEqual({ base_key_env: 'MOCK_KEY', max_tokens: 5000, rule_count: 1 });
    expect(updated.token.budgets.map((b) => b.label)).toEqual([expect.stringMatching(/max_tokens|5000/)]);
    expect(updated.token.expires_at).toBeDefined();
    // The proxy applies the new policy at once.
    const blocked = await fetch(`${daemon.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'this is forbidden' }] }),
    });
    expect(blocked.status).toBe(403);

    const cleared = await change('PUT', `/admin/api/keys/${hash.slice(0, 8)}`, { expires: 'clear' });
    expect(cleared.status).toBe(200);
    expect(cleared.json<{ token: Summary }>().token.expires_at).toBeUndefined();
    expect((await api(`/admin/api/keys/${hash}`)).json<Summary>().expires_at).toBeUndefined();
    await until(async () => tokenEvents('token.updated', hash).length, (n) => n === 2);
    expect(tokenEvents('token.updated', hash)).toHaveLength(2);
  });

  it('deletes the key; the proxy then refuses the token', async () => {
    expect((await chat(token)).status).toBe(200);
    const res = await change('DELETE', `/admin/api/keys/${hash}`, undefined);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ status: 'deleted' });
    expect((await api(`/admin/api/keys/${hash}`)).status).toBe(404);
    expect((await api('/admin/api/keys')).json()).toEqual({ count: 0, tokens: [] });
    const refused = await chat(token);
    expect(refused.status).toBe(401);
    await until(async () => tokenEvents('token.deleted', hash).length, (n) => n === 1);
    expect(tokenEvents('token.deleted', hash)).toHaveLength(1);
    // Its usage stays in the ledger, readable by the full hash.
    const usage = (await api(`/admin/api/usage/tokens/${hash}`)).json<{ ledger: { request_count: number } }>();
    expect(usage.ledger.request_count).toBeGreaterThanOrEqual(3);
  });
});

describe('key errors', () => {
  it('refuses an invalid policy with the problems and where they are', async () => {
    const res = await change('POST', '/admin/api/keys', { policy: { base_key_env: 'MOCK_KEY', rate_limit: { rules: [{ requests: 5, window: 'soon' }] }, extra: 1 } });
    expect(res.status).toBe(400);
    const body = res.json<{ error: string; issues: { path: string; message: string }[] }>();
    expect(body.error).toMatch(/^invalid policy: /);
    expect(body.issues).toEqual(
      expect.arrayContaining([
        { path: 'rate_limit.rules.0.window', message: expect.stringMatching(/duration/) },
        { path: 'extra', message: 'unknown field' },
      ]),
    );
  });

  it.each([
    [{}, 'policy is required'],
    [{ policy: '' }, 'policy is required'],
    [{ policy: '{not json' }, /^invalid policy: invalid policy JSON/],
    [{ policy: [1] }, /"policy" must be a policy object/],
    [{ policy: { base_key_env: 'MOCK_KEY' }, expires: 'someday' }, /invalid expiration "someday"/],
    [{ policy: { base_key_env: 'MOCK_KEY' }, expires: '-5d' }, /expiration must be positive/],
    [{ policy: { base_key_env: 'MOCK_KEY' }, expires: 'clear' }, /only applies to an update/],
    [{ policy: { base_key_env: 'MOCK_KEY' }, expires: 30 }, /"expires" must be a string/],
  ] as const)('refuses create body %j', async (body, message) => {
    const res = await change('POST', '/admin/api/keys', body);
    expect(res.status).toBe(400);
    expect(res.json<{ error: string }>().error).toMatch(message);
  });

  it('refuses bodies that are not a JSON object, or too large', async () => {
    for (const [body, message] of [['{"policy":', /not valid JSON/], ['[1,2]', /must be a JSON object/], ['', /empty/]] as const) {
      const res = await raw(daemon.url, '/admin/api/keys', { method: 'POST', headers: sameOrigin(daemon.url), body });
      expect(res.status).toBe(400);
      expect(res.json<{ error: string }>().error).toMatch(message);
    }
    const huge = JSON.stringify({ policy: { base_key_env: 'MOCK_KEY', metadata: { pad: 'x'.repeat(1024 * 1024) } } });
    const res = await raw(daemon.url, '/admin/api/keys', { method: 'POST', headers: sameOrigin(daemon.url), body: huge });
    expect(res.status).toBe(413);
    expect(res.json()).toEqual({ error: 'request body is larger than 1 MB' });
    expect((await api('/admin/api/health')).status).toBe(200);
  });

  it('answers 404 for unknown hashes and 400 for an empty update', async () => {
    const created = (await change('POST', '/admin/api/keys', { policy: { base_key_env: 'MOCK_KEY' } })).json<{ hash: string }>();
    const unknown = 'f'.repeat(64) === created.hash ? 'e'.repeat(64) : 'f'.repeat(64);
    for (const [method, path, body] of [
      ['GET', `/admin/api/keys/${unknown}`, undefined],
      ['GET', '/admin/api/keys/not-a-hash', undefined],
      ['PUT', `/admin/api/keys/${unknown}`, { expires: '1d' }],
      ['DELETE', `/admin/api/keys/${unknown}`, undefined],
    ] as const) {
      const res = method === 'GET' ? await api(path) : await change(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json()).toEqual({ error: 'token not found' });
    }
    const empty = await change('PUT', `/admin/api/keys/${created.hash}`, {});
    expect(empty.status).toBe(400);
    expect(empty.json()).toEqual({ error: 'policy and/or expires required' });
    const bad = await change('PUT', `/admin/api/keys/${created.hash}`, { policy: { rules: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.json<{ issues: unknown[] }>().issues.length).toBeGreaterThan(0);
  });
});

describe('shutdown with the live view open', () => {
  it('ends the live stream so the daemon stops without waiting out its grace period', async () => {
    const res = await fetch(`${daemon.url}/admin/api/live`);
    const reader = res.body!.getReader();
    await reader.read();
    const stopped = daemon.stop();
    // The stream ends (done) rather than being cut by the grace period.
    let done = false;
    while (!done) ({ done } = await reader.read());
    const { code, output } = await stopped;
    expect(code).toBe(0);
    expect(output).not.toContain('grace period over');
  });
});
