// The admin API's route table: `/admin/api/...` paths to handlers, with 404 for unknown paths and 405 (and Allow)
// for known paths asked with another method. The small read-only routes live here; the larger views have a file each.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { z } from 'zod';
import { policySchema } from '../../core/policy/schema.js';
import type { AdminContext, AdminState } from './context.js';
import { createKey, deleteKey, getKey, listKeys, updateKey } from './keys-routes.js';
import { listMemoryFiles, readMemoryFile } from './memory-files.js';
import { AdminError, sendAdminJson } from './respond.js';
import { getSessionRoute, listSessionsRoute } from './sessions-routes.js';
import { analyticsSeries, analyticsSummary, usageForToken, usageSummary } from './usage-routes.js';

type Handler = (ctx: AdminState, req: IncomingMessage, res: ServerResponse, param: string, query: URLSearchParams) => Promise<void> | void;

interface Route {
  readonly pattern: RegExp;
  readonly methods: Readonly<Record<string, Handler>>;
}

function health(ctx: AdminContext, _req: IncomingMessage, res: ServerResponse): void {
  const ports = ctx.ports();
  const auth = ctx.config.admin.auth;
  sendAdminJson(res, 200, {
    status: 'ok',
    version: ctx.version,
    http_port: ports.http,
    https_port: ports.https,
    tls_enabled: ports.https > 0,
    admin: { enabled: true, auth_required: Boolean(auth.username && auth.password) },
    ledger_enabled: ctx.config.ledger.enabled,
  });
}

function envVars(ctx: AdminContext, _req: IncomingMessage, res: ServerResponse): void {
  const names = [...new Set(Object.keys(ctx.env).filter((name) => ctx.env[name] !== undefined))].sort();
  sendAdminJson(res, 200, { env_vars: names });
}

let schemaCache: unknown;
function policyJsonSchema(_ctx: AdminContext, _req: IncomingMessage, res: ServerResponse): void {
  // What the editor may type: the input side of the schema (defaults optional), refinements left to the server.
  schemaCache ??= z.toJSONSchema(policySchema, { io: 'input', unrepresentable: 'any' });
  sendAdminJson(res, 200, schemaCache);
}

function live(ctx: AdminState, req: IncomingMessage, res: ServerResponse): void {
  ctx.live.open(req, res);
}

const memoryDir = (ctx: AdminContext) => join(ctx.config.dir, 'memory');

async function memoryFiles(ctx: AdminContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const files = await listMemoryFiles(memoryDir(ctx));
  sendAdminJson(res, 200, { count: files.length, files });
}

async function memoryFile(ctx: AdminContext, _req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  sendAdminJson(res, 200, await readMemoryFile(memoryDir(ctx), path));
}

const ROUTES: readonly Route[] = [
  { pattern: /^health$/, methods: { GET: health } },
  { pattern: /^analytics\/summary$/, methods: { GET: analyticsSummary } },
  { pattern: /^analytics\/series$/, methods: { GET: (ctx, req, res, _p, q) => analyticsSeries(ctx, req, res, q) } },
  { pattern: /^live$/, methods: { GET: live } },
  { pattern: /^(?:keys|tokens)$/, methods: { GET: listKeys, POST: createKey } },
  { pattern: /^(?:keys|tokens)\/([^/]+)$/, methods: { GET: getKey, PUT: updateKey, DELETE: deleteKey } },
  { pattern: /^policy\/schema$/, methods: { GET: policyJsonSchema } },
  { pattern: /^env-vars$/, methods: { GET: envVars } },
  { pattern: /^sessions$/, methods: { GET: (ctx, req, res, _p, q) => listSessionsRoute(ctx, req, res, q) } },
  { pattern: /^sessions\/([^/]+)$/, methods: { GET: getSessionRoute } },
  { pattern: /^memory\/files$/, methods: { GET: memoryFiles } },
  // Everything after files/ (even empty, or with `..`) reaches the handler, which refuses what is not a safe path.
  { pattern: /^memory\/files\/(.*)$/s, methods: { GET: memoryFile } },
  { pattern: /^usage\/summary$/, methods: { GET: usageSummary } },
  { pattern: /^usage\/tokens\/([^/]+)$/, methods: { GET: usageForToken } },
];

/** `path` is the raw (still percent-encoded) path after `/admin/api/`. */
export async function routeApi(ctx: AdminState, req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    const handler = route.methods[method];
    if (!handler) {
      const allow = Object.keys(route.methods).join(', ');
      throw new AdminError(405, `method ${method} is not allowed on /admin/api/${path}; use ${allow}`, {}, { allow });
    }
    return handler(ctx, req, res, match[1] ?? '', query);
  }
  throw new AdminError(404, `no admin route ${method} /admin/api/${path.slice(0, 200)}`);
}
