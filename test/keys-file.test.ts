// Without a keychain, generated keys live in {dir}/secrets/keys.json: 0600 in a 0700 folder, reused, never replaced.
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/core/config/resolve.js';
import { describeKeys, keyFilePath, loadKeys } from '../src/daemon/keys/keys.js';
import { scratchDir } from './helpers/cli.js';

const scratch = scratchDir();
afterAll(() => scratch.cleanup());

function configFor(dir: string, env: Record<string, string> = {}) {
  return resolveConfig({ home: scratch.path, cwd: scratch.path, env, flags: [{ path: 'dir', flag: '--dir', value: dir }] }).config;
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('key file fallback', () => {
  it('generates 32-byte keys into a 0600 file in a 0700 folder and says why', async () => {
    const dir = join(scratch.path, 'a');
    const previous = process.umask(0o000);
    try {
      const keys = await loadKeys(configFor(dir), {});
      expect(keys.hashKey).toHaveLength(32);
      expect(keys.encryptionKey).toHaveLength(32);
      expect(keys.hashKey.equals(keys.encryptionKey)).toBe(false);
      expect(mode(keyFilePath(dir))).toBe(0o600);
      expect(mode(join(dir, 'secrets'))).toBe(0o700);
      expect(describeKeys(keys)).toBe(`keys: file ${keyFilePath(dir)} (no D-Bus session, so no Secret Service)`);
    } finally {
      process.umask(previous);
    }
  });

  it('reuses the same keys on the next load', async () => {
    const dir = join(scratch.path, 'b');
    const first = await loadKeys(configFor(dir), {});
    const second = await loadKeys(configFor(dir), {});
    expect(second.hashKey.equals(first.hashKey)).toBe(true);
    expect(second.encryptionKey.equals(first.encryptionKey)).toBe(true);
    expect(describeKeys(second)).toBe(`keys: file ${keyFilePath(dir)}`);
  });

  it('generates a key missing from the file into it, tightening a loosened folder', async () => {
    const dir = join(scratch.path, 'c');
    const first = await loadKeys(configFor(dir), {});
    chmodSync(join(dir, 'secrets'), 0o755);
    writeFileSync(keyFilePath(dir), JSON.stringify({ hash_key: JSON.parse(readFileSync(keyFilePath(dir), 'utf8')).hash_key }));
    const second = await loadKeys(configFor(dir), {});
    expect(second.hashKey.equals(first.hashKey)).toBe(true);
    expect(second.encryptionKey.equals(first.encryptionKey)).toBe(false);
    expect(mode(join(dir, 'secrets'))).toBe(0o700);
    expect(mode(keyFilePath(dir))).toBe(0o600);
  });

  it('takes keys from the variables the config names, in preference to anything stored', async () => {
    const dir = join(scratch.path, 'd');
    const env = { MY_HASH: 'hash-secret', MY_ENC: 'enc-secret' };
    const config = configFor(dir, { TOKENOMICS_SECURITY_HASH_KEY_ENV: 'MY_HASH', TOKENOMICS_SECURITY_ENCRYPTION_KEY_ENV: 'MY_ENC' });
    const keys = await loadKeys(config, env);
    expect(keys.hashKey.toString()).toBe('hash-secret');
    expect(keys.encryptionKey).toHaveLength(32);
    expect(describeKeys(keys)).toBe('keys: hash key from $MY_HASH; encryption key from $MY_ENC');
    expect(() => statSync(keyFilePath(dir))).toThrow();
  });

  it('does not use the keychain when security.keychain is false', async () => {
    const dir = join(scratch.path, 'e');
    const keys = await loadKeys(configFor(dir, { TOKENOMICS_SECURITY_KEYCHAIN: 'false' }), { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' });
    expect(describeKeys(keys)).toContain('(security.keychain is false)');
  });

  it('explains an unreadable key file instead of replacing it', async () => {
    const dir = join(scratch.path, 'f');
    await loadKeys(configFor(dir), {});
    writeFileSync(keyFilePath(dir), '{ not json');
    await expect(loadKeys(configFor(dir), {})).rejects.toThrow(/keys\.json is unreadable .* restore it from a backup/);
    expect(readFileSync(keyFilePath(dir), 'utf8')).toBe('{ not json');
  });
});
