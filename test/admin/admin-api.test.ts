// Every admin route of the real daemon, happy path and errors, beside the key round trip of admin-keys.test.ts:
// health on both listeners, env-var names, the policy schema, series parameters over earlier session files,
// sessions, memory files, usage, unknown paths and methods, the page and its assets (from TOKENOMICS_WEB_DIR),
// and admin.enabled false.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../helpers/cli.js';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { raw, sameOrigin } from './raw-http.js';

const scratch = scratchDir();
const home = scratch.path;
const dir = join(home, '.tokenomics');
const web = join(home, 'web');
const ENV_SECRET = 'value-that-must-not-show-7f3a';
const HASH = 'ab'.repeat(32);

let daemon: RunningDaemon;
let ca: string;

const api = (path: string) => raw(daemon.url, path);

/** A day `n` days ago, `YYYY-MM-DD`, and a time on it. */
function daysAgo(n: number, time = '10:05:00.000'): { day: string; at: string } {
  const day = new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
  return { day, at: `${day}T${time}Z` };
}

/** An earlier session file as the ledger (or the Go original) writes it. */
function writeSession(id: string, ago: number, branch: string): void {
  const { day, at } = daysAgo(ago);
  const request = (extra: object) => ({ timestamp: at, token_hash: HASH, model: 'claude-sonnet-4-5', provider: 'anthropic', input_tokens: 100, output_tokens: 50, duration_ms: 20, status_code: 200, cost_usd: 0.25, ...extra });
  const requests = [request({ metadata: { team: 'web' } }), request({ status_code: 500, input_tokens: 10, output_tokens: 0, cost_usd: 0 }), request({ model: 'gpt-4o', provider: 'openai', metadata: { team: 'api' } })];
  const session = {
    session_id: id,
    started_at: `${day}T10:00:00Z`,
    ended_at: `${day}T11:00:00Z`,
    duration_ms: 3_600_000,
    git: { branch },
    totals: { request_count: 3, input_tokens: 210, output_tokens: 100, total_tokens: 310, error_count: 1, retry_count: 0, rule_violation_count: 0, rate_limit_count: 0, cost_usd: 0.5 },
    by_model: {},
    by_provider: {},
    by_token: { [HASH]: { request_count: 3, input_tokens: 210, output_tokens: 100, total_tokens: 310, models_used: ['claude-sonnet-4-5', 'gpt-4o'], first_seen: at, last_seen: at } },
    requests,
  };
  mkdirSync(join(dir, 'sessions'), { recursive: true });
  writeFileSync(join(dir, 'sessions', `${day}_${id}.json`), JSON.stringify(session, null, 2));
}

