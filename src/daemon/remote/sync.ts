// The proxy side of a central config server (`remote.*`): the server's tokens mirrored into the local store at start,
// every `remote.sync` seconds, and soon after the server pushes a token event; this proxy's webhook registered with the
// server at start and removed at shutdown. A mirror: tokens the server deleted go from the proxies that synced them;
// tokens created locally are kept (they carry no `remote` origin).
import { Agent, request } from 'undici';
import type { Config } from '../../core/config/types.js';
import { parsePolicy } from '../../core/policy/parse.js';
import type { TokenStore } from '../store/token-store.js';

/** A token as the server lists it (reference 11.1). */
interface RemoteToken {
  readonly token_hash: string;
  readonly policy: string;
  readonly created_at: string;
  readonly expires_at?: string;
}

export interface SyncResult {
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  readonly skipped: number;
}

export interface SyncLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

/** Events arriving closer together than this are one sync, run after the last of them. */
const COALESCE_MS = 100;
const TIMEOUT_MS = 30_000;

export class RemoteSyncError extends Error {}

export class RemoteSync {
  readonly #remote: Config['remote'];
  readonly #base: string;
  readonly #store: TokenStore;
  readonly #forget: (hash: string) => void;
  readonly #log: SyncLog;
  readonly #agent: Agent;
  #timer?: NodeJS.Timeout;
  #interval?: NodeJS.Timeout;
  #running?: Promise<void>;
  #again = false;
  #registration?: string;
  #closed = false;

  constructor(options: { config: Config; store: TokenStore; forget: (hash: string) => void; log: SyncLog }) {
    this.#remote = options.config.remote;
    this.#base = options.config.remote.url.replace(/\/+$/, '');
    this.#store = options.store;
    this.#forget = options.forget;
    this.#log = options.log;
    this.#agent = new Agent({ connect: { rejectUnauthorized: !this.#remote.insecure, timeout: 10_000 } });
  }

  async #call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: object): Promise<{ status: number; json: unknown }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#remote.api_key) headers.authorization = `Bearer ${this.#remote.api_key}`;
    if (body) headers['content-type'] = 'application/json';
    const url = `${this.#base}${path}`;
    try {
      const res = await request(url, {
        method,
        headers,
        body: body ? JSON.stringify(body) : undefined,
        dispatcher: this.#agent,
        headersTimeout: TIMEOUT_MS,
        bodyTimeout: TIMEOUT_MS,
      });
      const text = await res.body.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.statusCode, json };
    } catch (err) {
      throw new RemoteSyncError(`cannot reach the remote config server at ${this.#base} (remote.url): ${(err as Error).message}`);
    }
  }

  /** Mirrors the server's tokens into the store now. */
  async sync(): Promise<SyncResult> {
    const { status, json } = await this.#call('GET', '/api/v1/tokens');
    if (status !== 200 || !Array.isArray(json)) {
      const reason = status === 401 || status === 403 ? 'check remote.api_key' : 'is it a Tokenomics remote server?';
      throw new RemoteSyncError(`the remote config server at ${this.#base} answered ${status} to GET /api/v1/tokens; ${reason}`);
    }
    const remote = new Map<string, RemoteToken>();
    for (const item of json as RemoteToken[]) {
      if (item && typeof item.token_hash === 'string' && typeof item.policy === 'string') remote.set(item.token_hash, item);
    }
    const local = new Map((await this.#store.list()).tokens.map((t) => [t.hash, t]));
    let created = 0;
    let updated = 0;
    let deleted = 0;
    let skipped = 0;
    for (const [hash, token] of remote) {
      let policy;
      try {
        policy = parsePolicy(token.policy);
      } catch (err) {
        skipped += 1;
        this.#log.warn({ token_hash: hash.slice(0, 8), error: (err as Error).message }, 'skipped a remote token whose policy does not validate');
        continue;
      }
      const mine = local.get(hash);
      const expiresAt = token.expires_at || undefined;
      if (mine && mine.origin === 'remote' && mine.policyRaw === policy.raw && mine.expiresAt === expiresAt) continue;
      await this.#store.mirror(hash, policy, token.created_at, expiresAt);
      this.#forget(hash);
      if (mine) updated += 1;
      else created += 1;
    }
    for (const [hash, mine] of local) {
      if (mine.origin !== 'remote' || remote.has(hash)) continue;
      await this.#store.delete(hash);
      this.#forget(hash);
      deleted += 1;
    }
    const result = { created, updated, deleted, skipped };
    if (created || updated || deleted) this.#log.info({ ...result }, 'synced tokens from the remote config server');
    return result;
  }

  /** A sync soon: events arriving in a burst end in one sync after the last; one during a sync causes one more after it. */
  requestSync(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#runQueued();
    }, COALESCE_MS);
  }

  async #runQueued(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.sync().then(
      () => undefined,
      (err: unknown) => this.#log.warn({ error: (err as Error).message }, 'token sync failed; retrying at the next event or interval'),
    );
    await this.#running;
    this.#running = undefined;
    if (this.#again && !this.#closed) {
      this.#again = false;
      await this.#runQueued();
    }
  }

  /** Syncs every `remote.sync` seconds (0: never). */
  startPeriodic(): void {
    if (this.#remote.sync > 0) this.#interval = setInterval(() => void this.#runQueued(), this.#remote.sync * 1000).unref();
  }

  /** Registers this proxy's webhook with the server (`remote.webhook.auto_register`); returns the registration id. */
  async register(): Promise<string> {
    const { webhook } = this.#remote;
    const { status, json } = await this.#call('POST', '/api/v1/clients', {
      url: webhook.callback_url,
      events: ['token.*'],
      ...(webhook.secret ? { secret: webhook.secret } : {}),
      ...(webhook.signing_key ? { signing_key: webhook.signing_key } : {}),
      ...(webhook.insecure ? { insecure: true } : {}),
    });
    const id = (json as { id?: unknown } | undefined)?.id;
    if (status !== 201 || typeof id !== 'string') {
      throw new RemoteSyncError(`the remote config server refused to register ${webhook.callback_url} (status ${status}${errorText(json)})`);
    }
    this.#registration = id;
    return id;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearInterval(this.#interval);
    await this.#running;
    if (this.#registration) {
      const id = this.#registration;
      this.#registration = undefined;
      await this.#call('DELETE', `/api/v1/clients/${encodeURIComponent(id)}`).then(
        ({ status }) => status === 200 || this.#log.warn({ status }, 'the remote config server did not remove this proxy\'s registration'),
        (err: unknown) => this.#log.warn({ error: (err as Error).message }, 'could not remove this proxy\'s registration'),
      );
    }
    await this.#agent.close();
  }
}

function errorText(json: unknown): string {
  const error = (json as { error?: unknown } | undefined)?.error;
  return typeof error === 'string' ? `: ${error}` : '';
}
