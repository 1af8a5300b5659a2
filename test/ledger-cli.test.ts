// `tokenomics ledger …` through the built CLI, over ledger directories of generated session files. Expected figures
// are added up here from the generated requests, independently of the code under test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { summarize } from '../src/core/ledger/rollup.js';
import type { RequestEntry, SessionSummary } from '../src/core/ledger/types.js';
import { runCli, scratchDir } from './helpers/cli.js';

const scratch = scratchDir('tokenomics-ledger-test-');
const home = scratch.path;
afterAll(() => scratch.cleanup());

const ledger = (dir: string, args: string[]) => runCli(['ledger', ...args, '--dir', dir], { home });
const json = async (dir: string, args: string[]): Promise<any> => {
  const result = await ledger(dir, [...args, '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
};

function newLedger(name: string): string {
  const dir = join(home, name);
  mkdirSync(join(dir, 'sessions'), { recursive: true });
  return dir;
}

function writeSession(dir: string, session: SessionSummary): string {
  const path = join(dir, 'sessions', `${session.started_at.slice(0, 10)}_${session.session_id}.json`);
  writeFileSync(path, `${JSON.stringify(session, null, 2)}\n`);
  return path;
}

// ---------------------------------------------------------------------------------------------------------------
// Generated sessions (a small seeded generator, so failures reproduce)

function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MODELS: [string, string][] = [['gpt-4o', 'openai'], ['gpt-4o-mini', 'openai'], ['claude-sonnet-4-5', 'anthropic'], ['gemini-2.5-flash', 'gemini']];
const TOKENS = ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)];
const BRANCHES = ['main', 'feature/reports', ''];

function generateSessions(count: number, seed: number): SessionSummary[] {
  const rand = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const sessions: SessionSummary[] = [];
  for (let i = 0; i < count; i++) {
    // Spread over 2025-01-20 .. 2025-03-10, so months and days both split.
    let t = Date.parse('2025-01-20T00:00:00Z') + Math.floor(rand() * 49 * 86_400_000);
    const startedAt = new Date(t).toISOString();
    const requests: RequestEntry[] = [];
    for (let r = 0; r < 3 + Math.floor(rand() * 6); r++) {
      t += Math.floor(rand() * 8 * 3_600_000); // sessions cross midnight now and then
      const [model, provider] = pick(MODELS);
      const status = rand() < 0.15 ? pick([401, 403, 429, 500]) : 200;
      const input = 100 + Math.floor(rand() * 5000);
      const output = 10 + Math.floor(rand() * 900);
      const cached = rand() < 0.3 ? Math.floor(input / 3) : 0;
      const creation = rand() < 0.2 ? 64 : 0;
      requests.push({
        timestamp: new Date(t).toISOString(),
        token_hash: status === 401 ? '' : pick(TOKENS),
        model,
        provider,
        input_tokens: status === 200 ? input : 0,
        output_tokens: status === 200 ? output : 0,
        duration_ms: 100 + Math.floor(rand() * 3000),
        status_code: status,
        ...(status === 403 ? { rule_matches: [{ name: 'secrets', action: 'fail', message: 'blocked' }] } : {}),
        ...(status === 200 && (cached || creation) ? { provider_meta: { ...(cached ? { cached_input_tokens: cached } : {}), ...(creation ? { cache_creation_tokens: creation } : {}) } } : {}),
        ...(status === 200 ? { cost_usd: Math.round((input * 2.5e-6 + output * 1e-5) * 1e8) / 1e8 } : {}),
      });
    }
    const branch = pick(BRANCHES);
    sessions.push(
      summarize({
        sessionId: (0xa0000000 + seed * 1000 + i).toString(16),
        startedAt,
        endedAt: new Date(t + 1000).toISOString(),
        git: branch ? { branch, commit_start: 'abc1234' } : {},
        requests,
      }),
    );
  }
  return sessions;
}

interface Figures {
  request_count: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cached: number;
  creation: number;
  errors: number;
  cost: number;
}

