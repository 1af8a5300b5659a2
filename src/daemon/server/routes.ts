// The listeners' request router: the daemon's own endpoints first, everything else to the proxy.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Stats } from '../../core/stats/stats.js';
import type { ProxyHandler } from '../proxy/handler.js';
import { sendJson } from '../http/io.js';

/** The inbound webhook of `remote.webhook`, when enabled. */
export interface WebhookRoute {
  readonly path: string;
  readonly receive: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

export function createRouter(proxy: ProxyHandler, stats: Stats, webhook?: WebhookRoute) {
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
