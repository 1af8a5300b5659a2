// Where the HMAC key (token hashes) and the AES key (policies at rest) come from: the env vars the config
// names, else keys generated on first use and kept in the OS keychain, else in a 0600 file under {dir}/secrets.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../core/config/types.js';
import { createFileExclusive, ensurePrivateDir, writeFileAtomic } from '../fs-safe.js';
import { openKeychain, peekKeychain, type SecretStore } from './keychain.js';

export type KeySource =
  | { readonly kind: 'env'; readonly variable: string }
  | { readonly kind: 'keychain'; readonly store: string }
  | { readonly kind: 'file'; readonly path: string; readonly why?: string };

export interface Keys {
  readonly hashKey: Buffer;
  readonly encryptionKey: Buffer;
  readonly hashSource: KeySource;
  readonly encryptionSource: KeySource;
}

export class KeyError extends Error {}

type Slot = 'hash_key' | 'encryption_key';
const ACCOUNTS: Record<Slot, string> = { hash_key: 'hash-key', encryption_key: 'encryption-key' };
const KEY_BYTES = 32;

export function keyFilePath(dir: string): string {
  return join(dir, 'secrets', 'keys.json');
}

function decodeKey(text: string, where: string): Buffer {
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES) throw new KeyError(`${where} does not hold a ${KEY_BYTES}-byte base64 key`);
  return key;
}

function readKeyFile(path: string): Partial<Record<Slot, string>> {
  if (!existsSync(path)) return {};
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('not a JSON object');
    return data as Partial<Record<Slot, string>>;
  } catch (err) {
    throw new KeyError(
      `${path} is unreadable (${(err as Error).message}). It holds the keys of this Tokenomics directory: restore it from a backup, ` +
        'or move it aside together with the token database to start over.',
    );
  }
}

function storeInFile(path: string, missing: readonly Slot[]): Record<Slot, Buffer> {
  ensurePrivateDir(join(path, '..'));
  const fresh = Object.fromEntries(missing.map((slot) => [slot, randomBytes(KEY_BYTES).toString('base64')]));
  if (!createFileExclusive(path, JSON.stringify(fresh, null, 2))) {
    const merged = { ...fresh, ...readKeyFile(path) };
    writeFileAtomic(path, JSON.stringify(merged, null, 2));
  }
  const stored = readKeyFile(path);
  return Object.fromEntries(missing.map((slot) => [slot, decodeKey(stored[slot] ?? '', `${path} (${slot})`)])) as Record<Slot, Buffer>;
}

async function storeInKeychain(store: SecretStore, slot: Slot): Promise<Buffer> {
  const where = `${store.name} entry tokenomics/${ACCOUNTS[slot]}`;
  const existing = await store.get(ACCOUNTS[slot]);
  if (existing !== null) return decodeKey(existing, where);
  await store.set(ACCOUNTS[slot], randomBytes(KEY_BYTES).toString('base64'));
  const stored = await store.get(ACCOUNTS[slot]);
  if (stored === null) throw new KeyError(`${where} could not be read back after writing it`);
  return decodeKey(stored, where);
}

type Found = Partial<Record<Slot, { key: Buffer; source: KeySource }>>;

function keysFromEnv(config: Config, env: NodeJS.ProcessEnv): Found {
  const found: Found = {};
  const hashVar = config.security.hash_key_env;
  const encVar = config.security.encryption_key_env;
  if (hashVar && env[hashVar]) found.hash_key = { key: Buffer.from(env[hashVar]!, 'utf8'), source: { kind: 'env', variable: hashVar } };
  if (encVar && env[encVar]) {
    // The original derived the AES key as SHA-256 of the variable's text; kept so the same variable means the same key.
    found.encryption_key = { key: createHash('sha256').update(env[encVar]!).digest(), source: { kind: 'env', variable: encVar } };
  }
  return found;
}

