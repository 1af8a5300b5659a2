// `tokenomics start` and `tokenomics run` with real processes: the real Claude Code CLI, a Node script on the official
// OpenAI SDK and curl, each wrapped with the gateway in front of a local mock upstream; requests land in the ledger.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionSummary } from '../src/core/ledger/types.js';
import { runCli, scratchDir, type CliResult } from './helpers/cli.js';
import { freePort, TEST_KEYS } from './helpers/daemon.js';
import { startMockUpstream, type MockUpstream } from './helpers/mock-upstream.js';

const scratch = scratchDir();
const home = scratch.path;
const CLAUDE = fileURLToPath(new URL('../node_modules/.bin/claude', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./fixtures/openai-chat.mjs', import.meta.url));

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(async () => {
  await mock?.close();
  scratch.cleanup();
});

const env = (extra: Record<string, string> = {}) => ({
  ...TEST_KEYS,
  MOCK_KEY: 'sk-mock-secret',
  TOKENOMICS_SERVER_UPSTREAM_URL: mock.url,
  // Claude Code: no update checks or telemetry (there is no network here anyway).
  DISABLE_AUTOUPDATER: '1',
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  ...extra,
});

async function cli(dir: string, args: string[], extra: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['--dir', dir, ...args], { home, env: env(extra) });
}

async function token(dir: string, policy: object): Promise<string> {
  const result = await cli(dir, ['token', 'create', '--policy', JSON.stringify({ base_key_env: 'MOCK_KEY', ...policy }), '--json']);
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { token: string }).token;
}

function sessions(dir: string): SessionSummary[] {
  const path = join(dir, 'sessions');
  return readdirSync(path)
    .filter((n) => n.endsWith('.json'))
    .map((n) => JSON.parse(readFileSync(join(path, n), 'utf8')) as SessionSummary);
}

