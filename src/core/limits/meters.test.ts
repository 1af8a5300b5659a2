// Which counters a request is charged on, read from a parsed policy.
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../policy/parse.js';
import { resolveForModel } from '../policy/resolve.js';
import { metersFor, NANO_USD, policyMeters } from './meters.js';

const policy = (p: object) => parsePolicy(JSON.stringify({ base_key_env: 'K', ...p })).policy;
const ids = (p: object, model: string) => metersFor(resolveForModel(policy(p), model), model).map((m) => m.id);

describe('metersFor', () => {
  it('rate limits first, then max_tokens, then the budgets that apply to the model', () => {
    const p = {
      max_tokens: 1000,
      rate_limit: { rules: [{ requests: 10, tokens: 500, window: '1m' }], max_parallel: 2 },
      budgets: [{ usd: 5, window: '1d', calendar: true }, { tokens: 100, window: '7d', model_regex: '^claude' }],
    };
    expect(ids(p, 'gpt-4o')).toEqual([
      'rate:0:requests:60000:sliding',
      'rate:0:tokens:60000:sliding',
      'parallel',
      'max_tokens:global',
      'budget:usd:1d:calendar::',
    ]);
    expect(ids(p, 'claude-haiku-4-5')).toContain('budget:tokens:7d:rolling::^claude');
  });

  it('a matched provider policy has its own max_tokens counter, with its own or the global limit', () => {
    const p = {
      max_tokens: 500,
      providers: { openai: [{ base_key_env: 'K', model: 'a', max_tokens: 100 }, { base_key_env: 'K', model: 'b' }] },
    };
    const a = metersFor(resolveForModel(policy(p), 'a'), 'a');
    const b = metersFor(resolveForModel(policy(p), 'b'), 'b');
    expect(a.map((m) => [m.id, m.limit])).toEqual([['max_tokens:openai#0', 100]]);
    expect(b.map((m) => [m.id, m.limit])).toEqual([['max_tokens:openai#1', 500]]);
    expect(metersFor(resolveForModel(policy(p), 'c'), 'c').map((m) => m.id)).toEqual(['max_tokens:global']);
  });

  it('USD limits in nano-dollars; identical budget definitions share one counter with the stricter limit', () => {
    const meters = metersFor(resolveForModel(policy({ budgets: [{ usd: 5, window: '1d' }, { usd: 2.5, window: '1d' }] }), 'm'), 'm');
    expect(meters).toHaveLength(1);
    expect(meters[0]).toMatchObject({ unit: 'usd', limit: 2.5 * NANO_USD, label: 'budget of $2.50 per 1d' });
  });

  it('policyMeters lists every counter whatever the model', () => {
    const p = { max_tokens: 9, providers: { groq: [{ base_key_env: 'K', model: 'x', max_tokens: 3 }] }, budgets: [{ tokens: 7, window: 'total', model: 'y' }] };
    expect(policyMeters(policy(p)).map((m) => m.id)).toEqual(['max_tokens:global', 'max_tokens:groq#0', 'budget:tokens:total:rolling:y:']);
  });
});