const zero = (): Figures => ({ request_count: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0, cached: 0, creation: 0, errors: 0, cost: 0 });

function add(f: Figures, r: RequestEntry): void {
  f.request_count += 1;
  f.input_tokens += r.input_tokens;
  f.output_tokens += r.output_tokens;
  f.total_tokens += r.input_tokens + r.output_tokens;
  f.cached += r.provider_meta?.cached_input_tokens ?? 0;
  f.creation += r.provider_meta?.cache_creation_tokens ?? 0;
  f.errors += r.status_code >= 400 ? 1 : 0;
  f.cost += r.cost_usd ?? 0;
}

/** Expected figures grouped by a key function over every request of the sessions. */
function expected(sessions: SessionSummary[], key: (r: RequestEntry, s: SessionSummary) => string | undefined): Map<string, Figures> {
  const out = new Map<string, Figures>();
  for (const s of sessions) {
    for (const r of s.requests) {
      const k = key(r, s);
      if (k === undefined) continue;
      if (!out.has(k)) out.set(k, zero());
      add(out.get(k)!, r);
    }
  }
  return out;
}

function expectRollup(actual: any, f: Figures): void {
  expect(actual.request_count).toBe(f.request_count);
  expect(actual.input_tokens).toBe(f.input_tokens);
  expect(actual.output_tokens).toBe(f.output_tokens);
  expect(actual.total_tokens).toBe(f.total_tokens);
  expect(actual.cost_usd ?? 0).toBeCloseTo(f.cost, 8);
}

function expectPeriodRow(actual: any, f: Figures): void {
  expect(actual.requests).toBe(f.request_count);
  expect(actual.input_tokens).toBe(f.input_tokens);
  expect(actual.output_tokens).toBe(f.output_tokens);
  expect(actual.total_tokens).toBe(f.total_tokens);
  expect(actual.cache_read_tokens).toBe(f.cached);
  expect(actual.cache_write_tokens).toBe(f.creation);
  expect(actual.errors).toBe(f.errors);
  expect(actual.cost_usd).toBeCloseTo(f.cost, 8);
}

// ---------------------------------------------------------------------------------------------------------------
// (a) The Go original's session JSON, field for field as it writes it (no cost, no duration, no recovered flag)

const GO_SESSION = `{
  "session_id": "3f2a9c1e",
  "started_at": "2025-02-03T09:15:00+01:00",
  "ended_at": "2025-02-03T10:20:30+01:00",
  "duration_ms": 3930000,
  "git": {
    "branch": "feature/ledger-export-with-a-very-long-name",
    "commit_start": "a1b2c3d",
    "commit_end": "d4e5f6a",
    "repo_root": "/home/dev/project"
  },
  "totals": {
    "request_count": 3,
    "input_tokens": 450,
    "output_tokens": 225,
    "total_tokens": 675,
    "cached_input_tokens": 50,
    "reasoning_tokens": 20,
    "error_count": 0,
    "retry_count": 0,
    "rule_violation_count": 0,
    "rate_limit_count": 0
  },
  "by_model": {
    "claude-3-opus": {"request_count": 1, "input_tokens": 150, "output_tokens": 75, "total_tokens": 225, "reasoning_tokens": 20},
    "gpt-4": {"request_count": 2, "input_tokens": 300, "output_tokens": 150, "total_tokens": 450, "cached_input_tokens": 50}
  },
  "by_provider": {
    "anthropic": {"request_count": 1, "input_tokens": 150, "output_tokens": 75, "total_tokens": 225, "reasoning_tokens": 20},
    "openai": {"request_count": 2, "input_tokens": 300, "output_tokens": 150, "total_tokens": 450, "cached_input_tokens": 50}
  },
  "by_token": {
    "abc123def456abc123def456abc123def456abc123def456abc123def456abcd": {"request_count": 2, "input_tokens": 300, "output_tokens": 150, "total_tokens": 450, "models_used": ["gpt-4"], "first_seen": "2025-02-03T09:15:01.123456789+01:00", "last_seen": "2025-02-03T09:30:00.5+01:00"},
    "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210": {"request_count": 1, "input_tokens": 150, "output_tokens": 75, "total_tokens": 225, "models_used": ["claude-3-opus"], "first_seen": "2025-02-03T10:00:00+01:00", "last_seen": "2025-02-03T10:00:00+01:00"}
  },
  "requests": [
    {"timestamp": "2025-02-03T09:15:01.123456789+01:00", "token_hash": "abc123def456abc123def456abc123def456abc123def456abc123def456abcd", "model": "gpt-4", "provider": "openai", "input_tokens": 100, "output_tokens": 50, "duration_ms": 0, "status_code": 200, "stream": true, "upstream_id": "chatcmpl-1", "provider_meta": {"cached_input_tokens": 50, "actual_model": "gpt-4-0613", "finish_reason": "stop"}},
    {"timestamp": "2025-02-03T09:30:00.5+01:00", "token_hash": "abc123def456abc123def456abc123def456abc123def456abc123def456abcd", "model": "gpt-4", "provider": "openai", "input_tokens": 200, "output_tokens": 100, "duration_ms": 0, "status_code": 200, "metadata": {"team": "core"}},
    {"timestamp": "2025-02-03T10:00:00+01:00", "token_hash": "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210", "model": "claude-3-opus", "provider": "anthropic", "input_tokens": 150, "output_tokens": 75, "duration_ms": 0, "status_code": 200, "provider_meta": {"reasoning_tokens": 20, "finish_reason": "end_turn"}}
  ]
}
`;

