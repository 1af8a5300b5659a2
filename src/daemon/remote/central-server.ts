// `tokenomics remote`: the central config server. It owns the token database (storage.db_path) while it runs,
// serves the tokens to proxies that sync from it, manages them over its API, keeps a registry of clients in the
// same LevelDB, and pushes token events to every registered client and to the configured webhooks.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../../core/config/types.js';
import { DaemonError } from '../errors.js';
import { EventHub } from '../events/hub.js';
import { Webhooks, WEBHOOK_DRAIN_MS } from '../events/webhooks.js';
import { describeKeys, loadKeys } from '../keys/keys.js';
import { createLoggers } from '../log/logger.js';
import { LocalTokens } from '../store/token-backend.js';
import { TokenStore } from '../store/token-store.js';
import { centralHandler } from './central-routes.js';
import { ClientRegistry } from './client-registry.js';

export const DEFAULT_REMOTE_ADDR = ':9090';

export interface CentralServerOptions {
  readonly config: Config;
  /** `host:port`, `[v6]:port` or `:port`; a bare `:port` listens on 127.0.0.1 only. */
  readonly addr: string;
  /** Empty: the API is open to anyone who can reach it. */
  readonly apiKey: string;
  readonly version: string;
}

export interface CentralServer {
  readonly url: string;
  readonly port: number;
  /** Stops listening, drains pending deliveries for a bounded time, closes the database. Idempotent. */
  shutdown(reason?: string): Promise<void>;
}

/**
 * Splits an --addr value. Unlike Go's `:9090` (every interface), a bare port binds loopback: exposing the token
 * API to the network must be a deliberate `0.0.0.0:9090` (or a specific address).
 */
export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new DaemonError(`invalid --addr "${addr}": use host:port, [ipv6]:port or :port (e.g. :9090, 0.0.0.0:9090)`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startCentralServer(options: CentralServerOptions): Promise<CentralServer> {
  const { config, apiKey } = options;
  const { host, port } = parseAddr(options.addr);
  const logs = createLoggers(config);
  const keys = await loadKeys(config);
  const store = await TokenStore.open(config.storage.db_path, keys);
  const events = new EventHub((err, event) => logs.app.error({ err, event: event.type }, 'an event subscriber failed'));
  const webhooks = new Webhooks(events, config.events.webhooks, logs.app);
  let clients: ClientRegistry | undefined;
  let server: Server | undefined;
  try {
    clients = await ClientRegistry.open(store.area('clients'), keys.encryptionKey, events, logs.app);
    const tokens = new LocalTokens(store, keys, describeKeys(keys));
    server = createServer(
      centralHandler({ tokens, clients, events, apiKey, warn: (fields, message) => logs.app.warn(fields, message) }),
    );
    server.requestTimeout = 10_000;
    server.headersTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      server!.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'EADDRINUSE' ? new DaemonError(`${options.addr} is already in use: choose another --addr`) : err),
      );
      server!.listen(port, host, () => resolve());
    });
    const bound = (server.address() as AddressInfo).port;
    const url = `http://${urlHost(host)}:${bound}`;
    logs.app.info(
      { url, version: options.version, clients: clients.size, webhooks: webhooks.labels.length, auth: apiKey ? 'api key' : 'none' },
      'remote config server started',
    );

    let done: Promise<void> | undefined;
    const listening = server;
    const registry = clients;
    return {
      url,
      port: bound,
      shutdown(reason = 'shutdown') {
        done ??= (async () => {
          logs.app.info({ reason }, 'remote config server stopping');
          await new Promise<void>((resolve) => {
            listening.close(() => resolve());
            // Idle keep-alive connections would hold close() open; requests in flight get a moment to finish.
            listening.closeIdleConnections();
            setTimeout(() => listening.closeAllConnections(), 2_000).unref();
          });
          const deadline = Date.now() + WEBHOOK_DRAIN_MS;
          const [pushed] = await Promise.all([registry.close(deadline), webhooks.close()]);
          const lost = pushed.failed + pushed.dropped + pushed.undelivered;
          (lost ? logs.app.warn : logs.app.info).call(logs.app, { ...pushed }, `client pushes stopped: ${pushed.delivered} delivered, ${lost} not delivered`);
          await store.close();
          logs.flush();
        })();
        return done;
      },
    };
  } catch (err) {
    server?.close();
    await clients?.close(Date.now());
    await webhooks.close();
    await store.close();
    throw err;
  }
}
