// The central config server's HTTP API (reference 11.1, plus token management): routing, auth and the handlers.
// Every answer is JSON, errors included (`{"error":"…"}`); registrations never carry their secrets out.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventSink } from '../../core/events/types.js';
import { parsePolicy, PolicyError, type ParsedPolicy } from '../../core/policy/parse.js';
import { ExpiryError, parseExpiry } from '../../core/tokens/expiry.js';
import { GatewayError } from '../../core/proxy/errors.js';
import { readBody, sendJson } from '../http/io.js';
import type { TokenBackend } from '../store/token-backend.js';
import type { TokenRecord } from '../store/token-store.js';
import { publicRegistration, RegistrationError, validateRegistration, type ClientRegistry } from './client-registry.js';

/** Largest request body the API reads. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface CentralContext {
  readonly tokens: TokenBackend;
  readonly clients: ClientRegistry;
  readonly events: EventSink;
  /** Empty: no authentication (the command warns about it). */
  readonly apiKey: string;
  readonly warn: (fields: object, message: string) => void;
}

/** A refusal with its status and the text of `{"error": …}`. */
class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The token object of list/get/patch: the policy as the raw JSON string it was written as. */
export function tokenJson(record: TokenRecord): Record<string, unknown> {
  return {
    token_hash: record.hash,
    policy: record.policyRaw,
    created_at: record.createdAt,
    ...(record.expiresAt ? { expires_at: record.expiresAt } : {}),
  };
}

/** token.* events carry the first 8 characters of the hash, as the original did. */
const eventHash = (hash: string) => hash.slice(0, 8);

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Bearer auth; comparing digests keeps the comparison constant-time whatever the lengths. */
function checkAuth(req: IncomingMessage, apiKey: string): void {
  if (!apiKey) return;
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Bearer ')) throw new ApiError(401, 'missing authorization');
  if (!timingSafeEqual(digest(header.slice('Bearer '.length)), digest(apiKey))) throw new ApiError(403, 'invalid api key');
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  let raw: Buffer;
  try {
    raw = await readBody(req, MAX_BODY_BYTES);
  } catch (err) {
    if (err instanceof GatewayError && err.status === 413) throw new ApiError(413, 'request body too large (limit 1 MB)');
    throw new ApiError(400, 'cannot read request body');
  }
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new ApiError(400, 'invalid json');
  }
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'invalid json');
  return body as Record<string, unknown>;
}

/** `policy` as a JSON object or as a string holding one. */
function policyField(value: unknown): ParsedPolicy {
  try {
    if (value === undefined || value === null) throw new PolicyError(['policy is required']);
    return parsePolicy(typeof value === 'string' ? value : JSON.stringify(value));
  } catch (err) {
    if (err instanceof PolicyError) throw new ApiError(400, err.message);
    throw err;
  }
}

function expiryField(value: unknown, allowClear: boolean): Date | null {
  if (typeof value !== 'string') throw new ApiError(400, 'invalid expires: give a duration (24h, 7d, 30d, 1y) or an RFC3339 time');
  try {
    const expiry = parseExpiry(value);
    if (expiry.kind === 'clear') {
      if (!allowClear) throw new ApiError(400, 'invalid expires: "clear" only applies to an update');
      return null;
    }
    return expiry.at;
  } catch (err) {
    if (err instanceof ExpiryError) throw new ApiError(400, err.message);
    throw err;
  }
}

async function tokensCollection(req: IncomingMessage, res: ServerResponse, ctx: CentralContext): Promise<void> {
  if (req.method === 'GET') {
    const list = await ctx.tokens.list();
    for (const problem of list.problems) ctx.warn({ problem }, 'unreadable token record skipped');
    return sendJson(res, 200, list.tokens.map(tokenJson));
  }
  const body = objectBody(await jsonBody(req));
  const policy = policyField(body.policy);
  const expires = body.expires === undefined || body.expires === null || body.expires === '' ? undefined : expiryField(body.expires, false) ?? undefined;
  const created = await ctx.tokens.createToken(policy, expires);
  const expiresAt = created.record.expiresAt ?? null;
  ctx.events.emit('token.created', { token_hash: eventHash(created.record.hash), expires_at: expiresAt });
  sendJson(res, 201, { token: created.token, hash: created.record.hash, expires_at: expiresAt });
}