export async function loadKeys(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<Keys> {
  const found = keysFromEnv(config, env);
  let missing = (['hash_key', 'encryption_key'] as const).filter((slot) => !found[slot]);
  const filePath = keyFilePath(config.dir);
  if (missing.length) {
    // Keys generated into the file earlier stay authoritative: the database was encrypted with them.
    const inFile = readKeyFile(filePath);
    for (const slot of missing) {
      if (inFile[slot]) found[slot] = { key: decodeKey(inFile[slot]!, `${filePath} (${slot})`), source: { kind: 'file', path: filePath } };
    }
    missing = missing.filter((slot) => !found[slot]);
  }
  if (missing.length) {
    const keychain = config.security.keychain
      ? await openKeychain(env, ACCOUNTS[missing[0]!])
      : { unavailable: 'security.keychain is false' };
    if ('store' in keychain) {
      for (const slot of missing) {
        found[slot] = { key: await storeInKeychain(keychain.store, slot), source: { kind: 'keychain', store: keychain.store.name } };
      }
    } else {
      const keys = storeInFile(filePath, missing);
      for (const slot of missing) found[slot] = { key: keys[slot], source: { kind: 'file', path: filePath, why: keychain.unavailable } };
    }
  }
  return {
    hashKey: found.hash_key!.key,
    encryptionKey: found.encryption_key!.key,
    hashSource: found.hash_key!.source,
    encryptionSource: found.encryption_key!.source,
  };
}

function sourceText(source: KeySource): string {
  switch (source.kind) {
    case 'env': return `$${source.variable}`;
    case 'keychain': return `OS keychain (${source.store})`;
    case 'file': return `file ${source.path}${source.why ? ` (${source.why})` : ''}`;
  }
}

/** One line saying which backend holds the keys, e.g. `keys: OS keychain (Secret Service)`. */
export function describeKeys(keys: Keys): string {
  return describeKeySources(keys.hashSource, keys.encryptionSource);
}

/** describeKeys for keys that may not exist yet (see inspectKeys). */
export function describeKeySources(hashSource: KeySource | undefined, encryptionSource: KeySource | undefined): string {
  if (!hashSource && !encryptionSource) return 'keys: not created yet (generated on first use, in the OS keychain when there is one)';
  const part = (what: string, source: KeySource | undefined) => (source ? `${what} from ${sourceText(source)}` : `${what} not created yet`);
  const hash = hashSource && sourceText(hashSource);
  if (hash !== undefined && hash === (encryptionSource && sourceText(encryptionSource))) return `keys: ${hash}`;
  return `keys: ${part('hash key', hashSource)}; ${part('encryption key', encryptionSource)}`;
}

/** Where the keys are, for reports: found without generating, storing or probing anything. */
export interface KeyInspection {
  /** Undefined: not created yet (loadKeys would generate it). */
  readonly hashSource?: KeySource;
  readonly encryptionSource?: KeySource;
  /** The key file exists but cannot be read, or the keychain could not be asked. */
  readonly problem?: string;
}

/** Looks the keys up where loadKeys would find them (env, key file, keychain), read-only. */
export async function inspectKeys(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<KeyInspection> {
  const sources: Partial<Record<Slot, KeySource>> = {};
  for (const [slot, value] of Object.entries(keysFromEnv(config, env)) as [Slot, { source: KeySource }][]) sources[slot] = value.source;
  const slots = ['hash_key', 'encryption_key'] as const;
  const inspection = (problem?: string): KeyInspection => ({
    hashSource: sources.hash_key,
    encryptionSource: sources.encryption_key,
    ...(problem ? { problem } : {}),
  });
  const filePath = keyFilePath(config.dir);
  if (slots.some((slot) => !sources[slot])) {
    try {
      const inFile = readKeyFile(filePath);
      for (const slot of slots) if (!sources[slot] && inFile[slot]) sources[slot] = { kind: 'file', path: filePath };
    } catch (err) {
      return inspection((err as Error).message);
    }
  }
  const missing = slots.filter((slot) => !sources[slot]);
  if (missing.length && config.security.keychain) {
    const keychain = peekKeychain(env);
    if ('store' in keychain) {
      for (const slot of missing) {
        try {
          if ((await keychain.store.get(ACCOUNTS[slot])) !== null) sources[slot] = { kind: 'keychain', store: keychain.store.name };
        } catch (err) {
          return inspection(`${keychain.store.name}: ${(err as Error).message.split('\n')[0]}`);
        }
      }
    }
  }
  return inspection();
}

/** True when a secret sits in a plain file rather than the keychain or the environment (worth a warning). */
export function keysInFile(keys: Keys): boolean {
  return keys.hashSource.kind === 'file' || keys.encryptionSource.kind === 'file';
}
