// The admin page and API on the proxy listeners (`/admin`, `/admin/assets/*`, `/admin/api/*`): every request passes
// the guard first, then goes to the page, its assets or the API. Failures answer `{"error":"…"}`; an unexpected one
// is logged without the request's headers or body and answered 500, and the daemon goes on serving.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../../core/proxy/errors.js';
import { routeApi } from './api-routes.js';
import type { AdminContext, AdminState } from './context.js';
import { basicAuth, refuse } from './guard.js';
import { keyError } from './keys-routes.js';
import { LiveStreams } from './live.js';
import { AdminError, sendAdminError } from './respond.js';
import { StaticFiles, webDir } from './static-files.js';

export type { AdminContext } from './context.js';

export interface AdminRoutes {
  /** Whether a path belongs to the admin routes. */
  owns(path: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Ends the open live streams (at shutdown). */
  close(): void;
}

export function createAdminRoutes(context: AdminContext, onError: (err: Error) => void, files = new StaticFiles(webDir(context.env))): AdminRoutes {
  const ctx: AdminState = { ...context, live: new LiveStreams(context.recent) };
  const auth = basicAuth(ctx.config.admin.auth);

  async function serve(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    const api = path === '/admin/api' || path.startsWith('/admin/api/');
    const refusal = refuse(req, { auth, api });
    if (refusal) {
      req.resume();
      return sendAdminError(res, refusal.status, refusal.error, {}, refusal.headers);
    }
    if (api) return routeApi(ctx, req, res, path.slice('/admin/api/'.length), query);
    const method = (req.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') {
      req.resume();
      throw new AdminError(405, `method ${method} is not allowed on the admin page; use GET`, {}, { allow: 'GET, HEAD' });
    }
    if (path.startsWith('/admin/assets/')) return files.asset(req, res, path.slice('/admin/assets/'.length));
    return files.page(req, res);
  }

  return {
    close: () => ctx.live.closeAll(),
    owns: (path) => path === '/admin' || path.startsWith('/admin/'),
    handle(req, res) {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
      serve(req, res, path, query).catch((err: unknown) => {
        const known = err instanceof AdminError ? err : keyError(err);
        if (known) return sendAdminError(res, known.status, known.message, known.extra, known.headers);
        if (err instanceof GatewayError) return sendAdminError(res, err.status, err.message);
        onError(err as Error);
        sendAdminError(res, 500, 'internal error; the daemon log has the details');
      });
    },
  };
}
