// What the admin handlers work with: the daemon's own objects, shared with the proxy and the control API.
import type { Config } from '../../core/config/types.js';
import type { EventSink } from '../../core/events/types.js';
import type { RecentRequests } from '../../core/stats/recent.js';
import type { Stats } from '../../core/stats/stats.js';
import { loadLedger, type LedgerSession } from '../ledger/ledger-index.js';
import type { UsageLimits } from '../limits/usage-limits.js';
import type { TokenBackend } from '../store/token-backend.js';
import type { LiveStreams } from './live.js';

export interface AdminContext {
  readonly config: Config;
  readonly version: string;
  readonly tokens: TokenBackend;
  readonly events: EventSink;
  readonly stats: Stats;
  readonly recent: RecentRequests;
  readonly limits: UsageLimits;
  /** The running session's id; undefined when the ledger is off. */
  readonly sessionId?: string;
  /** The daemon's environment: only its variable names are ever shown. */
  readonly env: NodeJS.ProcessEnv;
  /** The listeners' ports once they listen (0 for one that is off). */
  readonly ports: () => { readonly http: number; readonly https: number };
  /** Ledger problems (a damaged session file), logged once each. */
  readonly warn: (message: string) => void;
}

/** The context plus what the admin routes keep while the daemon runs. */
export interface AdminState extends AdminContext {
  readonly live: LiveStreams;
}

/** Every readable session of the ledger directory, the running one's journal included, in file order. */
export async function ledgerSessions(ctx: AdminContext): Promise<LedgerSession[]> {
  return (await loadLedger(ctx.config.dir, ctx.warn)).sessions;
}
