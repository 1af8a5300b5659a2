// The daemon's view of the tokens: the database plus an in-memory cache of decoded records, so a request does
// not decrypt its policy every time. The daemon is the only writer while it runs (the CLI goes through its
// control API), so invalidating on our own writes keeps the cache exact.
import type { ParsedPolicy } from '../../core/policy/parse.js';
import type { CreatedToken, TokenBackend } from './token-backend.js';
import type { TokenList, TokenRecord, TokenUpdate } from './token-store.js';

const MAX_ENTRIES = 10_000;

export class CachedTokens implements TokenBackend {
  readonly #cache = new Map<string, TokenRecord>();
  constructor(readonly inner: TokenBackend) {}

  get description(): string {
    return this.inner.description;
  }

  async get(hash: string): Promise<TokenRecord | undefined> {
    const cached = this.#cache.get(hash);
    if (cached) return cached;
    const record = await this.inner.get(hash);
    if (record) {
      if (this.#cache.size >= MAX_ENTRIES) this.#cache.clear();
      this.#cache.set(hash, record);
    }
    return record;
  }

  async createToken(policy: ParsedPolicy, expiresAt?: Date): Promise<CreatedToken> {
    return this.inner.createToken(policy, expiresAt);
  }

  resolveHash(hashOrPrefix: string): Promise<string> {
    return this.inner.resolveHash(hashOrPrefix);
  }

  async update(hash: string, change: TokenUpdate): Promise<TokenRecord> {
    this.#cache.delete(hash);
    const record = await this.inner.update(hash, change);
    this.#cache.delete(hash);
    return record;
  }

  async delete(hash: string): Promise<void> {
    this.#cache.delete(hash);
    await this.inner.delete(hash);
  }

  list(): Promise<TokenList> {
    return this.inner.list();
  }

  /** Drops a cached record changed behind the cache's back (a remote sync writes the store directly). */
  forget(hash: string): void {
    this.#cache.delete(hash);
  }

  clear(): void {
    this.#cache.clear();
  }
}
