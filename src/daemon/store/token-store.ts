// Wrapper tokens in LevelDB: key `token:<hmac hash>`, value JSON with the policy sealed by AES-256-GCM.
// No policy byte is stored in the clear. Meta records detect a changed hash or encryption key at open.
import { dirname } from 'node:path';
import type { ClassicLevel } from 'classic-level';
import { parsePolicy, type ParsedPolicy } from '../../core/policy/parse.js';
import type { Policy } from '../../core/policy/schema.js';
import { hashToken, isFullHash } from '../../core/tokens/token.js';
import { seal, unseal } from '../../core/tokens/seal.js';
import { formatTime } from '../../core/tokens/expiry.js';
import { ensurePrivateDir } from '../fs-safe.js';
import type { Keys } from '../keys/keys.js';

const TOKEN_PREFIX = 'token:';
const KEY_CHECK = 'meta:key-check';
const HASH_CHECK = 'meta:hash-check';
const CHECK_TEXT = 'tokenomics key check';

export class StoreError extends Error {}

/** Another process (usually the daemon) holds the database. */
export class StoreLockedError extends StoreError {
  constructor(readonly path: string) {
    super(
      `The token database ${path} is in use by another Tokenomics process (usually the running daemon). ` +
        "Stop it with 'tokenomics stop', or run this command against a different --dir or --db.",
    );
  }
}

export class TokenNotFoundError extends StoreError {
  constructor(hash: string) {
    super(`token not found: ${hash}`);
  }
}

export interface TokenRecord {
  readonly hash: string;
  readonly policyRaw: string;
  readonly policy: Policy;
  readonly createdAt: string;
  readonly expiresAt?: string;
  /** `remote`: synced from a remote config server, which owns it (it goes when the server deletes it). */
  readonly origin?: 'remote';
}

interface StoredValue {
  sealed: string;
  created_at: string;
  expires_at?: string;
  origin?: 'remote';
}

export interface TokenUpdate {
  readonly policy?: ParsedPolicy;
  /** A new expiry, `null` to clear it, undefined to keep it. */
  readonly expiresAt?: Date | null;
}

export interface TokenList {
  readonly tokens: TokenRecord[];
  /** Records that could not be read, one sentence each; they are skipped, never deleted. */
  readonly problems: string[];
}

export function isExpired(record: TokenRecord, now = Date.now()): boolean {
  return record.expiresAt !== undefined && Date.parse(record.expiresAt) < now;
}

export class TokenStore {
  readonly #db: ClassicLevel<string, string>;
  readonly #keys: Keys;

  private constructor(db: ClassicLevel<string, string>, keys: Keys) {
    this.#db = db;
    this.#keys = keys;
  }

  static async open(path: string, keys: Keys): Promise<TokenStore> {
    ensurePrivateDir(dirname(path));
    ensurePrivateDir(path);
    // Loaded on first open: commands that never touch the database start faster without the native module.
    const { ClassicLevel } = await import('classic-level');
    const db = new ClassicLevel<string, string>(path, { valueEncoding: 'utf8' });
    try {
      await db.open();
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      if (cause?.code === 'LEVEL_LOCKED') throw new StoreLockedError(path);
      throw new StoreError(`cannot open the token database ${path}: ${cause?.message ?? (err as Error).message}`);
    }
    const store = new TokenStore(db, keys);
    try {
      await store.#checkKeys(path);
    } catch (err) {
      await db.close();
      throw err;
    }
    return store;
  }

