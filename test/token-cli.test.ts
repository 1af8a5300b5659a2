// Token lifecycle through the built CLI, as a user runs it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, scratchDir } from './helpers/cli.js';

const scratch = scratchDir();
const home = scratch.path;
const dir = join(home, 'data');
const cli = (args: string[], input?: string) => runCli([...args, '--dir', dir], { home, input });

afterAll(() => scratch.cleanup());

describe('token commands through the CLI', () => {
  let hash = '';
  let token = '';

  beforeAll(async () => {
    const created = await cli(['token', 'create', '--policy', '{"base_key_env":"OPENAI_API_KEY","model":"gpt-4o"}', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const json = JSON.parse(created.stdout) as { token: string; hash: string; expires_at: string | null };
    token = json.token;
    hash = json.hash;
  });

  it('create prints the raw token once with its hash, and says where the keys live', async () => {
    expect(token).toMatch(/^tkn_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const text = await cli(['token', 'create', '--policy', '{"base_key_env":"OPENAI_API_KEY"}', '--expires', '7d']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Token created successfully.');
    expect(text.stdout).toContain('WARNING: This token will only be shown once. Store it securely.');
    expect(text.stdout).toMatch(/ {2}Token: {3}tkn_/);
    expect(text.stdout).toMatch(/ {2}Expires: \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/);
    expect(text.stderr).toMatch(/^keys: file .*secrets\/keys\.json/m);
  });

  it('get shows the policy and never the raw token', async () => {
    const got = await cli(['token', 'get', '--hash', hash]);
    expect(got.code).toBe(0);
    expect(got.stdout).toContain(`Hash:       ${hash}`);
    expect(got.stdout).toContain('Expires:    never');
    expect(got.stdout).toContain('"model": "gpt-4o"');
    expect(got.stdout).not.toContain(token);
    const json = JSON.parse((await cli(['token', 'get', '--hash', hash.slice(0, 12), '--json'])).stdout);
    expect(json).toMatchObject({ hash, expires_at: null, expired: false, policy: { base_key_env: 'OPENAI_API_KEY', model: 'gpt-4o' } });
  });

  it('update replaces the policy, sets and clears the expiry', async () => {
    const policyFile = join(home, 'policy.json');
    writeFileSync(policyFile, '{"base_key_env":"ANTHROPIC_API_KEY","model_regex":"^claude"}');
    const updated = await cli(['token', 'update', '--hash', hash, '--policy', `@${policyFile}`, '--expires', '24h']);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toBe('Token updated.\n');
    let json = JSON.parse((await cli(['token', 'get', '--hash', hash, '--json'])).stdout);
    expect(json.policy).toEqual({ base_key_env: 'ANTHROPIC_API_KEY', model_regex: '^claude' });
    const hours = (Date.parse(json.expires_at) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThan(24.1);

    expect((await cli(['token', 'update', '--hash', hash, '--expires', 'clear'])).code).toBe(0);
    json = JSON.parse((await cli(['token', 'get', '--hash', hash, '--json'])).stdout);
    expect(json.expires_at).toBeNull();
    expect(json.policy.model_regex).toBe('^claude');
  });

  it('update reads a policy from standard input with @-', async () => {
    const updated = await cli(['token', 'update', '--hash', hash, '--policy', '@-', '--json'], '{"base_key_env":"STDIN_KEY"}');
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout).policy).toEqual({ base_key_env: 'STDIN_KEY' });
  });

  it('update without --policy or --expires is a usage error', async () => {
    const res = await cli(['token', 'update', '--hash', hash]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('must provide --policy and/or --expires');
  });

  it('an expired token is shown as EXPIRED', async () => {
    const created = JSON.parse((await cli(['token', 'create', '--policy', '{"base_key_env":"K"}', '--expires', '1s', '--json'])).stdout);
    await new Promise((r) => setTimeout(r, 2100));
    const got = await cli(['token', 'get', '--hash', created.hash]);
    expect(got.stdout).toMatch(/Expires: {4}\S+ \(EXPIRED\)/);
    const json = JSON.parse((await cli(['token', 'get', '--hash', created.hash, '--json'])).stdout);
    expect(json.expired).toBe(true);
  });

  it('list shows every token with a policy summary', async () => {
    const list = await cli(['token', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`Hash:       ${hash}`);
    expect(list.stdout).toContain('Key Env:    STDIN_KEY');
    expect(list.stdout.match(/^---$/gm)?.length).toBe(3);
    const json = JSON.parse((await cli(['token', 'list', '--json'])).stdout) as Array<{ hash: string }>;
    expect(json.map((t) => t.hash)).toContain(hash);
    expect(json).toHaveLength(3);
  });

  it('delete removes the token; a second delete says it is not found', async () => {
    const deleted = await cli(['token', 'delete', '--hash', hash]);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe('Token deleted.\n');
    const again = await cli(['token', 'delete', '--hash', hash]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('delete token: token not found');
    const got = await cli(['token', 'get', '--hash', hash]);
    expect(got.code).toBe(1);
    expect(got.stderr).toContain('Token not found.');
  });

  it('an empty database lists no tokens', async () => {
    const res = await runCli(['token', 'list', '--dir', join(home, 'empty')], { home });
    expect(res.stdout).toBe('No tokens found.\n');
  });

  it('rejects a bad policy or expiry before touching the database', async () => {
    const bad = await cli(['token', 'create', '--policy', '{"base_key_env":"K","rules":[{"action":"explode"}]}']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('rules[0].action: invalid value "explode"; must be fail, warn, log, or mask');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const expiry = await cli(['token', 'create', '--policy', '{"base_key_env":"K"}', '--expires', 'soon']);
    expect(expiry.code).toBe(1);
    expect(expiry.stderr).toContain('invalid expiration "soon"');
  });
});

describe('--db', () => {
  it('token create --db X writes to X and leaves {dir}/tokenomics.db alone', async () => {
    const dbDir = join(home, 'db-flag');
    const other = join(home, 'elsewhere', 'tokens.db');
    const run = (args: string[]) => runCli([...args, '--dir', dbDir], { home });
    const inDefault = await run(['token', 'create', '--policy', '{"base_key_env":"DEFAULT_DB_KEY"}', '--json']);
    expect(inDefault.code, inDefault.stderr).toBe(0);
    const defaultHash = (JSON.parse(inDefault.stdout) as { hash: string }).hash;
    const defaultFiles = readdirSync(join(dbDir, 'tokenomics.db')).sort();

    const inOther = await run(['token', 'create', '--db', other, '--policy', '{"base_key_env":"OTHER_DB_KEY"}', '--json']);
    expect(inOther.code, inOther.stderr).toBe(0);
    const otherHash = (JSON.parse(inOther.stdout) as { hash: string }).hash;
    expect(existsSync(join(other, 'CURRENT'))).toBe(true);
    // The default database was not even opened (opening a LevelDB rewrites its log and manifest).
    expect(readdirSync(join(dbDir, 'tokenomics.db')).sort()).toEqual(defaultFiles);

    const listed = async (extra: string[]) =>
      (JSON.parse((await run(['token', 'list', '--json', ...extra])).stdout) as Array<{ hash: string }>).map((t) => t.hash);
    expect(await listed(['--db', other])).toEqual([otherHash]);
    expect(await listed([])).toEqual([defaultHash]);
  });

  it('a relative --db is taken from the current directory, and no {dir}/tokenomics.db is created', async () => {
    const dbDir = join(home, 'db-relative');
    const cwd = join(home, 'work');
    const created = await runCli(['--dir', dbDir, '--db', 'local.db', 'token', 'create', '--policy', '{"base_key_env":"K"}', '--json'], { home, cwd });
    expect(created.code, created.stderr).toBe(0);
    expect(existsSync(join(cwd, 'local.db', 'CURRENT'))).toBe(true);
    expect(existsSync(join(dbDir, 'tokenomics.db'))).toBe(false);
  });
});
