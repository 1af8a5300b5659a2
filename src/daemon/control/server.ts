// The daemon's control API: token management for CLI commands while the daemon holds the database.
// Listens on 127.0.0.1 only, on a port chosen at start; every call needs the secret from daemon.json.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventSink } from '../../core/events/types.js';
import type { DashboardSnapshot } from '../../core/stats/dashboard.js';
import type { RecentRequests } from '../../core/stats/recent.js';
import { parsePolicy, PolicyError } from '../../core/policy/parse.js';
import { GatewayError } from '../../core/proxy/errors.js';
import { TokenNotFoundError, StoreError, type TokenRecord } from '../store/token-store.js';
import type { TokenBackend } from '../store/token-backend.js';
import { isLoopback, readBody, sendJson } from '../http/io.js';
import { streamRequestEvents } from '../http/request-events.js';
import { createToken, deleteToken, updateToken } from './token-actions.js';

export interface RecordJson {
  hash: string;
  policy_raw: string;
  created_at: string;
  expires_at?: string;
  origin?: 'remote';
}

export function recordJson(record: TokenRecord): RecordJson {
  return { hash: record.hash, policy_raw: record.policyRaw, created_at: record.createdAt, expires_at: record.expiresAt, origin: record.origin };
}

export interface ControlStatus {
  readonly pid: number;
  readonly started_at: string;
  readonly tokens: number;
  readonly keys: string;
}

/** What `GET /dashboard` and `GET /events` serve (the terminal dashboard). */
export interface DashboardFeed {
  snapshot(): Promise<DashboardSnapshot>;
  readonly recent: RecentRequests;
}

export interface ControlServer {
  readonly url: string;
  readonly secret: string;
  close(): Promise<void>;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares digests, so neither the secret's bytes nor its length show in the time the check takes. */
function authorized(req: IncomingMessage, secret: Buffer): boolean {
  const header = req.headers.authorization ?? '';
  return timingSafeEqual(digest(header.startsWith('Bearer ') ? header.slice(7) : ''), secret);
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readBody(req, 1024 * 1024)).toString('utf8');
  const value: unknown = JSON.parse(text || '{}');
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new SyntaxError('body must be a JSON object');
  return value as Record<string, unknown>;
}

function optionalDate(value: unknown): Date | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  const date = new Date(String(value));
  if (Number.isNaN(date.getTime())) throw new SyntaxError('expires_at must be an RFC3339 time or null');
  return date;
}

async function route(req: IncomingMessage, res: ServerResponse, tokens: TokenBackend, events: EventSink, status: () => Promise<ControlStatus>, dashboard?: DashboardFeed): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://control');
  const [area, id] = url.pathname.split('/').filter(Boolean);
  if (area === 'status' && req.method === 'GET') return sendJson(res, 200, await status());
  if (dashboard && area === 'dashboard' && req.method === 'GET') return sendJson(res, 200, await dashboard.snapshot());
  if (dashboard && area === 'events' && req.method === 'GET') return streamRequestEvents(req, res, dashboard.recent);
  if (area !== 'tokens') return fail(res, 404, 'not_found', `no control route ${req.method} ${url.pathname}`);
  if (!id) {
    if (req.method === 'GET') {
      const list = await tokens.list();
      return sendJson(res, 200, { tokens: list.tokens.map(recordJson), problems: list.problems });
    }
    if (req.method === 'POST') {
      const body = await jsonBody(req);
      const policy = parsePolicy(String(body.policy ?? ''));
      const expires = optionalDate(body.expires_at) ?? undefined;
      const created = await createToken(tokens, events, policy, expires);
      return sendJson(res, 201, { token: created.token, record: recordJson(created.record) });
    }
    return fail(res, 405, 'method_not_allowed', `${req.method} is not allowed on /tokens`);
  }
  const hash = await tokens.resolveHash(decodeURIComponent(id));
  if (req.method === 'GET') {
    const record = await tokens.get(hash);
    return record ? sendJson(res, 200, recordJson(record)) : fail(res, 404, 'not_found', `token not found: ${id}`);
  }
  if (req.method === 'PATCH') {
    const body = await jsonBody(req);
    const policy = body.policy === undefined ? undefined : parsePolicy(String(body.policy));
    const record = await updateToken(tokens, events, hash, { policy, expiresAt: optionalDate(body.expires_at) });
    return sendJson(res, 200, recordJson(record));
  }
  if (req.method === 'DELETE') {
    await deleteToken(tokens, events, hash);
    return sendJson(res, 200, { deleted: hash });
  }
  return fail(res, 405, 'method_not_allowed', `${req.method} is not allowed on /tokens/<hash>`);
}

export async function startControlServer(
  tokens: TokenBackend,
  events: EventSink,
  status: () => Promise<ControlStatus>,
  dashboard?: DashboardFeed,
): Promise<ControlServer> {
  const secretText = randomBytes(32).toString('hex');
  const secret = digest(secretText);
  const server: Server = createServer((req, res) => {
    if (!isLoopback(req) || !authorized(req, secret)) {
      req.resume();
      return fail(res, 401, 'unauthorized', 'the control API needs the secret from daemon.json, from this machine');
    }
    route(req, res, tokens, events, status, dashboard).catch((err: unknown) => {
      if (err instanceof TokenNotFoundError) return fail(res, 404, 'not_found', err.message);
      if (err instanceof GatewayError) return fail(res, err.status, err.code, err.message);
      if (err instanceof PolicyError || err instanceof SyntaxError) return fail(res, 400, 'invalid_request', (err as Error).message);
      if (err instanceof StoreError) return fail(res, 409, 'store_error', err.message);
      return fail(res, 500, 'internal_error', (err as Error).message);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    secret: secretText,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
