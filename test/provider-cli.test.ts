// `tokenomics provider list|test|models` through the built CLI, against real loopback servers.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';
import { freePort, TEST_KEYS } from './helpers/daemon.js';
import { startMockUpstream, type MockUpstream } from './helpers/mock-upstream.js';

const scratch = scratchDir();
const home = scratch.path;
const dir = join(home, 'data');
const SECRET = 'sk-test-secret-value-1234';
const QUERY_SECRET = 'query-secret-5678';

let mock: MockUpstream;
let statusServer: Server;
const statusRequests: IncomingMessage[] = [];

/** Answers the status named by the first path segment: /s401/v1/models -> 401. */
function startStatusServer(): Promise<Server> {
  const server = createServer((req, res) => {
    statusRequests.push(req);
    const status = Number(/^\/s(\d{3})/.exec(req.url ?? '')?.[1] ?? 200);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end('{}');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const cli = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(['--dir', dir, ...args], { home, env: { ...TEST_KEYS, ...env } });

beforeAll(async () => {
  mock = await startMockUpstream();
  statusServer = await startStatusServer();
  const status = `http://127.0.0.1:${(statusServer.address() as AddressInfo).port}`;
  const closed = await freePort();
  writeFileSync(
    join(home, 'config.yaml'),
    `providers:
  mockprov:
    upstream_url: ${mock.url}
    api_key_env: MOCK_PROVIDER_KEY
    base_url_env: MOCK_PROVIDER_BASE_URL
    models: [mock-small, mock-large]
  versioned:
    upstream_url: ${mock.url}/v1
    api_key_env: MOCK_PROVIDER_KEY
    chat_path: /chat/completions
  closed:
    upstream_url: http://127.0.0.1:${closed}
    api_key_env: CLOSED_KEY
  denied:
    upstream_url: ${status}/s401
    api_key_env: DENIED_KEY
  gone:
    upstream_url: ${status}/s404
    api_key_env: ""
  broken:
    upstream_url: ${status}/s503
    api_key_env: ""
  querykey:
    upstream_url: ${status}/s200
    api_key_env: QUERY_KEY
    auth_scheme: query
  templated:
    upstream_url: https://{resource}.example.invalid
    api_key_env: TEMPLATED_KEY
  longurl:
    upstream_url: http://127.0.0.1:1/a/very/long/path/that/goes/on/and/on/forever
`,
  );
});

afterAll(async () => {
  await mock.close();
  await new Promise<void>((resolve) => statusServer.close(() => resolve()));
  scratch.cleanup();
});

describe('provider list', () => {
  it('prints the catalog as a table: header, rule, KEY? yes/no/n/a, long upstreams cut with ...', async () => {
    const result = await cli(['provider', 'list'], { MOCK_PROVIDER_KEY: SECRET });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +UPSTREAM +AUTH +API KEY ENV +KEY\? +MODELS$/);
    expect(lines[1]).toMatch(/^-+( +-+)+$/);
    const row = (name: string) => lines.find((l) => l.startsWith(`${name} `))!;
    expect(row('mockprov')).toMatch(new RegExp(`^mockprov +${mock.url.replace(/\./g, '\\.')} +bearer +MOCK_PROVIDER_KEY +yes +2$`));
    expect(row('closed')).toMatch(/ CLOSED_KEY +no +0$/);
    expect(row('gone')).toMatch(/ bearer +n\/a +0$/);
    expect(row('longurl')).toContain('http://127.0.0.1:1/a/very/long/path/t...  ');
    expect(row('openai')).toMatch(/https:\/\/api\.openai\.com +bearer +OPENAI_API_KEY/);
    // Sorted by name.
    const names = lines.slice(2).map((l) => l.split(' ')[0]!);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    expect(result.stdout + result.stderr).not.toContain(SECRET);
  });

  it('--output json and --json print the same array; key_set only when the variable is set; no key values', async () => {
    const withKey = await cli(['provider', 'list', '--output', 'json'], { MOCK_PROVIDER_KEY: SECRET });
    expect(withKey.code, withKey.stderr).toBe(0);
    const providers = JSON.parse(withKey.stdout) as Array<Record<string, unknown>>;
    expect(providers.find((p) => p.name === 'mockprov')).toEqual({
      name: 'mockprov',
      upstream_url: mock.url,
      auth_scheme: 'bearer',
      api_key_env: 'MOCK_PROVIDER_KEY',
      key_set: true,
      base_url_env: 'MOCK_PROVIDER_BASE_URL',
      api_format: 'openai',
      model_count: 2,
    });
    expect(providers.find((p) => p.name === 'versioned')).toMatchObject({ chat_path: '/chat/completions', key_set: true });
    expect(providers.find((p) => p.name === 'anthropic')).toMatchObject({ auth_scheme: 'header', api_format: 'anthropic', chat_path: '/v1/messages' });
    expect(providers.find((p) => p.name === 'closed')).toMatchObject({ key_set: false });
    expect(providers.map((p) => p.name)).toEqual(providers.map((p) => p.name as string).sort((a, b) => a.localeCompare(b)));
    expect(withKey.stdout).not.toContain(SECRET);

    const withoutKey = await cli(['provider', 'list', '--json']);
    const again = JSON.parse(withoutKey.stdout) as Array<Record<string, unknown>>;
    expect(again.find((p) => p.name === 'mockprov')).toMatchObject({ key_set: false });
    expect(again.length).toBe(providers.length);
  });

  it('rejects an unknown --output format with exit code 2', async () => {
    const result = await cli(['provider', 'list', '--output', 'yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--output.*yaml|yaml.*table, json/);
  });
});

describe('provider test', () => {
  it('OK for a provider that answers, sending its key the way the proxy would', async () => {
    const before = mock.requests.length;
    const result = await cli(['provider', 'test', 'mockprov', 'versioned'], { MOCK_PROVIDER_KEY: SECRET });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^mockprov {10}OK {4}\d+ms \(HTTP 200\)$/m);
    expect(result.stdout).toMatch(/^versioned {9}OK {4}\d+ms/m);
    const asked = mock.requests.slice(before);
    expect(asked.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /v1/models', 'GET /v1/models']);
    expect(asked[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(result.stdout + result.stderr).not.toContain(SECRET);
  });

  it('FAIL for a closed port, AUTH for 401, FAIL for 404 and 5xx; exit 1', async () => {
    const result = await cli(['provider', 'test', 'closed', 'denied', 'gone', 'broken']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Error: one or more providers failed connectivity test');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split(/ +/)[0])).toEqual(['broken', 'closed', 'denied', 'gone']);
    expect(result.stdout).toMatch(/^closed {12}FAIL {2}unreachable: connection refused$/m);
    expect(result.stdout).toMatch(/^denied {12}AUTH {2}reachable but credentials invalid or missing: HTTP 401 \(\$DENIED_KEY is not set\)$/m);
    expect(result.stdout).toMatch(/^gone {14}FAIL {2}HTTP 404 from http:\/\/127\.0\.0\.1:\d+\/s404\/v1\/models/m);
    expect(result.stdout).toMatch(/^broken {12}FAIL {2}HTTP 503 from .*try again later$/m);
  });

  it('UNKNOWN for a name not in the config; placeholders without their variable are skipped as FAIL', async () => {
    const result = await cli(['provider', 'test', 'no-such-provider', 'templated']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^no-such-provider {2}UNKNOWN \(not in config\)$/m);
    expect(result.stdout).toMatch(/^templated {9}FAIL {2}skipped \(URL contains placeholders: set TEMPLATED_RESOURCE \(or TOKENOMICS_RESOURCE\)\)$/m);
  });

  it('--json prints the results; a query-scheme key never shows in the URL', async () => {
    const result = await cli(['provider', 'test', 'querykey', 'denied', '--json'], { QUERY_KEY: QUERY_SECRET, DENIED_KEY: 'wrong' });
    expect(result.code).toBe(1);
    const results = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(results).toMatchObject([
      { name: 'denied', status: 'auth', http_status: 401 },
      { name: 'querykey', status: 'ok', http_status: 200 },
    ]);
    expect(results[0]!.detail).toContain('check the key in $DENIED_KEY');
    expect(results[1]!.url).toMatch(/\/s200\/v1\/models$/);
    expect(typeof results[1]!.latency_ms).toBe('number');
    expect(result.stdout).not.toContain(QUERY_SECRET);
    // The key did go upstream, in the query.
    expect(statusRequests.some((r) => r.url?.includes(`key=${QUERY_SECRET}`))).toBe(true);
  });
});

describe('provider models', () => {
  it('lists one provider\'s models, every provider\'s, or says none are configured', async () => {
    const one = await cli(['provider', 'models', 'MockProv']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toBe('mock-small\nmock-large\n');

    const none = await cli(['provider', 'models', 'closed']);
    expect(none.stdout).toBe('closed: no models configured\n');

    const all = await cli(['provider', 'models']);
    expect(all.stdout).toContain('mockprov:\n  mock-small\n  mock-large\n');
    expect(all.stdout).toContain('closed: (none)\n');
    expect(all.stdout).toContain('anthropic:\n  claude-');

    const json = JSON.parse((await cli(['provider', 'models', 'mockprov', '--json'])).stdout);
    expect(json).toEqual([{ name: 'mockprov', models: ['mock-small', 'mock-large'] }]);
  });

  it('an unknown provider is an error naming it', async () => {
    const result = await cli(['provider', 'models', 'nope']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('provider "nope" not found in config');
  });
});