beforeAll(async () => {
  writeSession('aaaa1111', 2, 'feature-x');
  writeSession('aaaa2222', 1, 'main');
  mkdirSync(join(dir, 'memory', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'memory', 'sub', 'old.md'), '# old\n');
  writeFileSync(join(dir, 'memory', 'packed.md.gz'), gzipSync('packed text\n'));
  writeFileSync(join(dir, 'memory', 'huge.md'), Buffer.alloc(5 * 1024 * 1024 + 1, 'a'));
  mkdirSync(join(web, 'assets', 'fonts'), { recursive: true });
  writeFileSync(join(web, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="/admin/assets/index-B9x_Qw3a.js"></script>');
  writeFileSync(join(web, 'assets', 'index-B9x_Qw3a.js'), 'export const app = 1;');
  writeFileSync(join(web, 'assets', 'index-Cd7_k2Lm.css'), 'body{margin:0}');
  writeFileSync(join(web, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(web, 'assets', 'fonts', 'inter-Ab12Cd34.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
  daemon = await startDaemon({ home, dir, tls: true, env: { TOKENOMICS_WEB_DIR: web, SOME_PROVIDER_KEY: ENV_SECRET } });
  ca = readFileSync(daemon.state.ca_file!, 'utf8');
});

afterAll(async () => {
  await daemon?.stop();
  scratch.cleanup();
});

describe('health, environment, schema', () => {
  it('reports ports, TLS, auth and the ledger on both listeners', async () => {
    const expected = {
      status: 'ok',
      version: expect.any(String),
      http_port: Number(new URL(daemon.url).port),
      https_port: Number(new URL(daemon.httpsUrl!).port),
      tls_enabled: true,
      admin: { enabled: true, auth_required: false },
      ledger_enabled: true,
    };
    const http = await api('/admin/api/health');
    expect(http.status).toBe(200);
    expect(http.headers['content-type']).toBe('application/json');
    expect(http.text.endsWith('}\n')).toBe(true);
    expect(http.json()).toEqual(expected);
    const https = await raw(daemon.httpsUrl!, '/admin/api/health', { ca });
    expect(https.json()).toEqual(expected);
  });

  it('checks Origin against the HTTPS origin on the HTTPS listener', async () => {
    const body = JSON.stringify({ policy: { base_key_env: 'SOME_PROVIDER_KEY' } });
    const same = await raw(daemon.httpsUrl!, '/admin/api/keys', { ca, method: 'POST', headers: sameOrigin(daemon.httpsUrl!), body });
    expect(same.status).toBe(201);
    const http = `http://${new URL(daemon.httpsUrl!).host}`;
    const downgraded = await raw(daemon.httpsUrl!, '/admin/api/keys', { ca, method: 'POST', headers: sameOrigin(http), body });
    expect(downgraded.status).toBe(403);
  });

  it('lists the names of the environment, never a value', async () => {
    const res = await api('/admin/api/env-vars');
    const names = res.json<{ env_vars: string[] }>().env_vars;
    expect(names).toContain('SOME_PROVIDER_KEY');
    expect(names).toContain('HOME');
    expect(names).toEqual([...names].sort());
    expect(res.text).not.toContain(ENV_SECRET);
  });

  it('serves the policy JSON Schema from the zod schema', async () => {
    const schema = (await api('/admin/api/policy/schema')).json<{ type: string; properties: Record<string, { type?: string; items?: { properties?: Record<string, unknown> } }>; additionalProperties: boolean }>();
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['base_key_env', 'rules', 'rate_limit', 'budgets', 'providers', 'memory', 'metadata']));
    expect(schema.properties.budgets!.items!.properties).toHaveProperty('window');
  });
});

describe('analytics series', () => {
  type SeriesBody = { bucket: string; since: string; until: string; by: string; buckets: string[]; series: { key: string; requests: number[]; input_tokens: number[]; total_tokens: number[]; cost_usd: number[]; errors: number[] }[]; totals: Record<string, number> };
  const series = async (query: string) => (await api(`/admin/api/analytics/series?${query}`)).json<SeriesBody>();

  it('adds earlier sessions up per day, zero-filled, by model, sorted by requests', async () => {
    const body = await series('bucket=day&since=7d&by=model');
    expect(body.bucket).toBe('day');
    expect(body.buckets).toHaveLength(8);
    expect(body.buckets[0]).toBe(`${daysAgo(7).day}T00:00:00.000Z`);
    expect(body.series.map((s) => s.key)).toEqual(['claude-sonnet-4-5', 'gpt-4o']);
    const claude = body.series[0]!;
    expect(claude.requests).toEqual([0, 0, 0, 0, 0, 2, 2, 0]);
    expect(claude.errors).toEqual([0, 0, 0, 0, 0, 1, 1, 0]);
    expect(claude.cost_usd).toEqual([0, 0, 0, 0, 0, 0.25, 0.25, 0]);
    expect(body.totals).toEqual({ requests: 6, input_tokens: 420, output_tokens: 200, total_tokens: 620, cost_usd: 1, errors: 2 });
  });

  it('groups by branch, provider, token and a metadata tag; none gives one series "all"', async () => {
    expect((await series('bucket=day&since=7d&by=branch')).series.map((s) => [s.key, s.requests.reduce((a, b) => a + b)])).toEqual([['feature-x', 3], ['main', 3]]);
    expect((await series('bucket=day&since=7d&by=provider')).series.map((s) => s.key)).toEqual(['anthropic', 'openai']);
    expect((await series('bucket=day&since=7d&by=token')).series.map((s) => s.key)).toEqual([HASH.slice(0, 16)]);
    const tags = await series('bucket=day&since=7d&by=tag:team');
    expect(tags.series.map((s) => [s.key, s.requests.reduce((a, b) => a + b)])).toEqual([['(none)', 2], ['api', 2], ['web', 2]]);
    const all = await series('bucket=day&since=7d');
    expect(all.by).toBe('none');
    expect(all.series.map((s) => s.key)).toEqual(['all']);
  });

  it('puts requests in their hour with bucket=hour and an explicit range', async () => {
    const { day } = daysAgo(1);
    const body = await series(`bucket=hour&since=${day}T08:30:00Z&until=${day}T12:00:00Z`);
    expect(body.since).toBe(`${day}T08:00:00.000Z`);
    expect(body.until).toBe(`${day}T12:00:00.000Z`);
    expect(body.buckets).toEqual(['08', '09', '10', '11', '12'].map((h) => `${day}T${h}:00:00.000Z`));
    expect(body.series[0]!.requests).toEqual([0, 0, 3, 0, 0]);
  });

  it('answers an empty range with zero-filled buckets and no series', async () => {
    const body = await series('by=model&since=1h');
    expect(body.buckets.length).toBeGreaterThanOrEqual(1);
    expect(body.series).toEqual([]);
    expect(body.totals.requests).toBe(0);
  });

  it.each([
    ['bucket=week', /^bucket must be hour or day/],
    ['since=yesterday', /^since must be an ISO time/],
    ['until=later', /^until must be an ISO time/],
    ['by=colour', /^by must be none, model, token/],
    ['by=tag:', /^by must be/],
    ['since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z', /since must be before until/],
    ['bucket=hour&since=3650d', /^since: the range has \d+ hour buckets/],
  ])('refuses %s with a message naming the parameter', async (query, message) => {
    const res = await api(`/admin/api/analytics/series?${query}`);
    expect(res.status).toBe(400);
    expect(res.json<{ error: string }>().error).toMatch(message);
  });
});

describe('summaries and usage', () => {
  it('summarises the ledger beside this run\'s counters', async () => {
    const body = (await api('/admin/api/analytics/summary')).json<{ totals: Record<string, number>; active_tokens: number; by_provider: object; by_model: object; ledger: Record<string, number> }>();
    expect(body.totals).toEqual({ request_count: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0, error_count: 0, cost_usd: 0 });
    expect(body.active_tokens).toBe(0);
    expect(body.ledger).toEqual({ sessions: 3, request_count: 6, input_tokens: 420, output_tokens: 200, total_tokens: 620, cost_usd: 1 });
  });

  it('gives the usage summary and a token\'s usage from the ledger', async () => {
    const summary = (await api('/admin/api/usage/summary')).json<{ realtime: { totals: object; by_model_and_key: unknown[]; by_token: unknown[] }; ledger: { sessions: number; by_model: Record<string, { request_count: number }> } }>();
    expect(summary.realtime.by_token).toEqual([]);
    expect(summary.ledger.sessions).toBe(3);
    expect(summary.ledger.by_model['claude-sonnet-4-5']!.request_count).toBe(4);
    const usage = (await api(`/admin/api/usage/tokens/${HASH}`)).json<{ token_hash: string; ledger: Record<string, unknown> }>();
    expect(usage.token_hash).toBe(HASH);
    expect(usage.ledger).toMatchObject({ request_count: 6, total_tokens: 620, models_used: ['claude-sonnet-4-5', 'gpt-4o'], first_seen: daysAgo(2).at, last_seen: daysAgo(1).at });
    const unknown = await api('/admin/api/usage/tokens/12345678');
    expect(unknown.status).toBe(404);
  });
});

describe('sessions', () => {
  it('lists sessions newest first with a summary, and honours limit', async () => {
    const body = (await api('/admin/api/sessions')).json<{ summary: Record<string, number>; sessions: { session_id: string; running: boolean; branch?: string; ended_at?: string; cost_usd: number }[] }>();
    expect(body.summary).toEqual({ sessions: 3, request_count: 6, input_tokens: 420, output_tokens: 200, total_tokens: 620, cost_usd: 1 });
    expect(body.sessions.map((s) => s.session_id).slice(1)).toEqual(['aaaa2222', 'aaaa1111']);
    expect(body.sessions[0]!.running).toBe(true);
    expect(body.sessions[1]).toMatchObject({ branch: 'main', running: false, cost_usd: 0.5, ended_at: `${daysAgo(1).day}T11:00:00Z` });
    const limited = (await api('/admin/api/sessions?limit=1')).json<{ sessions: unknown[] }>();
    expect(limited.sessions).toHaveLength(1);
    for (const limit of ['0', '-1', 'x', '1.5', '10001']) {
      const res = await api(`/admin/api/sessions?limit=${limit}`);
      expect(res.status).toBe(400);
      expect(res.json<{ error: string }>().error).toMatch(/^limit must be/);
    }
  });

  it('shows a session by id or unique prefix; 404 unknown, 400 ambiguous', async () => {
    const full = (await api('/admin/api/sessions/aaaa1111')).json<{ session_id: string; git: { branch: string }; requests: unknown[] }>();
    expect(full).toMatchObject({ session_id: 'aaaa1111', git: { branch: 'feature-x' } });
    expect(full.requests).toHaveLength(3);
    expect((await api('/admin/api/sessions/aaaa2')).json<{ session_id: string }>().session_id).toBe('aaaa2222');
    const missing = await api('/admin/api/sessions/zzzz');
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ error: 'session not found' });
    const ambiguous = await api('/admin/api/sessions/aaaa');
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.json<{ error: string }>().error).toMatch(/matches 2 sessions/);
  });
});

