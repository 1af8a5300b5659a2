// The session ledger of the running daemon: every finished request journaled before its response completes, the
// session JSON at graceful shutdown (reference shape plus cost, duration and recovered), recovery after kill -9 with
// nothing lost, rejected requests counted, and damaged journals skipped with a warning naming the file.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestEntry, SessionSummary } from '../src/core/ledger/types.js';
import { runCli, scratchDir } from './helpers/cli.js';
import { startDaemon, TEST_KEYS, type RunningDaemon } from './helpers/daemon.js';
import { startMockUpstream, type MockUpstream } from './helpers/mock-upstream.js';

const scratch = scratchDir();
const home = scratch.path;
const MODEL = 'gpt-4o-mini';

let mock: MockUpstream;
const env = () => ({ TOKENOMICS_SERVER_UPSTREAM_URL: mock.url, MOCK_KEY: 'sk-mock-secret-value' });

beforeAll(async () => {
  mock = await startMockUpstream();
  // The daemon runs in a git repository: the session records its branch and commits.
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.invalid', '-c', 'user.name=t', ...args], { cwd: home, stdio: 'pipe' });
  git('init', '-q', '-b', 'feature/ledger');
  git('commit', '-q', '--allow-empty', '-m', 'start');
});

afterAll(async () => {
  await mock?.close();
  scratch.cleanup();
});

async function token(dir: string, policy: object): Promise<{ token: string; hash: string }> {
  const result = await runCli(['--dir', dir, 'token', 'create', '--policy', JSON.stringify({ base_key_env: 'MOCK_KEY', ...policy }), '--json'], { home, env: { ...TEST_KEYS } });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { token: string; hash: string };
}

function sessionFiles(dir: string): string[] {
  const sessions = join(dir, 'sessions');
  return existsSync(sessions) ? readdirSync(sessions).filter((n) => !n.startsWith('.')).sort() : [];
}

function readSession(dir: string, name: string): SessionSummary {
  return JSON.parse(readFileSync(join(dir, 'sessions', name), 'utf8')) as SessionSummary;
}

function chat(url: string, key: string, body: object = {}): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
}

