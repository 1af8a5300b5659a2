// Where the dashboard's data comes from: a running daemon (./daemon-source.ts) or, in tests and examples, fixtures.
import type { DashboardSnapshot } from '../core/stats/dashboard.js';

export type DashboardData =
  | { readonly state: 'connecting' }
  /** `live`: the event stream is open, so updates arrive within a second of each request. */
  | { readonly state: 'running'; readonly snapshot: DashboardSnapshot; readonly live: boolean }
  /** No daemon answers for this dir: why, and what the plain report knows (key backend, token count). */
  | { readonly state: 'stopped'; readonly reason: string; readonly keys: string; readonly tokens: string }
  | { readonly state: 'starting' }
  | { readonly state: 'error'; readonly message: string };

export interface DashboardSource {
  /** Starts delivering data (the first call soon); the returned function stops everything. */
  connect(onData: (data: DashboardData) => void): () => void;
  /** Starts the daemon as `tokenomics start` does, then connects; absent when the dashboard cannot start one. */
  readonly start?: () => Promise<void>;
}

/** A source that always shows the same data (tests, examples). */
export function fixedSource(data: DashboardData, start?: () => Promise<void>): DashboardSource {
  return { connect: (onData) => (onData(data), () => undefined), ...(start ? { start } : {}) };
}