describe('memory files', () => {
  it('lists the files newest first with sizes and times', async () => {
    const body = (await api('/admin/api/memory/files')).json<{ count: number; files: { path: string; size: number; mod_time: string }[] }>();
    expect(body.count).toBe(body.files.length);
    expect(body.files.map((f) => f.path)).toEqual(expect.arrayContaining(['sub/old.md', 'packed.md.gz', 'huge.md']));
    const times = body.files.map((f) => Date.parse(f.mod_time));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(body.files.find((f) => f.path === 'sub/old.md')!.size).toBe(6);
  });

  it('reads a file, unpacks .gz, refuses a file over 5 MB', async () => {
    expect((await api('/admin/api/memory/files/sub/old.md')).json()).toEqual({ path: 'sub/old.md', content: '# old\n' });
    expect((await api('/admin/api/memory/files/sub%2Fold.md')).json()).toEqual({ path: 'sub/old.md', content: '# old\n' });
    expect((await api('/admin/api/memory/files/packed.md.gz')).json()).toEqual({ path: 'packed.md.gz', content: 'packed text\n' });
    const huge = await api('/admin/api/memory/files/huge.md');
    expect(huge.status).toBe(413);
    expect(huge.json<{ error: string }>().error).toMatch(/larger than 5 MB/);
    expect((await api('/admin/api/memory/files/sub')).status).toBe(404);
  });
});

