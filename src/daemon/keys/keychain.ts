// The OS keychain (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows) via @napi-rs/keyring.
// On Linux the store is pinned to Secret Service: the kernel keyring it would fall back to forgets keys at logout.
import { createRequire } from 'node:module';
import type { AsyncEntry, EntryOptions } from '@napi-rs/keyring';

export const KEYCHAIN_SERVICE = 'tokenomics';
const TIMEOUT_MS = 3000;

export interface SecretStore {
  readonly name: string;
  get(account: string): Promise<string | null>;
  set(account: string, value: string): Promise<void>;
}

const STORE_NAMES: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'Secret Service',
  darwin: 'macOS Keychain',
  win32: 'Windows Credential Manager',
};

const options: EntryOptions | undefined = process.platform === 'linux' ? { linux: { store: 'secret-service' } } : undefined;

/** The native module is loaded at the first keychain use: commands that never touch keys start faster without it. */
let Entry: typeof AsyncEntry | undefined;

function entry(account: string): AsyncEntry {
  Entry ??= (createRequire(import.meta.url)('@napi-rs/keyring') as typeof import('@napi-rs/keyring')).AsyncEntry;
  return new Entry(KEYCHAIN_SERVICE, account, options);
}

function shortReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.slice(0, 200);
}

export type KeychainOpen = { readonly store: SecretStore } | { readonly unavailable: string };

/**
 * The platform's keychain without trying it: for looking entries up (`status`) without writing anything.
 * Whether it can really hold a secret shows only when it is used.
 */
export function peekKeychain(env: NodeJS.ProcessEnv): KeychainOpen {
  const name = STORE_NAMES[process.platform];
  if (!name) return { unavailable: `no supported keychain on ${process.platform}` };
  if (process.platform === 'linux' && !env.DBUS_SESSION_BUS_ADDRESS) {
    return { unavailable: 'no D-Bus session, so no Secret Service' };
  }
  const store: SecretStore = {
    name,
    get: (acct) => entry(acct).getPassword(AbortSignal.timeout(TIMEOUT_MS)),
    set: (acct, value) => entry(acct).setPassword(value, AbortSignal.timeout(TIMEOUT_MS)),
  };
  return { store };
}

/**
 * Opens the keychain when it can really hold a secret. A read alone proves little (a locked Secret Service
 * answers reads with null but refuses writes), so an empty keychain is probed with write + read + delete.
 */
export async function openKeychain(env: NodeJS.ProcessEnv, account: string): Promise<KeychainOpen> {
  const opened = peekKeychain(env);
  if (!('store' in opened)) return opened;
  const { store } = opened;
  const name = store.name;
  try {
    if ((await store.get(account)) !== null) return { store };
    const probe = entry('__probe__');
    const signal = AbortSignal.timeout(TIMEOUT_MS);
    await probe.setPassword('probe', signal);
    const readBack = await probe.getPassword(signal);
    await probe.deletePassword(signal);
    return readBack === 'probe' ? { store } : { unavailable: `${name} did not return what was written` };
  } catch (err) {
    return { unavailable: `${name}: ${shortReason(err)}` };
  }
}
