// `tokenomics init`: the variables it prints are exactly the ones an agent needs, and survive a real shell's `eval`
// (quotes and all); .env files and Claude Code's settings are merged, never clobbered; an HTTPS daemon is found with
// its CA, and a client that trusts only those variables reaches it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir, type CliResult } from './helpers/cli.js';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';

const scratch = scratchDir();
const home = scratch.path;
const daemons: RunningDaemon[] = [];

afterAll(async () => {
  for (const daemon of daemons) await daemon.stop();
  scratch.cleanup();
});

/** A token nobody's shell should expand or split: quotes of both kinds, a dollar, a backtick, a backslash. */
const NASTY = `tkn_it's-"$HOME"-\`id\`-\\n-end`;
const PROXY = 'http://127.0.0.1:9999';
/** For .env files, which a shell may source: no backtick (double quotes do not stop command substitution). */
const DOTENV_TOKEN = `tkn_it's-"$HOME"-\\-end`;

function init(args: readonly string[], options: { dir?: string; cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  return runCli(['--dir', options.dir ?? join(home, 'dir'), 'init', ...args], { home, cwd: options.cwd, env: options.env });
}

function bash(script: string, file: string, env: Record<string, string> = {}): ReturnType<typeof spawnSync> {
  return spawnSync('bash', ['-c', script, 'bash', file], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8' });
}

function envOf(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of stdout.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) out.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return out;
}

let fileCount = 0;
/** What a POSIX shell has after `eval "$(tokenomics init …)"`: only the variables the output added or changed. */
function evalShell(output: string): Record<string, string> {
  const file = join(home, `exports-${fileCount++}.sh`);
  writeFileSync(file, output);
  const empty = join(home, 'empty.sh');
  writeFileSync(empty, '');
  const script = 'eval "$(cat "$1")"; env -0';
  const before = envOf(bash(script, empty).stdout as string);
  const run = bash(script, file);
  expect(run.status, String(run.stderr)).toBe(0);
  const added: Record<string, string> = {};
  for (const [name, value] of envOf(run.stdout as string)) if (name !== '_' && before.get(name) !== value) added[name] = value;
  return added;
}

async function shellVars(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<Record<string, string>> {
  const result = await init(args, { env });
  expect(result.code, result.stderr).toBe(0);
  return evalShell(result.stdout);
}

describe('tokenomics init: shell output', () => {
  it('anthropic (via cli_maps of `claude`): the key and base URL variables, and a token with quotes survives eval', async () => {
    expect(await shellVars(['claude', '--token', NASTY, '--proxy-url', PROXY])).toEqual({
      ANTHROPIC_API_KEY: NASTY,
      ANTHROPIC_BASE_URL: PROXY,
    });
  });

  it('openai: OPENAI_* with /v1, a URL holding a quote kept exactly; the token may come from $TOKENOMICS_KEY', async () => {
    const url = "http://127.0.0.1:9999/it's";
    expect(await shellVars(['--provider', 'openai', '--proxy-url', url], { TOKENOMICS_KEY: 'tkn_from-env' })).toEqual({
      OPENAI_API_KEY: 'tkn_from-env',
      OPENAI_BASE_URL: `${url}/v1`,
    });
  });

  it('generic: no provider and no [cli], or a tool mapped to generic, give the OpenAI variables', async () => {
    const expected = { OPENAI_API_KEY: 'tkn_x', OPENAI_BASE_URL: `${PROXY}/v1` };
    expect(await shellVars(['--token', 'tkn_x', '--proxy-url', PROXY])).toEqual(expected);
    expect(await shellVars(['python', '--token', 'tkn_x', '--proxy-url', PROXY])).toEqual(expected);
  });

  it('a catalog provider with its own base_url_env (groq, deepseek)', async () => {
    expect(await shellVars(['--provider', 'groq', '--token', 'tkn_x', '--proxy-url', PROXY])).toEqual({
      GROQ_API_KEY: 'tkn_x',
      GROQ_BASE_URL: `${PROXY}/v1`,
    });
    expect(await shellVars(['--provider', 'deepseek', '--token', 'tkn_x', '--proxy-url', `${PROXY}/`])).toEqual({
      DEEPSEEK_API_KEY: 'tkn_x',
      DEEPSEEK_BASE_URL: `${PROXY}/v1`,
    });
  });

  it('--provider all: every provider, each variable once, the same set as --output json', async () => {
    const args = ['--provider', 'all', '--token', 'tkn_x', '--proxy-url', PROXY];
    const shell = await init(args);
    expect(shell.code, shell.stderr).toBe(0);
    const names = shell.stdout.trim().split('\n').map((line) => /^export ([A-Z0-9_]+)=/.exec(line)?.[1]);
    expect(names.every(Boolean)).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    const vars = evalShell(shell.stdout);
    expect(vars).toMatchObject({
      ANTHROPIC_API_KEY: 'tkn_x',
      ANTHROPIC_BASE_URL: PROXY,
      OPENAI_API_KEY: 'tkn_x',
      OPENAI_BASE_URL: `${PROXY}/v1`,
      GROQ_BASE_URL: `${PROXY}/v1`,
      AZURE_OPENAI_ENDPOINT: PROXY,
    });
    const json = await init([...args, '--output', 'json']);
    expect(JSON.parse(json.stdout)).toEqual(vars);
  });

  it('--env-key and --env-base-url: exactly those two, the URL without /v1', async () => {
    expect(await shellVars(['--env-key', 'MY_KEY', '--env-base-url', 'MY_URL', '--token', NASTY, '--proxy-url', PROXY])).toEqual({
      MY_KEY: NASTY,
      MY_URL: PROXY,
    });
    const half = await init(['--env-key', 'MY_KEY', '--token', 'tkn_x']);
    expect(half.code).toBe(2);
    const bad = await init(['--env-key', 'MY KEY; rm', '--env-base-url', 'U', '--token', 'tkn_x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not a variable name');
  });

  it('--insecure adds NODE_TLS_REJECT_UNAUTHORIZED=0', async () => {
    expect(await shellVars(['--provider', 'anthropic', '--insecure', '--token', 'tkn_x', '--proxy-url', PROXY])).toEqual({
      ANTHROPIC_API_KEY: 'tkn_x',
      ANTHROPIC_BASE_URL: PROXY,
      NODE_TLS_REJECT_UNAUTHORIZED: '0',
    });
  });

  it('without a proxy URL or a running daemon: $TOKENOMICS_PROXY_URL, else server.bind and server.http_port', async () => {
    const dir = join(home, 'no-daemon');
    const fromEnv = await init(['--token', 'tkn_x', '--output', 'json'], { dir, env: { TOKENOMICS_PROXY_URL: 'http://remote:1234' } });
    expect(JSON.parse(fromEnv.stdout)).toEqual({ OPENAI_API_KEY: 'tkn_x', OPENAI_BASE_URL: 'http://remote:1234/v1' });
    const fallback = await init(['--token', 'tkn_x', '--output', 'json'], { dir, env: { TOKENOMICS_SERVER_HTTP_PORT: '8123' } });
    expect(JSON.parse(fallback.stdout)).toEqual({ OPENAI_API_KEY: 'tkn_x', OPENAI_BASE_URL: 'http://127.0.0.1:8123/v1' });
  });

  it('usage errors: no token, an unknown output format, an unknown agent (exit 2)', async () => {
    const noToken = await init(['claude']);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('no token provided: use --token flag or set $TOKENOMICS_KEY');
    const format = await init(['--token', 'tkn_x', '--output', 'yaml']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('unknown output format: yaml');
    const agent = await init(['--token', 'tkn_x', '--agent', 'cursor']);
    expect(agent.code).toBe(2);
    expect(agent.stderr).toContain('unknown agent: cursor (supported: claude-code)');
  });
});

describe('tokenomics init against a running HTTPS daemon', () => {
  it('finds its HTTPS URL and CA in daemon.json; a client trusting only those variables reaches it', async () => {
    const dir = join(home, 'tls', '.tokenomics');
    const daemon = await startDaemon({ home, dir, tls: true });
    daemons.push(daemon);
    const caFile = daemon.state.ca_file!;
    expect(daemon.httpsUrl).toMatch(/^https:\/\//);
    expect(caFile).toBeTruthy();

    const result = await init(['claude', '--token', 'tkn_x'], { dir });
    expect(result.code, result.stderr).toBe(0);
    const vars = evalShell(result.stdout);
    const bundle = join(dir, 'certs', 'ca-bundle.pem');
    expect(vars).toEqual({
      ANTHROPIC_API_KEY: 'tkn_x',
      ANTHROPIC_BASE_URL: daemon.httpsUrl,
      NODE_EXTRA_CA_CERTS: caFile,
      SSL_CERT_FILE: bundle,
      REQUESTS_CA_BUNDLE: bundle,
      CURL_CA_BUNDLE: bundle,
    });
    expect(readFileSync(bundle, 'utf8')).toContain(readFileSync(caFile, 'utf8').trim());

    // Node trusts the gateway through NODE_EXTRA_CA_CERTS alone: no certificate checks are turned off.
    const file = join(home, 'tls-exports.sh');
    writeFileSync(file, result.stdout);
    const probe = bash(
      `eval "$(cat "$1")"; exec "${process.execPath}" -e 'fetch(process.env.ANTHROPIC_BASE_URL + "/health").then((r) => process.exit(r.ok ? 0 : 3), (e) => { console.error(e.cause ?? e); process.exit(4); })'`,
      file,
    );
    expect(probe.status, String(probe.stderr)).toBe(0);

    // --insecure on top, and the plain-HTTP URL when asked for explicitly: no CA variables for http://.
    const insecure = evalShell((await init(['claude', '--token', 'tkn_x', '--insecure'], { dir })).stdout);
    expect(insecure.NODE_TLS_REJECT_UNAUTHORIZED).toBe('0');
    expect(insecure.NODE_EXTRA_CA_CERTS).toBe(caFile);
    const plain = await init(['claude', '--token', 'tkn_x', '--proxy-url', daemon.url, '--output', 'json'], { dir });
    expect(JSON.parse(plain.stdout)).toEqual({ ANTHROPIC_API_KEY: 'tkn_x', ANTHROPIC_BASE_URL: daemon.url });
  });
});

describe('tokenomics init --output dotenv and json', () => {
  it('updates an existing .env in place: other lines kept, our keys replaced, new ones appended; a re-run adds nothing', async () => {
    const cwd = join(home, 'dotenv-project');
    mkdirSync(cwd, { recursive: true });
    const path = join(cwd, '.env');
    writeFileSync(path, '# my settings\nDATABASE_URL=postgres://x\nANTHROPIC_API_KEY=sk-old\n\nexport ANTHROPIC_API_KEY=sk-older\nLAST=1');
    const args = ['--dir', join(home, 'dir'), 'init', 'claude', '--token', DOTENV_TOKEN, '--proxy-url', PROXY, '--output', 'dotenv'];
    const first = await runCli(args, { home, cwd });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe('');
    expect(first.stderr).toContain('Updated .env');
    const text = readFileSync(path, 'utf8');
    expect(text).toBe(
      '# my settings\nDATABASE_URL=postgres://x\n' +
        'ANTHROPIC_API_KEY="tkn_it\'s-\\"\\$HOME\\"-\\\\-end"\n\nLAST=1\n' +
        `ANTHROPIC_BASE_URL="${PROXY}"\n`,
    );
    const second = await runCli(args, { home, cwd });
    expect(second.code, second.stderr).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(text);

    // A shell sourcing the file gets the exact values back.
    const sourced = bash('set -a; . "$1"; env -0', path);
    const vars = envOf(sourced.stdout as string);
    expect(vars.get('ANTHROPIC_API_KEY')).toBe(DOTENV_TOKEN);
    expect(vars.get('ANTHROPIC_BASE_URL')).toBe(PROXY);
    expect(vars.get('DATABASE_URL')).toBe('postgres://x');
  });

  it('--dotenv <path> creates the file (and implies --output dotenv)', async () => {
    const cwd = join(home, 'dotenv-new');
    mkdirSync(cwd, { recursive: true });
    const result = await runCli(['--dir', join(home, 'dir'), 'init', '--token', 'tkn_x', '--proxy-url', PROXY, '--dotenv', 'agent.env'], { home, cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Updated agent.env');
    expect(readFileSync(join(cwd, 'agent.env'), 'utf8')).toBe(`OPENAI_API_KEY="tkn_x"\nOPENAI_BASE_URL="${PROXY}/v1"\n`);
  });

  it('json: a 2-space object with sorted keys', async () => {
    const result = await init(['--provider', 'anthropic', '--insecure', '--token', NASTY, '--proxy-url', PROXY, '--output', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const parsed = JSON.parse(result.stdout) as Record<string, string>;
    expect(parsed).toEqual({ ANTHROPIC_API_KEY: NASTY, ANTHROPIC_BASE_URL: PROXY, NODE_TLS_REJECT_UNAUTHORIZED: '0' });
    expect(Object.keys(parsed)).toEqual([...Object.keys(parsed)].sort());
    expect(result.stdout).toBe(`${JSON.stringify(parsed, null, 2)}\n`);
  });
});

describe('tokenomics init --agent claude-code', () => {
  const TOKEN = 'tkn_0123456789abcdef-wxyz';

  it('merges into an existing .claude/settings.local.json: other keys and env entries stay', async () => {
    const cwd = join(home, 'claude-project');
    mkdirSync(join(cwd, '.claude'), { recursive: true });
    const path = join(cwd, '.claude', 'settings.local.json');
    const existing = {
      permissions: { allow: ['Bash(npm test)'] },
      model: 'claude-sonnet',
      env: { MY_FLAG: '1', ANTHROPIC_BASE_URL: 'http://old:1' },
    };
    writeFileSync(path, JSON.stringify(existing));
    const result = await runCli(['--dir', join(home, 'dir'), 'init', '--agent', 'claude-code', '--token', TOKEN, '--proxy-url', PROXY], { home, cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      permissions: { allow: ['Bash(npm test)'] },
      model: 'claude-sonnet',
      env: { MY_FLAG: '1', ANTHROPIC_API_KEY: TOKEN, ANTHROPIC_BASE_URL: PROXY },
    });
    expect(readFileSync(path, 'utf8')).toMatch(/^\{\n {2}"permissions"[\s\S]*\}\n$/);
    expect(result.stderr).toContain(path);
    expect(result.stderr).toContain('ANTHROPIC_API_KEY=tkn_…wxyz');
    expect(result.stderr).toContain(`ANTHROPIC_BASE_URL=${PROXY}`);
    expect(result.stderr).toContain('tokenomics start');
    expect(result.stderr).not.toContain(TOKEN);
    expect(result.stdout).toBe('');
  });

  it('creates .claude/ when missing', async () => {
    const cwd = join(home, 'claude-fresh');
    const result = await runCli(['--dir', join(home, 'dir'), 'init', '--agent', 'Claude-Code', '--token', TOKEN, '--proxy-url', PROXY], { home, cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, '.claude', 'settings.local.json'), 'utf8'))).toEqual({
      env: { ANTHROPIC_API_KEY: TOKEN, ANTHROPIC_BASE_URL: PROXY },
    });
  });

  it('refuses to overwrite a settings file that is not a JSON object, leaving it untouched', async () => {
    for (const [name, content] of [['broken', '{ "permissions": { oops'], ['array', '[1, 2]'], ['env-string', '{"env": "x"}']] as const) {
      const cwd = join(home, `claude-${name}`);
      mkdirSync(join(cwd, '.claude'), { recursive: true });
      const path = join(cwd, '.claude', 'settings.local.json');
      writeFileSync(path, content);
      const result = await runCli(['--dir', join(home, 'dir'), 'init', '--agent', 'claude-code', '--token', TOKEN, '--proxy-url', PROXY], { home, cwd });
      expect(result.code, name).toBe(1);
      expect(result.stderr).toContain(path);
      expect(result.stderr).toContain('left unchanged');
      expect(readFileSync(path, 'utf8')).toBe(content);
    }
  });
});