describe('unknown routes and methods', () => {
  it('answers 404 naming the route, and 405 with Allow for a wrong method', async () => {
    const missing = await api('/admin/api/nothing/here');
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ error: 'no admin route GET /admin/api/nothing/here' });
    expect((await api('/admin/api')).status).toBe(404);
    const wrong = await raw(daemon.url, '/admin/api/health', { method: 'POST', headers: sameOrigin(daemon.url), body: '{}' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET');
    const patch = await raw(daemon.url, '/admin/api/keys', { method: 'PATCH', headers: sameOrigin(daemon.url), body: '{}' });
    expect(patch.status).toBe(405);
    expect(patch.headers.allow).toBe('GET, POST');
  });
});

describe('the page and its assets', () => {
  it('serves index.html with the CSP for every page route', async () => {
    for (const path of ['/admin', '/admin/', '/admin/keys', '/admin/sessions/aaaa1111', '/admin/index.html?x=1']) {
      const res = await api(path);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.text).toContain('<div id="root">');
      expect(res.headers['content-security-policy']).toBe(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      );
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
    const head = await raw(daemon.url, '/admin/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
  });

  it('serves assets with their type; hashed names are cached for a year', async () => {
    const cases = [
      ['index-B9x_Qw3a.js', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
      ['index-Cd7_k2Lm.css', 'text/css; charset=utf-8', 'public, max-age=31536000, immutable'],
      ['logo.svg', 'image/svg+xml', 'no-cache'],
      ['fonts/inter-Ab12Cd34.woff2', 'font/woff2', 'public, max-age=31536000, immutable'],
    ] as const;
    for (const [file, type, cache] of cases) {
      const res = await api(`/admin/assets/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers['content-type']).toBe(type);
      expect(res.headers['cache-control']).toBe(cache);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
    expect((await api('/admin/assets/index-B9x_Qw3a.js')).text).toBe('export const app = 1;');
    expect((await api('/admin/assets/missing.js')).status).toBe(404);
    expect((await api('/admin/assets/fonts')).status).toBe(404);
  });

  it('refuses other methods on the page', async () => {
    const res = await raw(daemon.url, '/admin/', { method: 'POST', headers: sameOrigin(daemon.url), body: '' });
    expect(res.status).toBe(405);
  });

  it('redirects the bare listener URL to the page', async () => {
    for (const method of ['GET', 'HEAD']) {
      const res = await raw(daemon.url, '/', { method });
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe('/admin/');
    }
  });

  it('answers 503 with a hint while the page is not built', async () => {
    renameSync(join(web, 'index.html'), join(web, 'index.html.away'));
    try {
      const res = await api('/admin/');
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.text.trim()).toBe('the admin page is not built: run npm run build');
      // The API does not depend on the page.
      expect((await api('/admin/api/health')).status).toBe(200);
    } finally {
      renameSync(join(web, 'index.html.away'), join(web, 'index.html'));
    }
    expect((await api('/admin/')).status).toBe(200);
  });
});

describe('admin.enabled: false', () => {
  it('leaves /admin and / to the proxy, which wants a token', async () => {
    const off = scratchDir();
    const other = await startDaemon({ home: off.path, dir: join(off.path, '.tokenomics'), env: { TOKENOMICS_ADMIN_ENABLED: 'false', TOKENOMICS_WEB_DIR: web } });
    try {
      for (const path of ['/admin/api/health', '/admin/', '/admin/assets/index-B9x_Qw3a.js', '/']) {
        const res = await raw(other.url, path);
        expect(res.status, path).toBe(401);
        expect(res.text).not.toContain('"status":"ok"');
        expect(res.text).not.toContain('export const app');
      }
      expect((await raw(other.url, '/health')).status).toBe(200);
    } finally {
      await other.stop();
      off.cleanup();
    }
  });
});
