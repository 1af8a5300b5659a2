// The central server's client registry: proxies (or anything else) that want token events pushed to them.
// One JSON record per registration in a key space of the token database, sealed with the encryption key like
// the policies (a registration holds the receiver's secret and signing key). Each registration gets its own
// WebhookDeliverer fed by the event hub; deleting the registration closes it.
import { randomBytes } from 'node:crypto';
import type { WebhookConfig } from '../../core/config/types.js';
import { seal, unseal } from '../../core/tokens/seal.js';
import type { EventHub } from '../events/hub.js';
import { WebhookDeliverer, type DeliveryCounts, type WebhookLog } from '../events/webhook-deliverer.js';
import type { KeyValueArea } from '../store/token-store.js';

/** Events a registration receives when it names none. */
export const DEFAULT_CLIENT_EVENTS: readonly string[] = ['token.*'];
/** Seconds a registered client has to answer one delivery, as the original. */
const CLIENT_TIMEOUT_S = 10;
/** How long closing an unregistered client's queue may take (in the background). */
const UNREGISTER_DRAIN_MS = 2_000;

export interface ClientRegistration {
  readonly id: string;
  readonly url: string;
  readonly secret: string;
  readonly signing_key: string;
  readonly events: string[];
  readonly insecure: boolean;
  readonly created_at: string;
}

/** What list/get/create answer with: never the secrets, only whether they are set. */
export interface PublicRegistration {
  readonly id: string;
  readonly url: string;
  readonly events: string[];
  readonly insecure: boolean;
  readonly created_at: string;
  readonly has_secret: boolean;
  readonly has_signing_key: boolean;
}

/** A request the API refuses with 400; the message is the reference's error text. */
export class RegistrationError extends Error {}

export function publicRegistration(r: ClientRegistration): PublicRegistration {
  return {
    id: r.id,
    url: r.url,
    events: r.events,
    insecure: r.insecure,
    created_at: r.created_at,
    has_secret: r.secret !== '',
    has_signing_key: r.signing_key !== '',
  };
}

type NewRegistration = Omit<ClientRegistration, 'id' | 'created_at'>;

/** Checks a POST body with the reference's messages (`url is required`, `invalid url scheme: ftp`, …). */
export function validateRegistration(body: unknown): NewRegistration {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new RegistrationError('invalid json');
  const b = body as Record<string, unknown>;
  const optionalString = (key: string): string => {
    const value = b[key];
    if (value === undefined || value === null) return '';
    if (typeof value !== 'string') throw new RegistrationError('invalid json');
    return value;
  };
  const url = optionalString('url');
  const secret = optionalString('secret');
  const signingKey = optionalString('signing_key');
  let events: string[] = [];
  if (b.events !== undefined && b.events !== null) {
    if (!Array.isArray(b.events) || b.events.some((e) => typeof e !== 'string')) throw new RegistrationError('invalid json');
    events = (b.events as string[]).map((e) => e.trim()).filter(Boolean);
  }
  if (b.insecure !== undefined && b.insecure !== null && typeof b.insecure !== 'boolean') throw new RegistrationError('invalid json');
  if (!url) throw new RegistrationError('url is required');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // WHATWG URL refuses `http://` without a host outright; report it the way the original did.
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
    if (scheme && scheme !== 'http' && scheme !== 'https') throw new RegistrationError(`invalid url scheme: ${scheme}`);
    if (scheme) throw new RegistrationError('invalid url: host is required');
    throw new RegistrationError(`invalid url scheme: ${scheme ?? ''}`);
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (scheme !== 'http' && scheme !== 'https') throw new RegistrationError(`invalid url scheme: ${scheme}`);
  if (!parsed.hostname) throw new RegistrationError('invalid url: host is required');
  return {
    url,
    secret,
    signing_key: signingKey,
    events: events.length ? events : [...DEFAULT_CLIENT_EVENTS],
    insecure: b.insecure === true,
  };
}