  async #checkKeys(path: string): Promise<void> {
    const keyCheck = await this.#db.get(KEY_CHECK);
    const hashCheck = await this.#db.get(HASH_CHECK);
    const expectedHash = hashToken(this.#keys.hashKey, CHECK_TEXT);
    if (keyCheck === undefined) {
      await this.#db.batch()
        .put(KEY_CHECK, seal(this.#keys.encryptionKey, CHECK_TEXT, KEY_CHECK))
        .put(HASH_CHECK, expectedHash)
        .write();
      return;
    }
    try {
      unseal(this.#keys.encryptionKey, keyCheck, KEY_CHECK);
    } catch {
      throw new StoreError(
        `The encryption key does not match the one ${path} was written with. Use the key it was created with ` +
          '(check security.encryption_key_env and the keychain), or move the database aside to start over.',
      );
    }
    if (hashCheck !== undefined && hashCheck !== expectedHash) {
      throw new StoreError(
        `The hash key does not match the one ${path} was written with, so no existing token would be recognised. ` +
          'Use the original key (check security.hash_key_env and the keychain), or move the database aside to start over.',
      );
    }
  }

  #decode(hash: string, text: string): TokenRecord {
    let stored: StoredValue;
    try {
      stored = JSON.parse(text) as StoredValue;
      if (typeof stored.sealed !== 'string' || typeof stored.created_at !== 'string') throw new Error('missing fields');
    } catch (err) {
      throw new StoreError(`token ${hash.slice(0, 16)}: damaged record (${(err as Error).message})`);
    }
    let parsed: ParsedPolicy;
    try {
      parsed = parsePolicy(unseal(this.#keys.encryptionKey, stored.sealed, `${TOKEN_PREFIX}${hash}`));
    } catch (err) {
      throw new StoreError(`token ${hash.slice(0, 16)}: ${(err as Error).message}`);
    }
    return {
      hash,
      policyRaw: parsed.raw,
      policy: parsed.policy,
      createdAt: stored.created_at,
      expiresAt: stored.expires_at,
      ...(stored.origin === 'remote' ? { origin: 'remote' as const } : {}),
    };
  }

  async #write(hash: string, policyRaw: string, createdAt: string, expiresAt?: string, origin?: 'remote'): Promise<void> {
    const value: StoredValue = { sealed: seal(this.#keys.encryptionKey, policyRaw, `${TOKEN_PREFIX}${hash}`), created_at: createdAt };
    if (expiresAt) value.expires_at = expiresAt;
    if (origin) value.origin = origin;
    await this.#db.put(`${TOKEN_PREFIX}${hash}`, JSON.stringify(value));
  }

  /** A full hash, or a unique prefix of at least 8 hex characters. */
  async resolveHash(hashOrPrefix: string): Promise<string> {
    const wanted = hashOrPrefix.trim().toLowerCase();
    if (isFullHash(wanted)) return wanted;
    if (!/^[0-9a-f]{8,63}$/.test(wanted)) {
      throw new StoreError(`"${hashOrPrefix}" is not a token hash: give the 64 hex characters, or a unique prefix of at least 8`);
    }
    const matches = await this.#db.keys({ gte: `${TOKEN_PREFIX}${wanted}`, lt: `${TOKEN_PREFIX}${wanted}g`, limit: 2 }).all();
    if (matches.length === 0) throw new TokenNotFoundError(hashOrPrefix);
    if (matches.length > 1) throw new StoreError(`hash prefix "${hashOrPrefix}" matches more than one token; give more characters`);
    return matches[0]!.slice(TOKEN_PREFIX.length);
  }

  async create(hash: string, policy: ParsedPolicy, expiresAt?: Date): Promise<TokenRecord> {
    if ((await this.#db.get(`${TOKEN_PREFIX}${hash}`)) !== undefined) throw new StoreError('create token: token hash already exists');
    const createdAt = formatTime(new Date());
    const expires = expiresAt ? formatTime(expiresAt) : undefined;
    await this.#write(hash, policy.raw, createdAt, expires);
    return { hash, policyRaw: policy.raw, policy: policy.policy, createdAt, expiresAt: expires };
  }

  async get(hash: string): Promise<TokenRecord | undefined> {
    const text = await this.#db.get(`${TOKEN_PREFIX}${hash}`);
    return text === undefined ? undefined : this.#decode(hash, text);
  }

  async update(hash: string, change: TokenUpdate): Promise<TokenRecord> {
    const current = await this.get(hash);
    if (!current) throw new TokenNotFoundError(hash);
    const policyRaw = change.policy?.raw ?? current.policyRaw;
    const expiresAt =
      change.expiresAt === undefined ? current.expiresAt : change.expiresAt === null ? undefined : formatTime(change.expiresAt);
    await this.#write(hash, policyRaw, current.createdAt, expiresAt, current.origin);
    return { ...current, policyRaw, policy: change.policy?.policy ?? current.policy, expiresAt };
  }

  /** Writes a token as a remote config server has it (created or replaced), marked as the server's. */
  async mirror(hash: string, policy: ParsedPolicy, createdAt: string, expiresAt?: string): Promise<TokenRecord> {
    await this.#write(hash, policy.raw, createdAt, expiresAt, 'remote');
    return { hash, policyRaw: policy.raw, policy: policy.policy, createdAt, expiresAt, origin: 'remote' };
  }

  async delete(hash: string): Promise<void> {
    if ((await this.#db.get(`${TOKEN_PREFIX}${hash}`)) === undefined) throw new TokenNotFoundError(hash);
    await this.#db.del(`${TOKEN_PREFIX}${hash}`);
  }

  async list(): Promise<TokenList> {
    const tokens: TokenRecord[] = [];
    const problems: string[] = [];
    for await (const [key, value] of this.#db.iterator({ gte: TOKEN_PREFIX, lt: `${TOKEN_PREFIX}\xff` })) {
      try {
        tokens.push(this.#decode(key.slice(TOKEN_PREFIX.length), value));
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    return { tokens, problems };
  }

  async count(): Promise<number> {
    return (await this.#db.keys({ gte: TOKEN_PREFIX, lt: `${TOKEN_PREFIX}\xff` }).all()).length;
  }

  /** A key-value area of the same database for other daemon state (usage counters), apart from the tokens. */
  area(name: string): KeyValueArea {
    return this.#db.sublevel<string, string>(name, { valueEncoding: 'utf8' });
  }

  async close(): Promise<void> {
    if (this.#db.status === 'open') await this.#db.close();
  }
}

/** The part of a LevelDB sublevel the daemon's other stores use. */
export interface KeyValueArea {
  get(key: string): Promise<string | undefined>;
  batch(operations: Array<{ type: 'put'; key: string; value: string } | { type: 'del'; key: string }>): Promise<void>;
  iterator(): AsyncIterable<[string, string]>;
}