describe('tokenomics run with an ephemeral proxy', () => {
  const dir = join(home, 'ephemeral');

  it('runs the real Claude Code CLI: it prints the mock answer and the requests are in the ledger', async () => {
    const key = await token(dir, { default_provider: 'anthropic', upstream_url: mock.url });
    const before = mock.requests.length;
    const result = await cli(dir, ['run', '--print-env', CLAUDE, '-p', 'say hello'], { TOKENOMICS_KEY: key });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Hello from the mock.');
    // cli_maps sends `claude` to the anthropic provider: its SDK variables, the token masked in --print-env.
    expect(result.stderr).toMatch(/ANTHROPIC_API_KEY=tkn_…[0-9a-f]{4}\n/);
    expect(result.stderr).toMatch(/ANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:\d+\n/);
    expect(result.stderr).not.toContain(key);
    const received = mock.requests.slice(before);
    expect(received.length).toBeGreaterThan(0);
    expect(received.every((r) => r.url.startsWith('/v1/messages') && r.headers['x-api-key'] === 'sk-mock-secret')).toBe(true);
    // The ephemeral proxy stopped with the command and wrote its session.
    const [session] = sessions(dir);
    expect(session!.totals.request_count).toBe(received.length);
    expect(session!.totals.input_tokens).toBeGreaterThan(0);
    expect(session!.requests.every((r) => r.provider === 'anthropic' && r.model.startsWith('claude-'))).toBe(true);
  });

  it('runs a Node script on the OpenAI SDK and curl, with the exit code of the command', async () => {
    const key = await token(dir, {});
    const node = await cli(dir, ['run', 'node', SCRIPT, 'ping'], { TOKENOMICS_KEY: key });
    expect(node.code, node.stderr).toBe(0);
    expect(node.stdout).toContain('answer: Hello from the mock.');

    const curl = await cli(dir, [
      'run', '--provider', 'openai', '--', 'sh', '-c',
      'curl -sf "$OPENAI_BASE_URL/chat/completions" -H "authorization: Bearer $OPENAI_API_KEY" -H "content-type: application/json" -d \'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}\'',
    ], { TOKENOMICS_KEY: key });
    expect(curl.code, curl.stderr).toBe(0);
    expect(JSON.parse(curl.stdout).choices[0].message.content).toBe('Hello from the mock.');

    expect((await cli(dir, ['run', '--', 'node', '-e', 'process.exit(7)'], { TOKENOMICS_KEY: key })).code).toBe(7);
    const all = sessions(dir).flatMap((s) => s.requests);
    expect(all.filter((r) => r.model === 'gpt-4o-mini' && r.status_code === 200)).toHaveLength(2);
  });

  it('refuses without a token, and names a missing command', async () => {
    const none = await cli(dir, ['run', 'true']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no token provided: use --token flag or set $TOKENOMICS_KEY');
    const missing = await cli(dir, ['run', '--token', 'tkn_x', 'no-such-command-here']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('command not found: no-such-command-here');
  });

  it('--tls: the command trusts the proxy through the CA variables, without turning checks off', async () => {
    const key = await token(dir, {});
    const result = await cli(dir, ['run', '--tls', '--print-env', 'node', SCRIPT], { TOKENOMICS_KEY: key });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('answer: Hello from the mock.');
    expect(result.stderr).toMatch(/OPENAI_BASE_URL=https:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(result.stderr).toMatch(/NODE_EXTRA_CA_CERTS=.*ca\.crt\n/);
    expect(result.stderr).toMatch(/SSL_CERT_FILE=.*ca-bundle\.pem/);
    expect(result.stderr).not.toContain('NODE_TLS_REJECT_UNAUTHORIZED');
  });
});

describe('tokenomics start, run and stop', () => {
  const dir = join(home, 'background');
  let port: number;

  it('start prints the URL on stdout, is idempotent, and run reuses the running proxy', async () => {
    port = await freePort();
    const started = await cli(dir, ['start', '--no-tls', '--port', String(port)]);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toBe(`http://127.0.0.1:${port}\n`);
    expect(started.stderr).toContain(`Proxy started: http://127.0.0.1:${port}`);
    const pid = Number(readFileSync(join(dir, 'tokenomics.pid'), 'utf8'));
    expect(pid).toBeGreaterThan(0);

    const again = await cli(dir, ['start', '--no-tls', '--port', String(port)]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`http://127.0.0.1:${port}\n`);
    expect(again.stderr).toContain('Proxy already running');

    const key = await token(dir, {});
    const result = await cli(dir, ['run', '--print-env', 'node', SCRIPT], { TOKENOMICS_KEY: key });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`OPENAI_BASE_URL=http://127.0.0.1:${port}/v1`);
    // The request is in the running daemon's journal.
    const journal = readdirSync(join(dir, 'sessions')).find((n) => n.endsWith('.jsonl'))!;
    expect(readFileSync(join(dir, 'sessions', journal), 'utf8')).toContain('"model":"gpt-4o-mini"');

    const stopped = await cli(dir, ['stop']);
    expect(stopped.stderr).toContain(`Proxy stopped (PID ${pid})`);
    expect(() => readFileSync(join(dir, 'tokenomics.pid'))).toThrow();
    expect((await cli(dir, ['stop'])).stderr).toContain('Proxy not running');
  });

  it('a stale daemon.json and PID file (a crashed proxy) do not stop start; stop removes a stale PID file', async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'daemon.json'), JSON.stringify({ pid: 999_999, control_url: 'http://127.0.0.1:1', control_secret: 'x', http_url: 'http://127.0.0.1:1' }));
    writeFileSync(join(dir, 'tokenomics.pid'), '999999');
    const started = await cli(dir, ['start', '--no-tls', '--port', String(port)]);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toBe(`http://127.0.0.1:${port}\n`);
    expect(Number(readFileSync(join(dir, 'tokenomics.pid'), 'utf8'))).not.toBe(999_999);
    expect((await cli(dir, ['stop'])).code).toBe(0);

    writeFileSync(join(dir, 'tokenomics.pid'), '999999');
    const stopped = await cli(dir, ['stop']);
    expect(stopped.stderr).toContain('Proxy not running');
    expect(existsSync(join(dir, 'tokenomics.pid'))).toBe(false);
  });

  it('a port taken by another program: exit 1 with the reason and the log lines', async () => {
    const foreign: Server = createServer((_req, res) => res.end('not tokenomics'));
    const taken = await freePort();
    await new Promise<void>((resolve) => foreign.listen(taken, '127.0.0.1', resolve));
    try {
      const result = await cli(dir, ['start', '--no-tls', '--port', String(taken)]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('could not start the proxy: the proxy exited with code');
      expect(result.stderr).toContain(`port ${taken} on 127.0.0.1 is in use by another program`);
      expect(result.stderr).toContain('tokenomics.log');
    } finally {
      await new Promise((resolve) => foreign.close(resolve));
    }
  });
});
