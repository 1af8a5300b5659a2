// The daemon's logs as configured: text format, the request log with bodies (masked as they went upstream), hidden
// token hashes, the log file; and by default no per-request lines and no bodies. Never a key or a raw token.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';
import { startDaemon, TEST_KEYS } from './helpers/daemon.js';
import { startMockUpstream, type MockUpstream } from './helpers/mock-upstream.js';

const scratch = scratchDir();
const home = scratch.path;
const EMAIL = 'secret.person@example.com';
let mock: MockUpstream;

beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(async () => {
  await mock?.close();
  scratch.cleanup();
});

async function session(dir: string, extraEnv: Record<string, string>): Promise<{ output: string; token: string; hash: string }> {
  const created = await runCli(
    ['--dir', dir, 'token', 'create', '--json', '--policy', JSON.stringify({ base_key_env: 'MOCK_KEY', rules: [{ type: 'pii', detect: ['email'], action: 'mask' }] })],
    { home, env: { ...TEST_KEYS } },
  );
  const { token, hash } = JSON.parse(created.stdout) as { token: string; hash: string };
  const daemon = await startDaemon({ home, dir, env: { TOKENOMICS_SERVER_UPSTREAM_URL: mock.url, MOCK_KEY: 'sk-mock-log-secret', ...extraEnv } });
  const client = new OpenAI({ apiKey: token, baseURL: `${daemon.url}/v1`, maxRetries: 0 });
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `mail ${EMAIL} marker-7731` }] });
  const { output } = await daemon.stop();
  return { output, token, hash };
}

describe('logging', () => {
  it('text format, request lines with masked bodies and hidden hashes, also in the log file', async () => {
    const dir = join(home, 'verbose');
    const { output, token, hash } = await session(dir, {
      TOKENOMICS_LOGGING_FORMAT: 'text',
      TOKENOMICS_LOGGING_DISABLE_REQUEST: 'false',
      TOKENOMICS_LOGGING_REQUEST_BODY: 'true',
      TOKENOMICS_LOGGING_RESPONSE_BODY: 'true',
      TOKENOMICS_LOGGING_HIDE_TOKEN_HASH: 'true',
      TOKENOMICS_LOGGING_FILE_ENABLED: 'true',
    });
    const requestLine = output.split('\n').find((l) => l.includes(' request ') && l.includes('marker-7731'));
    expect(requestLine, output).toBeDefined();
    expect(requestLine!.trimStart().startsWith('{')).toBe(false);
    expect(requestLine).toContain('[REDACTED]');
    expect(requestLine).toContain('Hello from the mock.');
    expect(requestLine).toContain(`${hash.slice(0, 4)}…`);
    const file = join(dir, 'tokenomics.log');
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain('marker-7731');
    for (const text of [output, readFileSync(file, 'utf8'), readFileSync(join(dir, 'proxy.log'), 'utf8')]) {
      expect(text).not.toContain(EMAIL);
      expect(text).not.toContain(hash.slice(0, 16));
      expect(text).not.toContain(token);
      expect(text).not.toContain('sk-mock-log-secret');
    }
  });

  it('by default: JSON lines, no per-request line, no bodies', async () => {
    const { output } = await session(join(home, 'quiet'), {});
    const lines = output.split('\n').filter((l) => l.trim());
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(output).not.toContain('marker-7731');
    expect(lines.some((l) => (JSON.parse(l) as { msg?: string }).msg === 'request')).toBe(false);
  });
});
