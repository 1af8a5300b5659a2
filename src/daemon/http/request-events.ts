// Server-sent events of finished requests (`event: request`, data: a RecentRequest), for the terminal dashboard
// (control API `GET /events`) and the admin page's live view (`GET /admin/api/live`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RecentRequest, RecentRequests } from '../../core/stats/recent.js';

/** A comment line every so often keeps an idle event stream from looking dead to proxies and to the client. */
export const EVENTS_HEARTBEAT_MS = 15_000;

export interface StreamOptions {
  /** Extra response headers (the admin routes' security headers). */
  readonly headers?: Record<string, string>;
  /** Send the requests already in the buffer first, oldest first, so a new viewer does not start empty. */
  readonly backlog?: boolean;
}

const frame = (request: RecentRequest) => `event: request\ndata: ${JSON.stringify(request)}\n\n`;

export function streamRequestEvents(req: IncomingMessage, res: ServerResponse, recent: RecentRequests, options: StreamOptions = {}): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', ...options.headers });
  res.write(': connected\n\n');
  if (options.backlog) for (const request of recent.list().reverse()) res.write(frame(request));
  const unsubscribe = recent.subscribe((request) => res.write(frame(request)));
  const heartbeat = setInterval(() => res.write(': ping\n\n'), EVENTS_HEARTBEAT_MS);
  heartbeat.unref();
  const stop = () => {
    clearInterval(heartbeat);
    unsubscribe();
  };
  req.on('close', stop);
  res.on('close', stop);
}
