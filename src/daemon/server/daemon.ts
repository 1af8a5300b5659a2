// The long-running process: opens the keys and the token store, starts the HTTP/HTTPS listeners and the
// control API, announces itself in daemon.json, and shuts down gracefully.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { LoadedConfig } from '../config/load-config.js';
import { RecentRequests } from '../../core/stats/recent.js';
import { Stats } from '../../core/stats/stats.js';
import { createAdminRoutes } from '../admin/admin.js';
import { buildDashboard } from '../control/dashboard.js';
import { startControlServer, type ControlServer } from '../control/server.js';
import { removeState, writeState } from '../control/state-file.js';
import { describeKeys, loadKeys } from '../keys/keys.js';
import { createLoggers, type Loggers } from '../log/logger.js';
import { EventHub } from '../events/hub.js';
import { Webhooks } from '../events/webhooks.js';
import { openLimits } from '../limits/open-limits.js';
import { EmbeddedCounters } from '../limits/embedded-counters.js';
import { reconcileCounters } from '../limits/crash-reconcile.js';
import { Ledger } from '../ledger/ledger.js';
import { openRemote } from '../remote/open-remote.js';
import { openMemory } from '../ledger/open-memory.js';
import { ProxyHandler } from '../proxy/handler.js';
import { Upstream } from '../proxy/upstream.js';
import { CachedTokens } from '../store/token-cache.js';
import { LocalTokens } from '../store/token-backend.js';
import { TokenStore } from '../store/token-store.js';
import { loadTlsMaterial, type TlsMaterial } from '../tls/certs.js';
import { DaemonError } from '../errors.js';
import { IdleTrim } from './idle-trim.js';
import { findRunningProxy, listenerUrl } from './probe.js';
import { createRouter } from './routes.js';

/** How long shutdown waits for in-flight requests before closing their connections. */
export const SHUTDOWN_GRACE_MS = 10_000;

export interface Daemon {
  readonly httpUrl?: string;
  readonly httpsUrl?: string;
  readonly tls?: TlsMaterial;
  readonly logs: Loggers;
  /** Stops accepting, lets in-flight requests finish (bounded), then releases everything. */
  shutdown(reason: string): Promise<void>;
}

export interface DaemonOptions {
  readonly version: string;
}

interface Listener {
  readonly server: Server;
  readonly url: string;
  readonly scheme: 'http' | 'https';
  readonly port: number;
}

function listen(server: Server, bind: string, port: number, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', async (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        const running = await findRunningProxy([url]);
        reject(
          new DaemonError(
            running
              ? `proxy already running at ${running}. Use 'tokenomics stop' to stop it or 'tokenomics run' to reuse it`
              : `port ${port} on ${bind} is in use by another program; free it or choose another port (server.http_port / server.https_port)`,
          ),
        );
      } else if (err.code === 'EACCES') {
        reject(new DaemonError(`not allowed to listen on ${bind}:${port}; choose a port above 1023`));
      } else if (err.code === 'EADDRNOTAVAIL') {
        reject(new DaemonError(`cannot listen on ${bind}: no such address on this machine (check server.bind)`));
      } else reject(err);
    });
    server.listen(port, bind, () => resolve());
  });
}

function trackConnections(server: Server, active: Set<Socket>): void {
  // 'connection' carries the TCP socket for HTTPS too, so one event covers both listeners.
  server.on('connection', (socket: Socket) => {
    active.add(socket);
    socket.on('close', () => active.delete(socket));
  });
}

