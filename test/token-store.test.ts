// The token database at rest: no policy plaintext on disk, one clear sentence when another process holds it,
// and a clear refusal when the keys do not match the database.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '../src/core/policy/parse.js';
import { hashToken } from '../src/core/tokens/token.js';
import { loadConfig } from '../src/daemon/config/load-config.js';
import { loadKeys, type Keys } from '../src/daemon/keys/keys.js';
import { TokenStore } from '../src/daemon/store/token-store.js';
import { runCli, scratchDir } from './helpers/cli.js';

const scratch = scratchDir();
afterAll(() => scratch.cleanup());

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

async function keysFor(dir: string): Promise<Keys> {
  const { config } = loadConfig({ cwd: dir, home: dir, env: {}, flags: [{ path: 'dir', flag: '--dir', value: dir }] });
  return loadKeys(config, {});
}

describe('token database at rest', () => {
  it('holds no policy plaintext, while the (non-secret) hash is findable the same way', async () => {
    const home = join(scratch.path, 'plain');
    const dir = join(home, 'data');
    const marker = `MARKER_${randomUUID().replace(/-/g, '')}`;
    const policy = JSON.stringify({ base_key_env: 'OPENAI_API_KEY', metadata: { note: marker }, prompts: [{ role: 'system', content: marker }] });
    const res = await runCli(['token', 'create', '--policy', policy, '--json', '--dir', dir], { home });
    expect(res.code, res.stderr).toBe(0);
    const { hash } = JSON.parse(res.stdout) as { hash: string };
    const files = filesUnder(join(dir, 'tokenomics.db'));
    expect(files.length).toBeGreaterThan(0);
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    expect(bytes.includes(Buffer.from(hash))).toBe(true);
    expect(bytes.includes(Buffer.from(marker))).toBe(false);
    expect(bytes.includes(Buffer.from(marker, 'utf16le'))).toBe(false);
    expect(bytes.includes(Buffer.from('OPENAI_API_KEY'))).toBe(false);
    // And the policy is still there for whoever holds the keys.
    const got = await runCli(['token', 'get', '--hash', hash, '--json', '--dir', dir], { home });
    expect(JSON.parse(got.stdout).policy.metadata.note).toBe(marker);
    expect(statSync(join(dir, 'tokenomics.db')).mode & 0o777).toBe(0o700);
  });

  it('a second process gets one sentence, not a stack trace, while the database is held', async () => {
    const home = join(scratch.path, 'locked');
    const dir = join(home, 'data');
    const store = await TokenStore.open(join(dir, 'tokenomics.db'), await keysFor(dir));
    try {
      const res = await runCli(['token', 'list', '--dir', dir], { home });
      expect(res.code).toBe(1);
      const lines = res.stderr.trim().split('\n');
      expect(lines[lines.length - 1]).toBe(
        `Error: The token database ${join(dir, 'tokenomics.db')} is in use by another Tokenomics process (usually the running daemon). ` +
          "Stop it with 'tokenomics stop', or run this command against a different --dir or --db.",
      );
      expect(res.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await store.close();
    }
    expect((await runCli(['token', 'list', '--dir', dir], { home })).code).toBe(0);
  });

  it('refuses to open with a different encryption key, naming the cause', async () => {
    const dir = join(scratch.path, 'wrongkey');
    const keys = await keysFor(dir);
    const path = join(dir, 'tokenomics.db');
    const store = await TokenStore.open(path, keys);
    await store.create(hashToken(keys.hashKey, 'tkn_x'), parsePolicy('{"base_key_env":"K"}'));
    await store.close();
    const other: Keys = { ...keys, encryptionKey: Buffer.alloc(32, 7) };
    await expect(TokenStore.open(path, other)).rejects.toThrow(/encryption key does not match/);
    const otherHash: Keys = { ...keys, hashKey: Buffer.alloc(32, 9) };
    await expect(TokenStore.open(path, otherHash)).rejects.toThrow(/hash key does not match/);
    // The right keys still work, and nothing was lost.
    const again = await TokenStore.open(path, keys);
    expect((await again.list()).tokens).toHaveLength(1);
    await again.close();
  });

  it('resolves unique hash prefixes and rejects ambiguous or malformed ones', async () => {
    const dir = join(scratch.path, 'prefix');
    const keys = await keysFor(dir);
    const store = await TokenStore.open(join(dir, 'tokenomics.db'), keys);
    try {
      const policy = parsePolicy('{"base_key_env":"K"}');
      await store.create('aaaaaaaa11111111111111111111111111111111111111111111111111111111', policy);
      await store.create('aaaaaaaa22222222222222222222222222222222222222222222222222222222', policy);
      expect(await store.resolveHash('aaaaaaaa1')).toBe('aaaaaaaa11111111111111111111111111111111111111111111111111111111');
      await expect(store.resolveHash('aaaaaaaa')).rejects.toThrow(/matches more than one token/);
      await expect(store.resolveHash('abc')).rejects.toThrow(/not a token hash/);
      await expect(store.resolveHash('bbbbbbbb')).rejects.toThrow(/token not found/);
      await expect(store.create('aaaaaaaa11111111111111111111111111111111111111111111111111111111', policy)).rejects.toThrow(/already exists/);
    } finally {
      await store.close();
    }
  });
});
