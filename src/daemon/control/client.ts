// The CLI's side of the control API: finds the running daemon through daemon.json and manages tokens through it.
import { parsePolicy, type ParsedPolicy } from '../../core/policy/parse.js';
import { formatTime } from '../../core/tokens/expiry.js';
import type { CreatedToken, TokenBackend } from '../store/token-backend.js';
import { StoreError, TokenNotFoundError, type TokenList, type TokenRecord, type TokenUpdate } from '../store/token-store.js';
import type { DashboardEvent, DashboardSnapshot } from '../../core/stats/dashboard.js';
import type { ControlStatus, RecordJson } from './server.js';
import { processAlive, readState, type DaemonState } from './state-file.js';

export class ControlError extends Error {}

function toRecord(json: RecordJson): TokenRecord {
  const parsed = parsePolicy(json.policy_raw);
  return {
    hash: json.hash,
    policyRaw: parsed.raw,
    policy: parsed.policy,
    createdAt: json.created_at,
    expiresAt: json.expires_at,
    ...(json.origin === 'remote' ? { origin: 'remote' as const } : {}),
  };
}

export class ControlClient implements TokenBackend {
  readonly description: string;
  constructor(readonly state: DaemonState) {
    this.description = `tokens: managed by the running daemon (pid ${state.pid})`;
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.state.control_url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.state.control_secret}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new ControlError(`cannot reach the running daemon at ${this.state.control_url}: ${(err as Error).message}`);
    }
    const json = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } } & T;
    if (res.ok) return json;
    const message = json.error?.message ?? `the daemon answered ${res.status}`;
    if (res.status === 404 && json.error?.code === 'not_found') throw new TokenNotFoundError(message.replace(/^token not found: /, ''));
    throw new StoreError(message);
  }

  status(): Promise<ControlStatus> {
    return this.#call('GET', '/status');
  }

  /** The terminal dashboard's document. */
  dashboard(): Promise<DashboardSnapshot> {
    return this.#call('GET', '/dashboard');
  }

  /**
   * Follows `GET /events` until `signal` aborts or the daemon goes away: calls `onEvent` for each finished request.
   * Resolves when the stream ends; rejects (ControlError) when it cannot be opened.
   */
  async events(onEvent: (event: DashboardEvent) => void, signal: AbortSignal): Promise<void> {
    let res: Response;
    try {
      res = await fetch(`${this.state.control_url}/events`, { headers: { authorization: `Bearer ${this.state.control_secret}` }, signal });
    } catch (err) {
      throw new ControlError(`cannot reach the running daemon at ${this.state.control_url}: ${(err as Error).message}`);
    }
    if (!res.ok || !res.body) throw new ControlError(`the daemon answered ${res.status} to /events`);
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message.split('\n').find((line) => line.startsWith('data: '));
          if (data && /^event: request$/m.test(message)) onEvent(JSON.parse(data.slice(6)) as DashboardEvent);
        }
      }
    } catch (err) {
      if (!signal.aborted) throw new ControlError(`the daemon's event stream broke: ${(err as Error).message}`);
    }
  }

  async createToken(policy: ParsedPolicy, expiresAt?: Date): Promise<CreatedToken> {
    const created = await this.#call<{ token: string; record: RecordJson }>('POST', '/tokens', {
      policy: policy.raw,
      expires_at: expiresAt ? formatTime(expiresAt) : undefined,
    });
    return { token: created.token, record: toRecord(created.record) };
  }

  async resolveHash(hashOrPrefix: string): Promise<string> {
    return (await this.#call<RecordJson>('GET', `/tokens/${encodeURIComponent(hashOrPrefix)}`)).hash;
  }

  async get(hash: string): Promise<TokenRecord | undefined> {
    try {
      return toRecord(await this.#call<RecordJson>('GET', `/tokens/${hash}`));
    } catch (err) {
      if (err instanceof TokenNotFoundError) return undefined;
      throw err;
    }
  }

  async update(hash: string, change: TokenUpdate): Promise<TokenRecord> {
    const expires = change.expiresAt === undefined ? undefined : change.expiresAt === null ? null : formatTime(change.expiresAt);
    return toRecord(await this.#call<RecordJson>('PATCH', `/tokens/${hash}`, { policy: change.policy?.raw, expires_at: expires }));
  }

  async delete(hash: string): Promise<void> {
    await this.#call('DELETE', `/tokens/${hash}`);
  }

  async list(): Promise<TokenList> {
    const list = await this.#call<{ tokens: RecordJson[]; problems: string[] }>('GET', '/tokens');
    return { tokens: list.tokens.map(toRecord), problems: list.problems };
  }
}

/** A client for the daemon that runs for this {dir}, or undefined when none does. */
export function findDaemon(dir: string): ControlClient | undefined {
  const state = readState(dir);
  if (!state || !processAlive(state.pid)) return undefined;
  return new ControlClient(state);
}