async function tokenItem(req: IncomingMessage, res: ServerResponse, ctx: CentralContext, hash: string): Promise<void> {
  if (req.method === 'GET') {
    const record = await ctx.tokens.get(hash);
    if (!record) throw new ApiError(404, 'not found');
    return sendJson(res, 200, tokenJson(record));
  }
  if (req.method === 'PATCH') {
    const body = objectBody(await jsonBody(req));
    if (body.policy === undefined && body.expires === undefined) throw new ApiError(400, 'nothing to update: give policy and/or expires');
    const policy = body.policy === undefined ? undefined : policyField(body.policy);
    const expiresAt = body.expires === undefined ? undefined : expiryField(body.expires, true);
    if (!(await ctx.tokens.get(hash))) throw new ApiError(404, 'not found');
    const record = await ctx.tokens.update(hash, { policy, expiresAt });
    ctx.events.emit('token.updated', { token_hash: eventHash(record.hash), expires_at: record.expiresAt ?? null });
    return sendJson(res, 200, tokenJson(record));
  }
  if (req.method === 'DELETE') {
    if (!(await ctx.tokens.get(hash))) throw new ApiError(404, 'not found');
    await ctx.tokens.delete(hash);
    ctx.events.emit('token.deleted', { token_hash: eventHash(hash) });
    return sendJson(res, 200, { status: 'deleted' });
  }
  throw new ApiError(405, 'method not allowed');
}

async function clientsCollection(req: IncomingMessage, res: ServerResponse, ctx: CentralContext): Promise<void> {
  if (req.method === 'GET') return sendJson(res, 200, (await ctx.clients.list()).map(publicRegistration));
  if (req.method !== 'POST') throw new ApiError(405, 'method not allowed');
  const body = await jsonBody(req);
  const fields = (() => {
    try {
      return validateRegistration(body);
    } catch (err) {
      if (err instanceof RegistrationError) throw new ApiError(400, err.message);
      throw err;
    }
  })();
  sendJson(res, 201, publicRegistration(await ctx.clients.register(fields)));
}

async function clientItem(req: IncomingMessage, res: ServerResponse, ctx: CentralContext, id: string): Promise<void> {
  if (req.method === 'GET') {
    const registration = await ctx.clients.get(id);
    if (!registration) throw new ApiError(404, 'not found');
    return sendJson(res, 200, publicRegistration(registration));
  }
  if (req.method === 'DELETE') {
    if (!(await ctx.clients.unregister(id))) throw new ApiError(404, 'delete registration: client not found');
    return sendJson(res, 200, { status: 'deleted' });
  }
  throw new ApiError(405, 'method not allowed');
}

/** The path part after `prefix`, URL-decoded. */
function segment(path: string, prefix: string): string {
  try {
    return decodeURIComponent(path.slice(prefix.length));
  } catch {
    throw new ApiError(400, 'invalid path');
  }
}

async function route(req: IncomingMessage, res: ServerResponse, ctx: CentralContext): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://central').pathname;
  if (path === '/health') {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError(405, 'method not allowed');
    return sendJson(res, 200, { status: 'ok' });
  }
  if (path === '/api/v1/tokens') {
    // As the original: a wrong method on the collection is refused before authentication.
    if (req.method !== 'GET' && req.method !== 'POST') throw new ApiError(405, 'method not allowed');
    checkAuth(req, ctx.apiKey);
    return tokensCollection(req, res, ctx);
  }
  if (path.startsWith('/api/v1/tokens/')) {
    checkAuth(req, ctx.apiKey);
    const hash = segment(path, '/api/v1/tokens/');
    if (!hash) throw new ApiError(400, 'missing token hash');
    return tokenItem(req, res, ctx, hash);
  }
  if (path === '/api/v1/clients') {
    checkAuth(req, ctx.apiKey);
    return clientsCollection(req, res, ctx);
  }
  if (path.startsWith('/api/v1/clients/')) {
    checkAuth(req, ctx.apiKey);
    const id = segment(path, '/api/v1/clients/');
    if (!id) throw new ApiError(404, 'not found');
    return clientItem(req, res, ctx, id);
  }
  throw new ApiError(404, 'not found');
}

/** The request handler: routes, and turns refusals and failures into JSON error bodies. */
export function centralHandler(ctx: CentralContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(req, res, ctx).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof ApiError) {
        // A refused request may not have had its body read; drain it so the connection stays usable.
        req.resume();
        sendJson(res, err.status, { error: err.message }, err.status === 405 ? { allow: allowFor(req.url) } : {});
        return;
      }
      ctx.warn({ err, method: req.method, path: req.url?.split('?')[0] }, 'central server request failed');
      sendJson(res, 500, { error: 'internal error' });
    });
  };
}

function allowFor(url: string | undefined): string {
  const path = (url ?? '').split('?')[0] ?? '';
  if (path === '/api/v1/tokens') return 'GET, POST';
  if (path.startsWith('/api/v1/tokens/')) return 'GET, PATCH, DELETE';
  if (path === '/api/v1/clients') return 'GET, POST';
  if (path.startsWith('/api/v1/clients/')) return 'GET, DELETE';
  return 'GET';
}
