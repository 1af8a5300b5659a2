// The Live view's event streams (`GET /admin/api/live`): each open page holds one; the daemon ends them all when it
// shuts down, so an open browser tab does not hold the shutdown for its whole grace period.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RecentRequests } from '../../core/stats/recent.js';
import { streamRequestEvents } from '../http/request-events.js';
import { API_HEADERS } from './respond.js';

export class LiveStreams {
  readonly #open = new Set<ServerResponse>();
  constructor(readonly recent: RecentRequests) {}

  open(req: IncomingMessage, res: ServerResponse): void {
    this.#open.add(res);
    res.on('close', () => this.#open.delete(res));
    streamRequestEvents(req, res, this.recent, { headers: API_HEADERS, backlog: true });
  }

  get size(): number {
    return this.#open.size;
  }

  closeAll(): void {
    for (const res of this.#open) res.end();
    this.#open.clear();
  }
}