export async function startDaemon(loaded: LoadedConfig, options: DaemonOptions): Promise<Daemon> {
  const { config } = loaded;
  const { server: serverConfig } = config;
  const planned: Array<{ scheme: 'http' | 'https'; port: number; url: string }> = [];
  if (serverConfig.http_port > 0) planned.push({ scheme: 'http', port: serverConfig.http_port, url: listenerUrl('http', serverConfig.bind, serverConfig.http_port) });
  if (serverConfig.tls.enabled && serverConfig.https_port > 0) {
    planned.push({ scheme: 'https', port: serverConfig.https_port, url: listenerUrl('https', serverConfig.bind, serverConfig.https_port) });
  }
  if (!planned.length) throw new DaemonError('no listener is enabled: set server.http_port above 0, or enable server.tls with an https_port');
  const running = await findRunningProxy(planned.map((p) => p.url));
  if (running) throw new DaemonError(`proxy already running at ${running}. Use 'tokenomics stop' to stop it or 'tokenomics run' to reuse it`);

  const logs = createLoggers(config);
  const keys = await loadKeys(config);
  const store = await TokenStore.open(config.storage.db_path, keys);
  const cleanups: Array<() => unknown> = [() => store.close()];
  try {
    const tokens = new CachedTokens(new LocalTokens(store, keys, describeKeys(keys)));
    const tls = planned.some((p) => p.scheme === 'https') ? loadTlsMaterial({ ...serverConfig.tls }) : undefined;
    const stats = new Stats();
    const recent = new RecentRequests();
    const upstream = new Upstream();
    cleanups.push(() => upstream.close());
    const events = new EventHub((err, event) => logs.app.error({ err, event: event.type }, 'an event subscriber failed'));
    if (logs.app.isLevelEnabled('debug')) events.subscribe((event) => logs.app.debug({ event: event.type, data: event.data }, 'event'));
    const webhooks = new Webhooks(events, config.events.webhooks, logs.app);
    // Runs after the listeners and the control API have closed: server.stop is the last event, delivered within
    // the bounded drain. Not emitted when startup itself failed.
    let stopReason: string | undefined;
    cleanups.push(async () => {
      if (stopReason !== undefined) events.emit('server.stop', { reason: stopReason });
      await webhooks.close();
    });
    const limits = await openLimits(config, store, events, logs);
    cleanups.push(() => limits.close());
    const ledger = await Ledger.open(config, {
      cwd: process.cwd(),
      warn: (message) => logs.app.warn(message),
      info: (message) => logs.app.info(message),
    });
    if (ledger) cleanups.push(() => ledger.close());
    if (limits.settings.store instanceof EmbeddedCounters) {
      const added = await reconcileCounters(limits.settings.store, ledger?.recovered ?? [], tokens);
      if (added) logs.app.info({ requests: added }, 'budget counters caught up with requests journaled before a crash');
    }
    const memory = openMemory(config, ledger, logs);
    cleanups.push(() => memory.close());
    const proxy = new ProxyHandler({ config, catalog: loaded.catalog, hashKey: keys.hashKey, tokens, upstream, stats, logs, env: process.env, events, limits, ledger, memory: memory.writers, recent });
    const remote = await openRemote(config, store, tokens, logs);
    cleanups.push(() => remote.close());
    // The dashboard's and the admin page's ledger reads: a warning (a damaged session file) is logged once, not per fetch.
    const ledgerWarnings = new Set<string>();
    const warnOnce = (message: string) => {
      if (ledgerWarnings.has(message)) return;
      ledgerWarnings.add(message);
      logs.app.warn(message);
    };
    const ports = { http: 0, https: 0 };
    const admin = config.admin.enabled
      ? createAdminRoutes(
          { config, version: options.version, tokens, events, stats, recent, limits, sessionId: ledger?.sessionId, env: process.env, ports: () => ports, warn: warnOnce },
          (err) => logs.app.error({ error: err.message }, 'admin request failed'),
        )
      : undefined;
    const router = createRouter(proxy, stats, remote.webhook, admin);

    const active = new Set<Socket>();
    const listeners: Listener[] = [];
    const trim = new IdleTrim();
    cleanups.push(() => trim.close());
    for (const plan of planned) {
      const server = plan.scheme === 'https' ? createHttpsServer({ cert: tls!.cert, key: tls!.key, minVersion: 'TLSv1.2' }, router) : createHttpServer(router);
      server.keepAliveTimeout = 65_000;
      server.on('request', trim.track);
      trackConnections(server, active);
      await listen(server, serverConfig.bind, plan.port, plan.url);
      const { port } = server.address() as AddressInfo;
      listeners.push({ server, url: listenerUrl(plan.scheme, serverConfig.bind, port), scheme: plan.scheme, port });
      ports[plan.scheme] = port;
      cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    }
    const startedAt = new Date().toISOString();
    const httpUrl = listeners.find((l) => l.url.startsWith('http:'))?.url;
    const httpsUrl = listeners.find((l) => l.url.startsWith('https:'))?.url;
    const dashboardDeps = {
      dir: config.dir,
      version: options.version,
      startedAt,
      httpUrl,
      httpsUrl,
      keys: describeKeys(keys),
      stats,
      recent,
      tokens,
      limits,
      sessionId: ledger?.sessionId,
      warn: warnOnce,
    };
    const dashboard = { recent, snapshot: () => buildDashboard(dashboardDeps) };
    const control: ControlServer = await startControlServer(
      tokens,
      events,
      async () => ({ pid: process.pid, started_at: startedAt, tokens: await store.count(), keys: describeKeys(keys) }),
      dashboard,
    );
    cleanups.push(() => control.close());
    writeState(config.dir, {
      pid: process.pid,
      version: options.version,
      started_at: startedAt,
      control_url: control.url,
      control_secret: control.secret,
      http_url: httpUrl,
      https_url: httpsUrl,
      ca_file: tls?.caFile,
      db_path: config.storage.db_path,
    });
    cleanups.push(() => removeState(config.dir));
    await remote.register();
    logs.app.info(
      { http: httpUrl, https: httpsUrl, ca_file: tls?.caFile, keys: describeKeys(keys), version: options.version, session: ledger?.sessionId, counters: limits.settings.store.description },
      'tokenomics proxy started',
    );
    const portOf = (scheme: Listener['scheme']) => listeners.find((l) => l.scheme === scheme)?.port ?? 0;
    events.emit('server.start', {
      http_port: portOf('http'),
      https_port: portOf('https'),
      tls: Boolean(httpsUrl),
      upstream: serverConfig.upstream_url,
    });

    let stopping: Promise<void> | undefined;
    const shutdown = (reason: string): Promise<void> => {
      stopping ??= (async () => {
        logs.app.info({ reason }, 'shutting down: finishing in-flight requests');
        stopReason = reason;
        for (const { server } of listeners) {
          server.close();
          server.closeIdleConnections();
        }
        admin?.close();
        const deadline = Date.now() + SHUTDOWN_GRACE_MS;
        while (active.size > 0 && Date.now() < deadline) {
          for (const { server } of listeners) server.closeIdleConnections();
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        if (active.size > 0) {
          logs.app.warn({ connections: active.size }, 'grace period over; closing the remaining connections');
          for (const socket of active) socket.destroy();
        }
        await runCleanups(cleanups);
        logs.app.info('tokenomics proxy stopped');
        logs.flush();
      })();
      return stopping;
    };
    return { httpUrl, httpsUrl, tls, logs, shutdown };
  } catch (err) {
    await runCleanups(cleanups);
    logs.flush();
    throw err;
  }
}

async function runCleanups(cleanups: Array<() => unknown>): Promise<void> {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch {
      // best effort: the others must still run
    }
  }
}
