// How CLI commands reach the tokens: the database directly when no daemon runs, or the running daemon's control
// API when it holds the database. Both sides implement this one interface.
import type { ParsedPolicy } from '../../core/policy/parse.js';
import { generateToken, hashToken } from '../../core/tokens/token.js';
import type { Keys } from '../keys/keys.js';
import type { TokenList, TokenRecord, TokenStore, TokenUpdate } from './token-store.js';

export interface CreatedToken {
  /** The raw wrapper token; shown to the user once and never stored. */
  readonly token: string;
  readonly record: TokenRecord;
}

export interface TokenBackend {
  /** What the CLI tells the user about where the tokens live. */
  readonly description: string;
  createToken(policy: ParsedPolicy, expiresAt?: Date): Promise<CreatedToken>;
  resolveHash(hashOrPrefix: string): Promise<string>;
  get(hash: string): Promise<TokenRecord | undefined>;
  update(hash: string, change: TokenUpdate): Promise<TokenRecord>;
  delete(hash: string): Promise<void>;
  list(): Promise<TokenList>;
}

/** The database opened by this process. */
export class LocalTokens implements TokenBackend {
  readonly description: string;
  constructor(readonly store: TokenStore, readonly keys: Keys, description: string) {
    this.description = description;
  }

  async createToken(policy: ParsedPolicy, expiresAt?: Date): Promise<CreatedToken> {
    const token = generateToken();
    const record = await this.store.create(hashToken(this.keys.hashKey, token), policy, expiresAt);
    return { token, record };
  }

  resolveHash(hashOrPrefix: string): Promise<string> {
    return this.store.resolveHash(hashOrPrefix);
  }

  get(hash: string): Promise<TokenRecord | undefined> {
    return this.store.get(hash);
  }

  update(hash: string, change: TokenUpdate): Promise<TokenRecord> {
    return this.store.update(hash, change);
  }

  delete(hash: string): Promise<void> {
    return this.store.delete(hash);
  }

  list(): Promise<TokenList> {
    return this.store.list();
  }
}
