import { describe, expect, it } from 'vitest';
import { summarize } from './rollup.js';
import { cellRollups, digestSession, roundUsd, utcDay } from './digest.js';
import { findSession, inRange, listSessions, parseDay, periodOf, periodReport, summarizeDigests } from './report.js';
import type { RequestEntry, SessionSummary } from './types.js';

function request(timestamp: string, model: string, extra: Partial<RequestEntry> = {}): RequestEntry {
  return { timestamp, token_hash: 't'.repeat(64), model, provider: model.startsWith('claude') ? 'anthropic' : 'openai', input_tokens: 100, output_tokens: 10, duration_ms: 1, status_code: 200, ...extra };
}

function session(id: string, requests: RequestEntry[], branch = 'main'): SessionSummary {
  return summarize({ sessionId: id, startedAt: requests[0]?.timestamp ?? '2025-01-01T00:00:00Z', endedAt: requests.at(-1)?.timestamp ?? '2025-01-01T00:00:00Z', git: branch ? { branch } : {}, requests });
}

describe('days', () => {
  it('parseDay takes YYYY-MM-DD and YYYYMMDD, and only real dates', () => {
    expect(parseDay('2025-03-01')).toBe('2025-03-01');
    expect(parseDay('20250301')).toBe('2025-03-01');
    expect(parseDay(' 2024-02-29 ')).toBe('2024-02-29');
    for (const bad of ['2025-02-29', '20250230', '2025-13-01', '2025-3-1', '2025/03/01', 'yesterday', '', '2025-03-01T00:00:00Z']) expect(parseDay(bad), bad).toBeUndefined();
  });

  it('utcDay converts offsets to UTC, keeps nanoseconds, falls back to the date prefix', () => {
    expect(utcDay('2025-01-31T23:30:00-05:00')).toBe('2025-02-01');
    expect(utcDay('2025-01-01T00:30:00.123456789+01:00')).toBe('2024-12-31');
    expect(utcDay('2025-06-15T12:00:00Z')).toBe('2025-06-15');
    expect(utcDay('2025-06-15 at noon')).toBe('2025-06-15');
    expect(utcDay('never')).toBeUndefined();
  });

  it('ranges are inclusive on both ends and open when a bound is missing', () => {
    expect(inRange('2025-01-01', { since: '2025-01-01', until: '2025-01-01' })).toBe(true);
    expect(inRange('2024-12-31', { since: '2025-01-01' })).toBe(false);
    expect(inRange('2025-01-02', { until: '2025-01-01' })).toBe(false);
    expect(inRange('1999-01-01', {})).toBe(true);
    expect(periodOf('2025-02-28', 'monthly')).toBe('2025-02');
    expect(periodOf('2025-02-28', 'daily')).toBe('2025-02-28');
  });
});

describe('digests', () => {
  it('split a session by UTC day, model, provider and token', () => {
    const digest = digestSession(
      session('s1', [
        request('2025-01-31T22:00:00Z', 'gpt-4o', { cost_usd: 0.1, provider_meta: { cached_input_tokens: 40 } }),
        request('2025-01-31T23:59:59.999Z', 'gpt-4o', { cost_usd: 0.2 }),
        request('2025-02-01T00:00:00Z', 'claude-x', { status_code: 429, retry_count: 1, input_tokens: 0, output_tokens: 0 }),
      ]),
    );
    expect(Object.keys(digest.days)).toEqual(['2025-01-31', '2025-02-01']);
    expect(digest.days['2025-02-01']!.counts).toEqual([1, 0, 1]);
    expect(digest.days['2025-01-31']!.counts).toBeUndefined();
    expect(cellRollups(digest)).toEqual([
      { day: '2025-01-31', model: 'gpt-4o', provider: 'openai', token: 't'.repeat(64), rollup: { request_count: 2, input_tokens: 200, output_tokens: 20, total_tokens: 220, cached_input_tokens: 40, cost_usd: 0.3 } },
      { day: '2025-02-01', model: 'claude-x', provider: 'anthropic', token: 't'.repeat(64), rollup: { request_count: 1, input_tokens: 0, output_tokens: 0, total_tokens: 0, error_count: 1 } },
    ]);
  });

  it('keep a file that lost its requests on the day it started, by model', () => {
    const full = session('s2', [request('2025-03-03T10:00:00Z', 'gpt-4o'), request('2025-03-04T10:00:00Z', 'claude-x')]);
    const digest = digestSession({ ...full, requests: [] });
    expect(Object.keys(digest.days)).toEqual(['2025-03-03']);
    expect(summarizeDigests([digest]).by_provider).toEqual(full.by_provider);
    expect(periodReport([digest], { kind: 'daily', by: 'model' }).rows.map((r) => [r.key, r.requests])).toEqual([['claude-x', 1], ['gpt-4o', 1]]);
  });

  it('force damaged numbers to 0 rather than NaN', () => {
    const digest = digestSession({ ...session('s3', []), totals: { request_count: 'x' } as never, requests: [{ timestamp: '2025-01-01T00:00:00Z', input_tokens: '5', status_code: null } as never, 42 as never] });
    expect(cellRollups(digest)[0]!.rollup).toEqual({ request_count: 1, input_tokens: 0, output_tokens: 0, total_tokens: 0 });
    expect(digest.totals.request_count).toBe(0);
  });
});

