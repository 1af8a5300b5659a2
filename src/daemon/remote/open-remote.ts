// The daemon's side of a central config server from its configuration (`remote.*`): the sync (at start, periodic,
// on pushed events), the inbound webhook route, and the registration of that webhook with the server.
import type { Config } from '../../core/config/types.js';
import type { Loggers } from '../log/logger.js';
import type { CachedTokens } from '../store/token-cache.js';
import type { TokenStore } from '../store/token-store.js';
import type { WebhookRoute } from '../server/routes.js';
import { webhookReceiver } from './receiver.js';
import { RemoteSync } from './sync.js';

export interface RemoteLink {
  /** The inbound webhook route when `remote.webhook.enabled`. */
  readonly webhook?: WebhookRoute;
  /** Registers the webhook with the server (`remote.webhook.auto_register`); call once the listeners answer. */
  register(): Promise<void>;
  close(): Promise<void>;
}

/** Syncs once before returning (a server that cannot be reached is logged; the local tokens serve meanwhile). */
export async function openRemote(config: Config, store: TokenStore, tokens: CachedTokens, logs: Loggers): Promise<RemoteLink> {
  const { remote } = config;
  const sync = remote.url ? new RemoteSync({ config, store, forget: (hash) => tokens.forget(hash), log: logs.app }) : undefined;
  if (sync) {
    await sync.sync().catch((err: Error) => logs.app.warn({ error: err.message }, 'initial token sync failed; serving the local tokens'));
    sync.startPeriodic();
  }
  // Without a server to sync from, an event still means the store changed under the cache.
  const onEvent = () => (sync ? sync.requestSync() : tokens.clear());
  return {
    webhook: remote.webhook.enabled ? { path: remote.webhook.path || '/v1/webhook', receive: webhookReceiver(remote.webhook, onEvent) } : undefined,
    async register() {
      if (!sync || !remote.webhook.auto_register) return;
      if (!remote.webhook.callback_url) {
        logs.app.warn('remote.webhook.auto_register is on but remote.webhook.callback_url is empty; not registering');
        return;
      }
      await sync.register().then(
        (id) => logs.app.info({ id, callback_url: remote.webhook.callback_url }, 'registered with the remote config server for token events'),
        (err: Error) => logs.app.warn({ error: err.message }, 'could not register with the remote config server; token changes arrive with the periodic sync only'),
      );
    },
    close: async () => sync?.close(),
  };
}
