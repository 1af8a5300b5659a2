// The listeners' request router: the daemon's own endpoints first, everything else to the proxy.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Stats } from '../../core/stats/stats.js';
import type { ProxyHandler } from '../proxy/handler.js';
import type { AdminRoutes } from '../admin/admin.js';
import { isLoopback, sendJson } from '../http/io.js';

/** The inbound webhook of `remote.webhook`, when enabled. */
export interface WebhookRoute {
  readonly path: string;
  readonly receive: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

export function createRouter(proxy: ProxyHandler, stats: Stats, webhook?: WebhookRoute, admin?: AdminRoutes) {
  return function route(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?', 1)[0];
    const method = req.method ?? 'GET';
    if (path === '/ping' && (method === 'GET' || method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 1 });
      res.end(method === 'HEAD' ? undefined : '.');
      return;
    }
    if (path === '/health' && method === 'GET') return sendJson(res, 200, '{"status":"ok"}');
    if (path === '/stats' && method === 'GET') return sendJson(res, 200, `${JSON.stringify(stats.snapshot(), null, 2)}\n`);
    if (admin) {
      if (admin.owns(path ?? '')) return admin.handle(req, res);
      // The bare listener URL opens the admin page for a browser on this machine.
      if (path === '/' && (method === 'GET' || method === 'HEAD') && isLoopback(req)) {
        res.writeHead(302, { location: '/admin/', 'content-length': 0 });
        res.end();
        return;
      }
    }
    if (webhook && path === webhook.path) {
      void webhook.receive(req, res);
      return;
    }
    if (method === 'GET' && (path === '/v1/tokenomics/key' || path === '/key/info')) {
      void proxy.keyInfo(req, res, randomUUID(), path === '/key/info' ? 'litellm' : 'tokenomics');
      return;
    }
    void proxy.handle(req, res, randomUUID());
  };
}