describe('a session from start to graceful shutdown', () => {
  const dir = join(home, 'graceful', '.tokenomics');
  let daemon: RunningDaemon;
  let summary: SessionSummary;
  let plain: { token: string; hash: string };
  let limited: { token: string; hash: string };

  beforeAll(async () => {
    plain = await token(dir, { default_provider: 'openai', upstream_url: mock.url, metadata: { team: 'core' } });
    limited = await token(dir, {
      model_regex: '^gpt-4o',
      budgets: [{ tokens: 60, window: '1d' }],
      rules: [{ type: 'keyword', keywords: ['forbidden-word'], action: 'fail', name: 'no-forbidden' }],
    });
    daemon = await startDaemon({ home, dir, env: env() });
    const client = new OpenAI({ apiKey: plain.token, baseURL: `${daemon.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hello' }] });
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'stream please' }], stream: true });
    for await (const _ of stream) void _;
    expect((await chat(daemon.url, 'tkn_unknown')).status).toBe(401);
    expect((await chat(daemon.url, limited.token, { model: 'claude-haiku-4-5' })).status).toBe(403);
    expect((await chat(daemon.url, limited.token, { messages: [{ role: 'user', content: 'a forbidden-word here' }] })).status).toBe(403);
    expect((await chat(daemon.url, limited.token, { max_tokens: 40 })).status).toBe(200);
    expect((await chat(daemon.url, limited.token, { max_tokens: 40 })).status).toBe(429);

    // While the daemon runs, the requests are in the journal already.
    const [journal] = sessionFiles(dir);
    expect(journal).toMatch(/^\d{4}-\d{2}-\d{2}_[0-9a-f]{8}\.jsonl$/);
    const lines = readFileSync(join(dir, 'sessions', journal!), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string });
    expect(lines[0]).toMatchObject({ kind: 'session', git: { branch: 'feature/ledger' } });
    expect(lines.filter((l) => l.kind === 'request')).toHaveLength(7);

    expect((await daemon.stop()).code).toBe(0);
    const files = sessionFiles(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toBe(journal!.replace(/\.jsonl$/, '.json'));
    summary = readSession(dir, files[0]!);
  });

  it('has the reference shape with our additions', () => {
    expect(Object.keys(summary).sort()).toEqual(['by_model', 'by_provider', 'by_token', 'duration_ms', 'ended_at', 'git', 'requests', 'session_id', 'started_at', 'totals']);
    expect(summary.session_id).toMatch(/^[0-9a-f]{8}$/);
    expect(Date.parse(summary.ended_at) - Date.parse(summary.started_at)).toBe(summary.duration_ms);
    expect(summary.git).toMatchObject({ branch: 'feature/ledger', commit_start: expect.stringMatching(/^[0-9a-f]{7,}$/), commit_end: expect.stringMatching(/^[0-9a-f]{7,}$/) });
    expect(summary.git.repo_root).toBeTruthy();
    const ok = summary.requests[0]!;
    expect(ok).toMatchObject({ token_hash: plain.hash, model: MODEL, provider: 'openai', status_code: 200, metadata: { team: 'core' }, method: 'POST', path: '/v1/chat/completions' });
    expect(ok.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(ok.duration_ms).toBeGreaterThan(0);
    expect(ok.input_tokens).toBeGreaterThan(0);
    expect(ok.cost_usd).toBeGreaterThan(0);
    expect(ok.provider_meta?.cached_input_tokens).toBeGreaterThan(0);
    expect(summary.requests[1]).toMatchObject({ stream: true, status_code: 200 });
    expect(summary.requests[1]!.output_tokens).toBeGreaterThan(0);
  });

  it('counts rejected requests: errors, rule violations and rate limits', () => {
    const statuses = summary.requests.map((r) => r.status_code);
    expect(statuses).toEqual([200, 200, 401, 403, 403, 200, 429]);
    expect(summary.totals).toMatchObject({ request_count: 7, error_count: 4, rule_violation_count: 1, rate_limit_count: 1, retry_count: 0 });
    const violation = summary.requests[4]!;
    expect(violation.rule_matches).toEqual([expect.objectContaining({ name: 'no-forbidden', action: 'fail', scope: 'input' })]);
    expect(summary.requests[2]).toMatchObject({ token_hash: '', error: 'invalid token' });
    expect(summary.requests[6]!.error).toContain('budget exceeded');
  });

  it('adds up by model, provider and token, with USD', () => {
    const sum = (entries: RequestEntry[], field: 'input_tokens' | 'output_tokens') => entries.reduce((n, e) => n + e[field], 0);
    const usd = (entries: RequestEntry[]) => entries.reduce((n, e) => n + (e.cost_usd ?? 0), 0);
    expect(summary.totals.input_tokens).toBe(sum(summary.requests, 'input_tokens'));
    expect(summary.totals.total_tokens).toBe(summary.totals.input_tokens + summary.totals.output_tokens);
    expect(summary.totals.cost_usd).toBeCloseTo(usd(summary.requests), 12);
    const gpt = summary.requests.filter((r) => r.model === MODEL);
    expect(summary.by_model[MODEL]).toMatchObject({ request_count: gpt.length, input_tokens: sum(gpt, 'input_tokens'), output_tokens: sum(gpt, 'output_tokens') });
    // Requests routed without a named provider (the limited token's) have none, and no by_provider row.
    expect(summary.by_provider).toEqual({ openai: expect.objectContaining({ request_count: 2 }) });
    expect(summary.by_token[plain.hash]).toMatchObject({ request_count: 2, models_used: [MODEL], first_seen: summary.requests[0]!.timestamp, last_seen: summary.requests[1]!.timestamp });
    expect(summary.by_token[limited.hash]!.request_count).toBe(4);
    expect(summary.by_token['']).toBeUndefined();
  });

  it('never holds a key or a raw token', () => {
    const text = readFileSync(join(dir, 'sessions', sessionFiles(dir)[0]!), 'utf8');
    for (const secret of ['sk-mock-secret-value', plain.token, limited.token, 'tkn_unknown']) expect(text).not.toContain(secret);
  });
});

describe('kill -9 mid-load', () => {
  const dir = join(home, 'crash', '.tokenomics');

  it('the recovered session holds every request whose response the client received', async () => {
    const { token: key } = await token(dir, {});
    const daemon = await startDaemon({ home, dir, env: env() });
    const completed = new Set<string>();
    let sent = 0;
    let killed = false;
    const worker = async () => {
      while (sent < 200) {
        sent += 1;
        const stream = sent % 2 === 0;
        try {
          const res = await chat(daemon.url, key, stream ? { stream: true } : {});
          const body = await res.text();
          const complete = stream ? body.includes('[DONE]') : Boolean(JSON.parse(body).choices);
          if (res.status === 200 && complete) completed.add(res.headers.get('x-tokenomics-request-id')!);
        } catch {
          // The daemon died under this request.
        }
        if (!killed && completed.size >= 60) {
          killed = true;
          daemon.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await daemon.stop();
    expect(killed).toBe(true);
    expect(completed.size).toBeGreaterThanOrEqual(60);

    // The journal is still there; the next start turns it into a recovered session.
    expect(sessionFiles(dir).filter((n) => n.endsWith('.jsonl'))).toHaveLength(1);
    const next = await startDaemon({ home, dir, env: env() });
    await next.stop();
    const recovered = sessionFiles(dir).map((n) => readSession(dir, n)).find((s) => s.recovered);
    expect(recovered).toBeDefined();
    const ids = new Set(recovered!.requests.map((r) => r.request_id));
    const missing = [...completed].filter((id) => !ids.has(id));
    expect(missing).toEqual([]);
    expect(recovered!.totals.request_count).toBe(recovered!.requests.length);
    expect(recovered!.totals.input_tokens).toBe(recovered!.requests.reduce((n, r) => n + r.input_tokens, 0));
    expect(recovered!.ended_at).toBe(recovered!.requests.at(-1)!.timestamp);
    expect(next.output()).toContain(`recovered session ${recovered!.session_id}`);
    // Nothing is left to recover twice.
    expect(sessionFiles(dir).filter((n) => n.endsWith('.jsonl'))).toEqual([]);
  });
});

describe('damaged journals', () => {
  const dir = join(home, 'damaged', '.tokenomics');

  it('are recovered without their damaged lines, with a warning naming the file', async () => {
    const sessions = join(dir, 'sessions');
    mkdirSync(sessions, { recursive: true });
    const entry = (n: number) => JSON.stringify({ kind: 'request', timestamp: `2026-11-30T10:00:0${n}.000Z`, token_hash: 'ab'.repeat(32), model: MODEL, provider: 'openai', input_tokens: 10, output_tokens: 5, duration_ms: 3, status_code: 200 });
    const journal = join(sessions, '2026-11-30_0badf00d.jsonl');
    writeFileSync(journal, [JSON.stringify({ kind: 'session', session_id: '0badf00d', started_at: '2026-11-30T09:59:59.000Z', git: {} }), entry(1), 'not json at all', entry(2), '{"kind":"request","timest'].join('\n'));
    // A journal without its header line: the id comes from the file name.
    writeFileSync(join(sessions, '2026-11-29_00c0ffee.jsonl'), `${entry(3)}\n`);
    await token(dir, {});
    const daemon = await startDaemon({ home, dir, env: env() });
    await daemon.stop();
    const output = daemon.output();
    expect(output).toContain(`skipped 2 damaged lines in ${journal}`);
    const summary = readSession(dir, '2026-11-30_0badf00d.json');
    expect(summary).toMatchObject({ session_id: '0badf00d', recovered: true, totals: { request_count: 2, input_tokens: 20, output_tokens: 10 } });
    expect(readSession(dir, '2026-11-29_00c0ffee.json')).toMatchObject({ session_id: '00c0ffee', recovered: true, totals: { request_count: 1 } });
  });
});

/** Every file under `root`, as text (gzip archives unpacked). */
function allFiles(root: string): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  for (const name of readdirSync(root, { recursive: true }) as string[]) {
    const path = join(root, name);
    if (!statSync(path).isFile()) continue;
    const raw = readFileSync(path);
    out.push({ path, text: (name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8') });
  }
  return out;
}

describe('conversation memory', () => {
  const dir = join(home, 'memory', '.tokenomics');
  const EMAIL = 'jane.doe@example.com';

  it('holds what went upstream (masked), rotates and gzips, and never an auth header or key', async () => {
    const { token: key } = await token(dir, {
      rules: [{ type: 'pii', detect: ['email'], action: 'mask' }],
      memory: { enabled: true, file_name: '{token_hash}.md', max_size_mb: 0.004, compress_old: true },
    });
    const daemon = await startDaemon({ home, dir, env: env() });
    const client = new OpenAI({ apiKey: key, baseURL: `${daemon.url}/v1`, maxRetries: 0 });
    for (let i = 0; i < 6; i++) {
      await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: `request ${i}: write to ${EMAIL}` }] });
    }
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: `streamed: ${EMAIL}` }], stream: true });
    for await (const _ of stream) void _;
    await daemon.stop();

    const files = allFiles(join(dir, 'memory'));
    const policyFiles = files.filter((f) => !/\d{4}-\d{2}-\d{2}_[0-9a-f]{8}\.md$/.test(f.path));
    const ledgerFile = files.find((f) => /\d{4}-\d{2}-\d{2}_[0-9a-f]{8}\.md$/.test(f.path));
    expect(ledgerFile).toBeDefined();
    // Rotation left gzip archives beside the live file, and together they hold all 7 requests and their answers.
    expect(policyFiles.some((f) => f.path.endsWith('.md.gz'))).toBe(true);
    const policyText = policyFiles.map((f) => f.text).join('');
    for (let i = 0; i < 6; i++) expect(policyText).toContain(`request ${i}: write to [REDACTED]`);
    expect(policyText).toContain('streamed: [REDACTED]');
    expect(policyText).toContain('[streaming sse]');
    expect(policyText.match(/^## .* \| request \| gpt-4o-mini$/gm)).toHaveLength(7);
    expect(policyText.match(/^## .* \| response \| gpt-4o-mini$/gm)).toHaveLength(7);
    expect(ledgerFile!.text.match(/ \| request \| /g)).toHaveLength(7);

    for (const file of allFiles(dir)) {
      if (file.path.includes('tokenomics.db')) continue;
      expect(file.text, file.path).not.toContain(EMAIL);
      expect(file.text, file.path).not.toContain('sk-mock-secret-value');
      expect(file.text, file.path).not.toContain(key);
      expect(file.text.toLowerCase(), file.path).not.toMatch(/^\s*(authorization|x-api-key):/m);
    }
  });
});

describe('communication events (ledger.event_ledger)', () => {
  const dir = join(home, 'events', '.tokenomics');

  it('record the exchange step by step in the session JSON, credentials left out', async () => {
    const { token: key } = await token(dir, {});
    const daemon = await startDaemon({ home, dir, env: { ...env(), TOKENOMICS_LEDGER_EVENT_LEDGER: 'true' } });
    expect((await chat(daemon.url, key)).status).toBe(200);
    const streamed = await chat(daemon.url, key, { stream: true });
    await streamed.text();
    await daemon.stop();
    const [name] = sessionFiles(dir);
    const summary = readSession(dir, name!);
    const events = summary.communication_events ?? [];
    const types = events.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual(['request.received', 'response.started', 'response.body', 'response.completed']);
    expect(types.slice(4, 6)).toEqual(['request.received', 'response.started']);
    expect(types.filter((t) => t === 'response.chunk').length).toBeGreaterThan(1);
    expect(types.at(-1)).toBe('response.completed');
    const received = events[0]!;
    expect(received).toMatchObject({ method: 'POST', path: '/v1/chat/completions', model: MODEL, body_bytes: expect.any(Number) });
    expect(received.headers?.['content-type']).toEqual(['application/json']);
    expect(JSON.stringify(events)).not.toMatch(/authorization|x-api-key|sk-mock-secret-value/i);
    expect(events.filter((e) => e.type === 'response.chunk').map((e) => e.chunk_index)).toEqual(
      events.filter((e) => e.type === 'response.chunk').map((_, i) => i + 1),
    );
  });
});
