import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { WebhookConfig } from '../../core/config/types.js';
import { loadTlsMaterial } from '../tls/certs.js';
import { EventHub } from './hub.js';
import { retryAfterMs } from './webhook-deliverer.js';
import { matchesFilter, Webhooks, type WebhookLog, type WebhookOptions } from './webhooks.js';

interface Delivery {
  readonly headers: IncomingMessage['headers'];
  readonly raw: Buffer;
  readonly json: { id: string; type: string; timestamp: string; data?: Record<string, unknown> };
}

type Answer = (delivery: Delivery, n: number, res: ServerResponse) => void;

interface Receiver {
  readonly url: string;
  readonly deliveries: Delivery[];
  /** Resolves once `count` deliveries have arrived. */
  waitFor(count: number): Promise<void>;
  close(): Promise<void>;
}

const ok: Answer = (_d, _n, res) => res.writeHead(200).end('ok');
const hang: Answer = () => undefined;

/** A real HTTP (or, with `tls`, HTTPS) receiver on loopback that records each delivery and answers as told. */
async function receiver(answer: Answer = ok, tls?: { cert: string; key: string }): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const delivery: Delivery = { headers: req.headers, raw, json: JSON.parse(raw.toString('utf8')) as Delivery['json'] };
      deliveries.push(delivery);
      for (const w of waiters.filter((w) => deliveries.length >= w.count)) w.resolve();
      answer(delivery, deliveries.length, res);
    });
  };
  const server: Server = tls ? createHttpsServer(tls, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/hooks/path-secret?key=query-secret`,
    deliveries,
    waitFor: (count) => (deliveries.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const lines: Array<{ level: string; fields: object; message: string }> = [];
const log: WebhookLog = {
  info: (fields, message) => lines.push({ level: 'info', fields, message }),
  warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
};

const SECRET = 'shared-secret-value';
const SIGNING_KEY = 'signing-key-value';
const FAST: WebhookOptions = { retryDelaysMs: [10, 20, 40], drainMs: 2_000 };

function webhook(url: string, extra: Partial<WebhookConfig> = {}): WebhookConfig {
  return { url, secret: '', signing_key: '', events: [], timeout: 10, insecure: false, ...extra };
}

const open: Array<{ close(): Promise<unknown> }> = [];
function track<T extends { close(): Promise<unknown> }>(thing: T): T {
  open.push(thing);
  return thing;
}

function setup(configs: WebhookConfig[], options: WebhookOptions = FAST): { hub: EventHub; webhooks: Webhooks } {
  const hub = new EventHub((err) => {
    throw err;
  });
  const webhooks = track(new Webhooks(hub, configs, log, options));
  return { hub, webhooks };
}

afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

afterAll(() => {
  // Nothing this file logged may carry a secret or the parts of a webhook URL that often are one.
  const text = JSON.stringify(lines);
  for (const secret of [SECRET, SIGNING_KEY, 'path-secret', 'query-secret']) expect(text).not.toContain(secret);
});

describe('filters', () => {
  it('empty and * match everything; exact; trailing * matches a prefix', () => {
    expect(matchesFilter([], 'token.created')).toBe(true);
    expect(matchesFilter(['*'], 'server.start')).toBe(true);
    expect(matchesFilter(['token.created'], 'token.created')).toBe(true);
    expect(matchesFilter(['token.created'], 'token.deleted')).toBe(false);
    expect(matchesFilter(['token.*'], 'token.deleted')).toBe(true);
    expect(matchesFilter(['token.*'], 'rule.violation')).toBe(false);
    expect(matchesFilter(['rule.*', 'server.stop'], 'server.stop')).toBe(true);
  });

  it('a webhook only receives the events its filter names', async () => {
    const r = track(await receiver());
    const { hub, webhooks } = setup([webhook(r.url, { events: ['token.*', 'request.completed'] })]);
    for (const type of ['server.start', 'token.created', 'rule.violation', 'request.completed', 'token.deleted'] as const) hub.emit(type, {});
    await webhooks.close();
    expect(r.deliveries.map((d) => d.json.type)).toEqual(['token.created', 'request.completed', 'token.deleted']);
  });
});

describe('delivery', () => {
  it('POSTs the envelope with the event headers, the secret and a signature over the exact body', async () => {
    const r = track(await receiver());
    const { hub, webhooks } = setup([webhook(r.url, { secret: SECRET, signing_key: SIGNING_KEY })]);
    hub.emit('token.created', { token_hash: 'abcd1234', expires_at: null });
    await r.waitFor(1);
    const [d] = r.deliveries;
    expect(d!.json).toMatchObject({ type: 'token.created', data: { token_hash: 'abcd1234', expires_at: null } });
    expect(d!.json.id).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(d!.headers['content-type']).toBe('application/json');
    expect(d!.headers['user-agent']).toBe('Tokenomics-Webhook/1.0');
    expect(d!.headers['x-event-id']).toBe(d!.json.id);
    expect(d!.headers['x-event-type']).toBe('token.created');
    expect(d!.headers['x-webhook-secret']).toBe(SECRET);
    const expected = Buffer.from(`sha256=${createHmac('sha256', SIGNING_KEY).update(d!.raw).digest('hex')}`);
    const given = Buffer.from(String(d!.headers['x-webhook-signature']));
    expect(given.length === expected.length && timingSafeEqual(given, expected)).toBe(true);
    expect((await webhooks.close()).delivered).toBe(1);
  });

  it('sends neither secret nor signature header when none is configured', async () => {
    const r = track(await receiver());
    const { hub } = setup([webhook(r.url)]);
    hub.emit('server.start', { http_port: 1 });
    await r.waitFor(1);
    expect(r.deliveries[0]!.headers['x-webhook-secret']).toBeUndefined();
    expect(r.deliveries[0]!.headers['x-webhook-signature']).toBeUndefined();
  });

  it('keeps the order of events for one webhook and feeds every webhook', async () => {
    const a = track(await receiver());
    const b = track(await receiver());
    const { hub, webhooks } = setup([webhook(a.url), webhook(b.url)]);
    for (let i = 0; i < 20; i++) hub.emit('budget.update', { n: i });
    await webhooks.close();
    for (const r of [a, b]) expect(r.deliveries.map((d) => d.json.data!.n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('insecure skips TLS verification for that webhook only', async () => {
    const certs = mkdtempSync(join(tmpdir(), 'tokenomics-webhook-tls-'));
    try {
      const tls = loadTlsMaterial({ enabled: true, auto_gen: true, cert_dir: certs, cert_file: '', key_file: '' });
      const r = track(await receiver(ok, tls));
      expect(r.url.startsWith('https:')).toBe(true);
      const { hub, webhooks } = setup([webhook(r.url, { insecure: true }), webhook(r.url)], { retryDelaysMs: [] });
      hub.emit('server.start', {});
      const report = await webhooks.close();
      expect(report).toMatchObject({ delivered: 1, failed: 1 });
      expect(r.deliveries).toHaveLength(1);
    } finally {
      rmSync(certs, { recursive: true, force: true });
    }
  });
});

describe('retries', () => {
  it('a receiver answering 500 twice then 200 gets the event on the third try', async () => {
    const r = track(await receiver((_d, n, res) => res.writeHead(n <= 2 ? 500 : 200).end()));
    const { hub, webhooks } = setup([webhook(r.url)]);
    hub.emit('rule.violation', { rule_name: 'x' });
    const report = await webhooks.close();
    expect(r.deliveries).toHaveLength(3);
    expect(new Set(r.deliveries.map((d) => d.json.id)).size).toBe(1);
    expect(report).toMatchObject({ delivered: 1, failed: 0 });
  });

  it('gives up after four attempts', async () => {
    const r = track(await receiver((_d, _n, res) => res.writeHead(503).end()));
    const { hub, webhooks } = setup([webhook(r.url)]);
    hub.emit('rule.violation', {});
    expect(await webhooks.close()).toMatchObject({ delivered: 0, failed: 1 });
    expect(r.deliveries).toHaveLength(4);
  });

  it('a 400 is not retried', async () => {
    const r = track(await receiver((_d, _n, res) => res.writeHead(400).end()));
    const { hub, webhooks } = setup([webhook(r.url)]);
    hub.emit('rule.violation', {});
    expect(await webhooks.close()).toMatchObject({ delivered: 0, failed: 1 });
    expect(r.deliveries).toHaveLength(1);
    expect(lines.some((l) => l.level === 'warn' && (l.fields as { reason?: string }).reason === 'HTTP 400')).toBe(true);
  });

  it('a 429 is retried after its Retry-After, capped', async () => {
    const r = track(await receiver((_d, n, res) => (n === 1 ? res.writeHead(429, { 'retry-after': '3600' }).end() : res.writeHead(204).end())));
    const { hub, webhooks } = setup([webhook(r.url)], { ...FAST, maxRetryAfterMs: 50 });
    hub.emit('rate.exceeded', {});
    await r.waitFor(2);
    expect(await webhooks.close()).toMatchObject({ delivered: 1 });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(10_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });

  it('a receiver that never answers hits the timeout, and that is retried', async () => {
    const r = track(await receiver(hang));
    const { hub, webhooks } = setup([webhook(r.url, { timeout: 0.2 })], { retryDelaysMs: [10], drainMs: 5_000 });
    hub.emit('request.completed', {});
    await r.waitFor(2);
    expect(await webhooks.close()).toMatchObject({ delivered: 0, failed: 1, undelivered: 0 });
    expect(r.deliveries).toHaveLength(2);
    expect(lines.some((l) => (l.fields as { reason?: string }).reason === 'no answer within 0.2 s')).toBe(true);
  });
});

describe('queue and shutdown', () => {
  it('a full queue drops and counts without blocking emit, and warns once per 100 drops', async () => {
    const r = track(await receiver(hang));
    const { hub, webhooks } = setup([webhook(r.url)], { queueSize: 4, drainMs: 100 });
    const before = lines.filter((l) => l.message.startsWith('webhook queue full')).length;
    for (let i = 0; i < 250; i++) hub.emit('budget.update', { n: i });
    // emit is synchronous: all 250 returned; one is in flight, four wait, the rest are dropped.
    await r.waitFor(1);
    const report = await webhooks.close();
    expect(report).toMatchObject({ delivered: 0, dropped: 245, undelivered: 5 });
    expect(lines.filter((l) => l.message.startsWith('webhook queue full')).length - before).toBe(3);
  });

  it('shutdown waits no longer than the drain bound and reports what was left in one line', async () => {
    const r = track(await receiver(hang));
    const { hub, webhooks } = setup([webhook(r.url, { timeout: 3600, secret: SECRET, signing_key: SIGNING_KEY })], { drainMs: 150 });
    hub.emit('server.stop', { reason: 'SIGTERM' });
    hub.emit('server.stop', { reason: 'again' });
    await r.waitFor(1);
    const report = await webhooks.close();
    expect(report).toMatchObject({ webhooks: 1, delivered: 0, undelivered: 2 });
    const summary = lines.filter((l) => l.message.startsWith('webhooks stopped'));
    expect(summary.at(-1)).toMatchObject({ level: 'warn', message: 'webhooks stopped: 0 delivered, 0 failed, 0 dropped (queue full), 2 undelivered at shutdown' });
  });

  it('events after close are not accepted', async () => {
    const r = track(await receiver());
    const { hub, webhooks } = setup([webhook(r.url)]);
    await webhooks.close();
    hub.emit('server.start', {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.deliveries).toHaveLength(0);
  });

  it('no webhooks: nothing subscribes and close logs nothing', async () => {
    const before = lines.length;
    const { hub, webhooks } = setup([]);
    hub.emit('server.start', {});
    expect(await webhooks.close()).toMatchObject({ webhooks: 0 });
    expect(lines.length).toBe(before);
  });
});