describe('period reports', () => {
  const digests = [
    digestSession(session('a', [request('2025-01-30T10:00:00Z', 'gpt-4o', { cost_usd: 0.1 }), request('2025-02-01T10:00:00Z', 'claude-x', { cost_usd: 0.2 })], 'main')),
    digestSession(session('b', [request('2025-02-01T11:00:00Z', 'gpt-4o', { cost_usd: 0.0001, status_code: 500 }), request('2025-02-15T11:00:00Z', 'gpt-4o')], '')),
  ];

  it('daily: a row per UTC day, totals the sum of the rows', () => {
    const report = periodReport(digests, { kind: 'daily' });
    expect(report.rows.map((r) => [r.period, r.requests, r.errors, r.models])).toEqual([
      ['2025-01-30', 1, 0, ['gpt-4o']],
      ['2025-02-01', 2, 1, ['claude-x', 'gpt-4o']],
      ['2025-02-15', 1, 0, ['gpt-4o']],
    ]);
    expect(report.rows[1]!.cost_usd).toBe(0.2001);
    expect(report.totals).toMatchObject({ requests: 4, input_tokens: 400, errors: 1, cost_usd: 0.3001, models: ['claude-x', 'gpt-4o'] });
  });

  it('monthly with --since/--until counts only the days in range', () => {
    const report = periodReport(digests, { kind: 'monthly', range: { since: '2025-01-31', until: '2025-02-14' } });
    expect(report.rows.map((r) => [r.period, r.requests])).toEqual([['2025-02', 2]]);
    expect(periodReport(digests, { kind: 'monthly' }).rows.map((r) => [r.period, r.requests])).toEqual([['2025-01', 1], ['2025-02', 3]]);
  });

  it('by branch groups whole sessions; sessions without one have the empty key', () => {
    const report = periodReport(digests, { kind: 'monthly', by: 'branch' });
    expect(report.rows.map((r) => [r.period, r.key, r.requests])).toEqual([['2025-01', 'main', 1], ['2025-02', '', 2], ['2025-02', 'main', 1]]);
  });

  it('breakdown parts add up to their row', () => {
    const report = periodReport(digests, { kind: 'monthly', by: 'provider', breakdown: true });
    for (const row of report.rows) {
      expect(row.breakdown!.reduce((n, b) => n + b.requests, 0)).toBe(row.requests);
      expect(row.breakdown!.reduce((n, b) => n + b.total_tokens, 0)).toBe(row.total_tokens);
    }
    expect(periodReport(digests, { kind: 'monthly' }).rows[0]!.breakdown).toBeUndefined();
  });

  it('summary with a range counts the sessions that have requests in it', () => {
    expect(summarizeDigests(digests, { since: '2025-02-02' })).toMatchObject({ sessions: 1, totals: { request_count: 1 } });
    expect(summarizeDigests(digests, { until: '2025-02-01' })).toMatchObject({ sessions: 2, totals: { request_count: 3, error_count: 1 } });
    expect(summarizeDigests(digests, { since: '2026-01-01' }).sessions).toBe(0);
    expect(summarizeDigests(digests).totals.cost_usd).toBe(0.3001);
  });
});

describe('sessions', () => {
  const digests = [
    digestSession(session('bbb2', [request('2025-01-02T00:00:00+05:00', 'm')])),
    digestSession(session('aaa1', [request('2025-01-01T23:00:00Z', 'm')])),
    digestSession(session('aaa2', [request('2025-01-03T00:00:00Z', 'm')])),
  ];

  it('list in start order by time, not by text', () => {
    expect(listSessions(digests).map((d) => d.session_id)).toEqual(['bbb2', 'aaa1', 'aaa2']);
    expect(listSessions(digests, { since: '2025-01-02' }).map((d) => d.session_id)).toEqual(['aaa2']);
  });

  it('find by exact id first, else by prefix (first match, with the count)', () => {
    expect(findSession(digests, 'aaa1')).toMatchObject({ match: { session_id: 'aaa1' }, candidates: 1 });
    expect(findSession(digests, 'aaa')).toMatchObject({ match: { session_id: 'aaa1' }, candidates: 2 });
    expect(findSession(digests, 'zzz')).toEqual({ match: undefined, candidates: 0 });
    expect(findSession(digests, '').match).toBeUndefined();
  });

  it('USD sums lose their float noise', () => {
    expect(roundUsd(0.1 + 0.2)).toBe(0.3);
  });
});