export class ClientRegistry {
  readonly #area: KeyValueArea;
  readonly #key: Buffer;
  readonly #hub: EventHub;
  readonly #log: WebhookLog;
  readonly #deliverers = new Map<string, { deliverer: WebhookDeliverer; unsubscribe: () => void }>();
  readonly #closing = new Set<Promise<DeliveryCounts>>();
  #next = 0;

  private constructor(area: KeyValueArea, encryptionKey: Buffer, hub: EventHub, log: WebhookLog) {
    this.#area = area;
    this.#key = encryptionKey;
    this.#hub = hub;
    this.#log = log;
  }

  /** Opens the registry and starts a deliverer for every stored registration. Unreadable records are skipped. */
  static async open(area: KeyValueArea, encryptionKey: Buffer, hub: EventHub, log: WebhookLog): Promise<ClientRegistry> {
    const registry = new ClientRegistry(area, encryptionKey, hub, log);
    for (const registration of await registry.list()) registry.#start(registration);
    return registry;
  }

  get size(): number {
    return this.#deliverers.size;
  }

  #decode(id: string, text: string): ClientRegistration {
    return JSON.parse(unseal(this.#key, text, `client:${id}`)) as ClientRegistration;
  }

  async list(): Promise<ClientRegistration[]> {
    const out: ClientRegistration[] = [];
    for await (const [id, text] of this.#area.iterator()) {
      try {
        out.push(this.#decode(id, text));
      } catch (err) {
        this.#log.warn({ client: id, reason: (err as Error).message }, 'unreadable client registration skipped');
      }
    }
    return out;
  }

  async get(id: string): Promise<ClientRegistration | undefined> {
    const text = await this.#area.get(id);
    return text === undefined ? undefined : this.#decode(id, text);
  }

  async register(fields: NewRegistration): Promise<ClientRegistration> {
    const registration: ClientRegistration = {
      id: `cl_${randomBytes(8).toString('hex')}`,
      ...fields,
      created_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    const text = seal(this.#key, JSON.stringify(registration), `client:${registration.id}`);
    await this.#area.batch([{ type: 'put', key: registration.id, value: text }]);
    this.#start(registration);
    return registration;
  }

  /** False when there is no such registration. */
  async unregister(id: string): Promise<boolean> {
    if ((await this.#area.get(id)) === undefined) return false;
    await this.#area.batch([{ type: 'del', key: id }]);
    const running = this.#deliverers.get(id);
    if (running) {
      this.#deliverers.delete(id);
      running.unsubscribe();
      // Whatever is already queued for it still gets a short chance; the response does not wait for it.
      const closing = running.deliverer.close(Date.now() + UNREGISTER_DRAIN_MS);
      this.#closing.add(closing);
      void closing.finally(() => this.#closing.delete(closing));
    }
    return true;
  }

  #start(registration: ClientRegistration): void {
    const config: WebhookConfig = {
      url: registration.url,
      secret: registration.secret,
      signing_key: registration.signing_key,
      events: registration.events,
      timeout: CLIENT_TIMEOUT_S,
      insecure: registration.insecure,
    };
    let deliverer: WebhookDeliverer;
    try {
      deliverer = new WebhookDeliverer(config, this.#next++, this.#log);
    } catch (err) {
      this.#log.warn({ client: registration.id, reason: (err as Error).message }, 'client registration has an unusable url; no events go to it');
      return;
    }
    const unsubscribe = this.#hub.subscribe((event) => deliverer.offer(event));
    this.#deliverers.set(registration.id, { deliverer, unsubscribe });
  }

  /** Stops every deliverer; they deliver what they can until `deadline` (epoch ms). */
  async close(deadline: number): Promise<DeliveryCounts> {
    const running = [...this.#deliverers.values()];
    this.#deliverers.clear();
    for (const r of running) r.unsubscribe();
    const counts = await Promise.all([...running.map((r) => r.deliverer.close(deadline)), ...this.#closing]);
    const total: DeliveryCounts = { delivered: 0, failed: 0, dropped: 0, undelivered: 0 };
    for (const c of counts) for (const k of Object.keys(total) as (keyof DeliveryCounts)[]) total[k] += c[k];
    return total;
  }
}