describe('a session JSON written by the Go original', () => {
  const dir = newLedger('golden');
  beforeAll(() => writeFileSync(join(dir, 'sessions', '2025-02-03_3f2a9c1e.json'), GO_SESSION));

  it('summary --json is the reference shape with the reference figures, plus cost_usd', async () => {
    expect(await json(dir, ['summary'])).toEqual({
      sessions: 1,
      totals: {
        request_count: 3, input_tokens: 450, output_tokens: 225, total_tokens: 675, cached_input_tokens: 50, reasoning_tokens: 20,
        error_count: 0, retry_count: 0, rule_violation_count: 0, rate_limit_count: 0, cost_usd: 0,
      },
      by_model: {
        'claude-3-opus': { request_count: 1, input_tokens: 150, output_tokens: 75, total_tokens: 225, reasoning_tokens: 20 },
        'gpt-4': { request_count: 2, input_tokens: 300, output_tokens: 150, total_tokens: 450, cached_input_tokens: 50 },
      },
      by_provider: {
        anthropic: { request_count: 1, input_tokens: 150, output_tokens: 75, total_tokens: 225, reasoning_tokens: 20 },
        openai: { request_count: 2, input_tokens: 300, output_tokens: 150, total_tokens: 450, cached_input_tokens: 50 },
      },
      by_token: {
        abc123def456abc123def456abc123def456abc123def456abc123def456abcd: { request_count: 2, input_tokens: 300, output_tokens: 150, total_tokens: 450 },
        fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210: { request_count: 1, input_tokens: 150, output_tokens: 75, total_tokens: 225 },
      },
    });
  });

  it('summary prints the reference words', async () => {
    const result = await ledger(dir, ['summary']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      [
        'Sessions: 1',
        '',
        'Totals:',
        '  Requests:       3',
        '  Input tokens:   450',
        '  Output tokens:  225',
        '  Total tokens:   675',
        '  Cached input:   50',
        '  Reasoning:      20',
        '  Cost (USD):     $0.0000',
        '',
        'By Model:',
        '  NAME           REQUESTS  INPUT  OUTPUT  TOTAL     COST',
        '  claude-3-opus         1    150      75    225  $0.0000',
        '  gpt-4                 2    300     150    450  $0.0000',
        '',
        'By Provider:',
        '  NAME       REQUESTS  INPUT  OUTPUT  TOTAL     COST',
        '  anthropic         1    150      75    225  $0.0000',
        '  openai            2    300     150    450  $0.0000',
        '',
      ].join('\n'),
    );
  });

  it('sessions lists it with the first 19 characters of the start, m/s duration and the cut branch', async () => {
    const result = await ledger(dir, ['sessions']);
    expect(result.stdout.split('\n')[0]).toMatch(/^SESSION +STARTED +DURATION +REQUESTS +TOKENS +BRANCH$/);
    expect(result.stdout.split('\n')[1]).toMatch(/^3f2a9c1e +2025-02-03T09:15:00 +65m30s +3 +675 +feature\/ledger-export-with-\.\.\.$/);
    expect(await json(dir, ['sessions'])).toEqual([JSON.parse(GO_SESSION)]);
  });

  it('show prints times, git, totals and rollups; --json is the file itself', async () => {
    const text = (await ledger(dir, ['show', '3f2a'])).stdout;
    for (const line of ['Session:   3f2a9c1e', 'Started:   2025-02-03T09:15:00+01:00', 'Ended:     2025-02-03T10:20:30+01:00', 'Duration:  65m30s', 'Git:', '  Branch:        feature/ledger-export-with-a-very-long-name', '  Commit start:  a1b2c3d', '  Commit end:    d4e5f6a', '  Repo root:     /home/dev/project', '  Requests:       3', 'By Model:', 'By Provider:']) {
      expect(text).toContain(line);
    }
    expect(text).not.toContain('Recovered');
    expect(await json(dir, ['show', '3f2a9c1e'])).toEqual(JSON.parse(GO_SESSION));
  });

  it('days come from each request in UTC (09:15+01:00 is 08:15Z, the same day)', async () => {
    const daily = await json(dir, ['daily']);
    expect(daily.rows).toHaveLength(1);
    expect(daily.rows[0]).toMatchObject({ period: '2025-02-03', requests: 3, input_tokens: 450, cache_read_tokens: 50, models: ['claude-3-opus', 'gpt-4'] });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (b) Rollups across many sessions add up

describe('rollups across sessions', () => {
  const dir = newLedger('many');
  const sessions = generateSessions(40, 7);
  beforeAll(() => sessions.forEach((s) => writeSession(dir, s)));

  it('summary totals and by model, provider and token equal the sums of the requests', async () => {
    const summary = await json(dir, ['summary']);
    expect(summary.sessions).toBe(40);
    const all = expected(sessions, () => '').get('')!;
    expectRollup(summary.totals, all);
    expect(summary.totals.error_count).toBe(all.errors);
    expect(summary.totals.cached_input_tokens ?? 0).toBe(all.cached);
    expect(summary.totals.cache_creation_tokens ?? 0).toBe(all.creation);
    for (const [name, key] of [['by_model', (r: RequestEntry) => r.model], ['by_provider', (r: RequestEntry) => r.provider], ['by_token', (r: RequestEntry) => r.token_hash || undefined]] as const) {
      const want = expected(sessions, key);
      expect(Object.keys(summary[name]).sort(), name).toEqual([...want.keys()].sort());
      for (const [k, f] of want) expectRollup(summary[name][k], f);
    }
  });

  it('the rollup tables add up to the totals', async () => {
    const summary = await json(dir, ['summary']);
    for (const name of ['by_model', 'by_provider']) {
      const rows = Object.values(summary[name]) as any[];
      expect(rows.reduce((n, r) => n + r.request_count, 0)).toBe(summary.totals.request_count);
      expect(rows.reduce((n, r) => n + r.total_tokens, 0)).toBe(summary.totals.total_tokens);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (c) Rejected requests

describe('rejected requests', () => {
  const dir = newLedger('rejected');
  const base = { model: 'gpt-4o', provider: 'openai', input_tokens: 0, output_tokens: 0, duration_ms: 1 };
  const requests: RequestEntry[] = [
    { ...base, timestamp: '2025-03-01T10:00:00.000Z', token_hash: 'a'.repeat(64), input_tokens: 100, output_tokens: 20, status_code: 200, cost_usd: 0.0005 },
    { ...base, timestamp: '2025-03-01T10:00:01.000Z', token_hash: '', status_code: 401, error: 'missing or unknown token' },
    { ...base, timestamp: '2025-03-01T10:00:02.000Z', token_hash: 'a'.repeat(64), status_code: 403, error: 'blocked', rule_matches: [{ name: 'no-secrets', action: 'fail', message: 'secret found' }, { action: 'log', message: 'noted' }] },
    { ...base, timestamp: '2025-03-01T10:00:03.000Z', token_hash: 'a'.repeat(64), status_code: 429, error: 'rate limit', retry_count: 2 },
    { ...base, timestamp: '2025-03-01T10:00:04.000Z', token_hash: 'a'.repeat(64), status_code: 403, error: 'model not allowed' },
  ];
  beforeAll(() => writeSession(dir, summarize({ sessionId: 'rej00001', startedAt: '2025-03-01T09:59:00.000Z', endedAt: '2025-03-01T10:01:00.000Z', git: {}, requests })));

  it('count as errors, rule violations and rate limits', async () => {
    const summary = await json(dir, ['summary']);
    expect(summary.totals).toMatchObject({ request_count: 5, error_count: 4, rule_violation_count: 1, rate_limit_count: 1, retry_count: 2, cost_usd: 0.0005 });
    const text = (await ledger(dir, ['summary'])).stdout;
    expect(text).toMatch(/^ {2}Errors: +4$/m);
    expect(text).toMatch(/^ {2}Retries: +2$/m);
    expect(text).toMatch(/^ {2}Rule violations: +1$/m);
    expect(text).toMatch(/^ {2}Rate limited: +1$/m);
    expect(text).toMatch(/^ {2}Cost \(USD\): +\$0\.0005$/m);
    expect((await json(dir, ['daily'])).rows[0]).toMatchObject({ period: '2025-03-01', requests: 5, errors: 4 });
    // The same counters when the summary is limited to days.
    expect((await json(dir, ['summary', '--since', '2025-03-01'])).totals).toMatchObject({ error_count: 4, rule_violation_count: 1, rate_limit_count: 1, retry_count: 2 });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (d) Damaged files

describe('damaged files', () => {
  const dir = newLedger('damaged');
  const good = generateSessions(2, 11);
  beforeAll(() => {
    good.forEach((s) => writeSession(dir, s));
    writeFileSync(join(dir, 'sessions', '2025-02-10_badjson1.json'), '{"session_id": "badjson1", "totals": {');
    writeFileSync(join(dir, 'sessions', '2025-02-10_notasess.json'), '{"name": "something else", "items": [1, 2]}\n');
    writeFileSync(join(dir, 'sessions', 'notes.txt'), 'not a session file at all\n');
    const journal = [
      { kind: 'session', session_id: 'run00001', started_at: '2025-02-11T08:00:00.000Z', git: { branch: 'main' } },
      { kind: 'request', timestamp: '2025-02-11T08:00:05.000Z', token_hash: 'a'.repeat(64), model: 'gpt-4o', provider: 'openai', input_tokens: 10, output_tokens: 5, duration_ms: 9, status_code: 200 },
    ];
    // The daemon was killed in the middle of its last line.
    writeFileSync(join(dir, 'sessions', '2025-02-11_run00001.jsonl'), `${journal.map((l) => JSON.stringify(l)).join('\n')}\n{"kind":"request","timestamp":"2025-02-11T08:0`);
  });

  it('are skipped with a warning naming each file, and the good sessions still print', async () => {
    for (const args of [['summary'], ['summary', '--json'], ['sessions'], ['daily']]) {
      const result = await ledger(dir, args);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stderr).toContain('2025-02-10_badjson1.json');
      expect(result.stderr).toContain('2025-02-10_notasess.json');
      expect(result.stderr).toMatch(/damaged line.*2025-02-11_run00001\.jsonl/);
      expect(result.stderr).not.toContain('notes.txt');
    }
    const summary = await json(dir, ['summary']);
    expect(summary.sessions).toBe(3);
    expect(summary.totals.request_count).toBe(good.reduce((n, s) => n + s.requests.length, 0) + 1);
    const listed = (await ledger(dir, ['sessions'])).stdout;
    for (const s of [...good.map((g) => g.session_id), 'run00001']) expect(listed).toContain(s);
  });

  it('a journal (running or unrecovered session) shows as open', async () => {
    const text = (await ledger(dir, ['show', 'run0'])).stdout;
    expect(text).toContain('Session:   run00001');
    expect(text).toMatch(/^Open: +yes/m);
    expect(text).toContain('  Branch:  main');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (e) Daily and monthly reports

describe('daily and monthly', () => {
  const dir = newLedger('periods');
  const sessions = generateSessions(30, 3);
  const day = (r: RequestEntry): string => new Date(r.timestamp).toISOString().slice(0, 10);
  beforeAll(() => sessions.forEach((s) => writeSession(dir, s)));

  it('daily rows are the UTC days of the requests, with totals', async () => {
    const report = await json(dir, ['daily']);
    const want = expected(sessions, day);
    expect(report.rows.map((r: any) => r.period)).toEqual([...want.keys()].sort());
    for (const row of report.rows) expectPeriodRow(row, want.get(row.period)!);
    expectPeriodRow(report.totals, expected(sessions, () => '').get('')!);
  });

  it('--since/--until select whole days, inclusive, in either date form', async () => {
    const report = await json(dir, ['daily', '--since', '2025-02-01', '--until', '20250210']);
    expect(report).toMatchObject({ report: 'daily', since: '2025-02-01', until: '2025-02-10', by: null });
    const want = expected(sessions, (r) => (day(r) >= '2025-02-01' && day(r) <= '2025-02-10' ? day(r) : undefined));
    expect(report.rows.map((r: any) => r.period)).toEqual([...want.keys()].sort());
    for (const row of report.rows) expectPeriodRow(row, want.get(row.period)!);
    const all = [...want.values()].reduce((f, g) => ({ ...f, request_count: f.request_count + g.request_count, total_tokens: f.total_tokens + g.total_tokens }), zero());
    expect(report.totals.requests).toBe(all.request_count);
    expect(report.totals.total_tokens).toBe(all.total_tokens);
    // The summary over the same days agrees.
    const summary = await json(dir, ['summary', '--since', '20250201', '--until', '2025-02-10']);
    expect(summary.totals.request_count).toBe(all.request_count);
  });

  it('monthly --by model gives a row per month and model', async () => {
    const report = await json(dir, ['monthly', '--by', 'model']);
    const want = expected(sessions, (r) => `${day(r).slice(0, 7)} ${r.model}`);
    expect(report.rows.map((r: any) => `${r.period} ${r.key}`)).toEqual([...want.keys()].sort());
    for (const row of report.rows) {
      expectPeriodRow(row, want.get(`${row.period} ${row.key}`)!);
      expect(row.models).toEqual([row.key]);
    }
  });

  it('--by provider, token and branch group by those keys', async () => {
    const branchOf = new Map(sessions.map((s) => [s.session_id, s.git.branch ?? '']));
    for (const [by, key] of [
      ['provider', (r: RequestEntry) => r.provider],
      ['token', (r: RequestEntry) => r.token_hash],
      ['branch', (r: RequestEntry, s: SessionSummary) => branchOf.get(s.session_id)!],
    ] as const) {
      const report = await json(dir, ['monthly', '--by', by]);
      const want = expected(sessions, (r, s) => `${day(r).slice(0, 7)} ${key(r, s)}`);
      expect(report.rows.map((r: any) => `${r.period} ${r.key}`), by).toEqual([...want.keys()].sort());
      for (const row of report.rows) expectPeriodRow(row, want.get(`${row.period} ${row.key}`)!);
    }
  });

  it('--breakdown splits each row by model, and the parts add up to the row', async () => {
    const report = await json(dir, ['daily', '--by', 'token', '--breakdown']);
    const want = expected(sessions, (r) => `${day(r)} ${r.token_hash} ${r.model}`);
    for (const row of report.rows) {
      expect(row.breakdown.map((b: any) => b.model)).toEqual([...row.breakdown.map((b: any) => b.model)].sort());
      expect(row.breakdown.reduce((n: number, b: any) => n + b.requests, 0)).toBe(row.requests);
      for (const part of row.breakdown) expectPeriodRow(part, want.get(`${row.period} ${row.key} ${part.model}`)!);
    }
  });

  it('prints a table with a totals row', async () => {
    const result = await ledger(dir, ['monthly', '--by', 'provider', '--breakdown']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Monthly usage (UTC)');
    expect(lines[2]).toMatch(/^MONTH +PROVIDER +MODELS +REQUESTS +INPUT +OUTPUT +CACHE READ +CACHE WRITE +TOTAL +ERRORS +COST$/);
    expect(lines.some((l) => /^2025-02 +openai +gpt-4o/.test(l))).toBe(true);
    expect(lines.some((l) => /^ +- gpt-4o-mini +\d/.test(l))).toBe(true);
    const total = expected(sessions, () => '').get('')!;
    expect(lines.at(-1)).toMatch(new RegExp(`^Total +.* ${total.request_count.toLocaleString('en-US')} +${total.input_tokens.toLocaleString('en-US')} `));
    expect(lines.at(-2)).toMatch(/^-+ +-+/);
  });

  it('bad dates and keys are usage errors that say what to type', async () => {
    const bad = await ledger(dir, ['daily', '--since', '2025-02-30']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid --since "2025-02-30": give a day as YYYY-MM-DD or YYYYMMDD');
    const swapped = await ledger(dir, ['monthly', '--since', '2025-03-01', '--until', '2025-02-01']);
    expect(swapped.code).toBe(2);
    expect(swapped.stderr).toContain('--since 2025-03-01 is after --until 2025-02-01');
    const by = await ledger(dir, ['daily', '--by', 'colour']);
    expect(by.code).toBe(2);
    expect(by.stderr).toContain('model, token, provider, branch');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (f) show

describe('show', () => {
  const dir = newLedger('show');
  const [first, second] = generateSessions(2, 5);
  beforeAll(() => {
    writeSession(dir, { ...first!, session_id: 'cafe0001' });
    writeSession(dir, { ...second!, session_id: 'beef0002', recovered: true });
  });

  it('finds a session by exact id or prefix; --json is the full object', async () => {
    expect((await ledger(dir, ['show', 'cafe0001'])).stdout).toContain('Session:   cafe0001');
    const shown = await json(dir, ['show', 'bee']);
    expect(shown.session_id).toBe('beef0002');
    expect(shown.requests).toHaveLength(second!.requests.length);
    expect((await ledger(dir, ['show', 'beef'])).stdout).toMatch(/^Recovered: +yes$/m);
  });

  it('an unknown id fails with exit 1 and says how to list sessions', async () => {
    const result = await ledger(dir, ['show', 'zzz']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('session "zzz" not found');
    expect(result.stderr).toContain('tokenomics ledger sessions');
  });

  it('an empty or missing ledger says No sessions found.', async () => {
    const empty = newLedger('empty');
    expect((await ledger(empty, ['summary'])).stdout).toBe('No sessions found.\n');
    expect((await ledger(empty, ['sessions'])).stdout).toBe('No sessions found.\n');
    expect(await json(empty, ['sessions'])).toEqual([]);
    const missing = await ledger(join(home, 'nowhere'), ['daily']);
    expect(missing.code).toBe(0);
    expect(missing.stdout).toBe('No sessions found.\n');
    expect(missing.stderr).toContain('use --dir');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (g) The rollup index

describe('the rollup index', () => {
  const dir = newLedger('indexed');
  const sessions = generateSessions(12, 9);
  const index = join(dir, 'sessions', '.index.jsonl');
  const paths: string[] = [];
  const indexLines = (): any[] => readFileSync(index, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  beforeAll(() => sessions.forEach((s) => paths.push(writeSession(dir, s))));

  it('is written on the first run (0600) and the second run prints the same', async () => {
    const reports = [['summary'], ['summary', '--json'], ['sessions'], ['daily', '--by', 'model', '--json'], ['monthly', '--breakdown']];
    const first: Awaited<ReturnType<typeof ledger>>[] = [];
    for (const args of reports) first.push(await ledger(dir, args));
    expect(indexLines()).toHaveLength(12);
    expect(statSync(index).mode & 0o777).toBe(0o600);
    const second = await Promise.all(reports.map((args) => ledger(dir, args)));
    expect(second.map((r) => r.stdout)).toEqual(first.map((r) => r.stdout));
    expect(second.every((r) => r.code === 0 && r.stderr === '')).toBe(true);
  });

  it('picks up a changed, an added and a removed session file, and drops stale lines', async () => {
    await ledger(dir, ['summary']);
    // Changed: one more request, same name; mtime moved on so a same-size rewrite would be seen too.
    const changed = sessions[0]!;
    const extra: RequestEntry = { timestamp: changed.ended_at, token_hash: 'd'.repeat(64), model: 'new-model', provider: 'newco', input_tokens: 1000, output_tokens: 1, duration_ms: 5, status_code: 200 };
    const rewritten = summarize({ sessionId: changed.session_id, startedAt: changed.started_at, endedAt: changed.ended_at, git: changed.git, requests: [...changed.requests, extra] });
    writeSession(dir, rewritten);
    utimesSync(paths[0]!, new Date(), new Date(Date.now() + 5000));
    let summary = await json(dir, ['summary']);
    expect(summary.by_model['new-model']).toMatchObject({ request_count: 1, input_tokens: 1000 });
    expect(summary.by_provider.newco.request_count).toBe(1);

    // Added.
    const [added] = generateSessions(1, 77);
    writeSession(dir, added!);
    summary = await json(dir, ['summary']);
    expect(summary.sessions).toBe(13);
    const all = [rewritten, ...sessions.slice(1), added!];
    expect(summary.totals.request_count).toBe(all.reduce((n, s) => n + s.requests.length, 0));

    // Removed.
    rmSync(paths[1]!);
    summary = await json(dir, ['summary']);
    expect(summary.sessions).toBe(12);
    expect(summary.totals.request_count).toBe(all.reduce((n, s) => n + s.requests.length, 0) - sessions[1]!.requests.length);
    expect((await ledger(dir, ['sessions'])).stdout).not.toContain(sessions[1]!.session_id);
    // Compacted: one line per session file, none for the removed one.
    const lines = indexLines();
    expect(lines).toHaveLength(12);
    expect(lines.map((l) => l.name)).not.toContain(paths[1]!.split('/').pop());
  });

  it('a damaged index is rebuilt with one warning, and the report is unchanged', async () => {
    const before = (await ledger(dir, ['summary', '--json'])).stdout;
    writeFileSync(index, `{"v":1,"name":"garbage"\n${readFileSync(index, 'utf8').split('\n').slice(1).join('\n')}`);
    const result = await ledger(dir, ['summary', '--json']);
    expect(result.stdout).toBe(before);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('.index.jsonl');
    expect(indexLines()).toHaveLength(12);
    expect((await ledger(dir, ['summary', '--json'])).stderr).toBe('');
  });

  it('an index that cannot be read or written does not break reports', async () => {
    const before = (await ledger(dir, ['summary', '--json'])).stdout;
    rmSync(index);
    mkdirSync(index); // a directory where the file should be: reading and renaming onto it both fail
    const result = await ledger(dir, ['summary', '--json']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(before);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('.index.jsonl');
    rmSync(index, { recursive: true });
    expect(readdirSync(join(dir, 'sessions')).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
