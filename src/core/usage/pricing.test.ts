// Prices from the bundled table checked by hand against its per-million rates, overrides, and unknown models.
import { calcPrice } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { costOf } from './pricing.js';
import { emptyUsage, type Usage } from './usage.js';

const usage = (u: Partial<Usage>): Usage => ({ ...emptyUsage(), ...u });

describe('costOf', () => {
  it('gpt-4o-mini with cached input: uncached, cached and output each at their rate', () => {
    // Table rates for gpt-4o-mini: input 0.15, cache read 0.075, output 0.60 USD per million tokens.
    const cost = costOf(usage({ input_tokens: 1000, cache_read_tokens: 200, output_tokens: 100 }), 'gpt-4o-mini', 'openai');
    expect(cost.source).toBe('table');
    expect(cost.usd).toBeCloseTo((800 * 0.15 + 200 * 0.075 + 100 * 0.6) / 1e6, 12);
  });

  it('claude-haiku-4-5 with cache reads and writes', () => {
    // input 1.00, cache write 1.25, cache read 0.10, output 5.00 per million.
    const cost = costOf(usage({ input_tokens: 5000, cache_read_tokens: 3000, cache_write_tokens: 1000, output_tokens: 200 }), 'claude-haiku-4-5', 'anthropic');
    expect(cost.usd).toBeCloseTo((1000 * 1 + 3000 * 0.1 + 1000 * 1.25 + 200 * 5) / 1e6, 12);
  });

  it('long-context tiers: a gemini-2.5-pro prompt over 200k tokens is priced at the higher tier', () => {
    const small = costOf(usage({ input_tokens: 100_000 }), 'gemini-2.5-pro', 'gemini').usd;
    const large = costOf(usage({ input_tokens: 300_000 }), 'gemini-2.5-pro', 'gemini').usd;
    expect(small).toBeCloseTo(100_000 * 1.25 / 1e6, 10);
    expect(large).toBeCloseTo(300_000 * 2.5 / 1e6, 10);
  });

  it('overrides win and default the cache rates to the input rate', () => {
    const overrides = { 'my-model': { input: 2, output: 8, cache_read: 0.5 } };
    const cost = costOf(usage({ input_tokens: 1000, cache_read_tokens: 400, cache_write_tokens: 100, output_tokens: 50 }), 'my-model', 'openai', overrides);
    expect(cost).toEqual({ usd: (500 * 2 + 400 * 0.5 + 100 * 2 + 50 * 8) / 1e6, source: 'override' });
    expect(costOf(usage({ input_tokens: 1e6 }), 'gpt-4o-mini', 'openai', { 'gpt-4o-mini': { input: 1, output: 1 } }).usd).toBe(1);
  });

  it('an unknown model costs 0 and says it is unpriced', () => {
    expect(costOf(usage({ input_tokens: 1000, output_tokens: 1000 }), 'totally-made-up-model-9', 'openai')).toEqual({ usd: 0, source: 'unpriced' });
    expect(costOf(usage({ input_tokens: 10 }), '', undefined)).toEqual({ usd: 0, source: 'unpriced' });
  });

  it('flat-priced models computed once agree with the table on every call, tiered ones keep asking it', () => {
    // The flat-price shortcut must give what the table gives, for every mix of token kinds.
    const models: Array<[string, string, string]> = [
      ['gpt-4o-mini', 'openai', 'openai'], ['gpt-4o', 'openai', 'openai'], ['o3', 'openai', 'openai'],
      ['claude-haiku-4-5', 'anthropic', 'anthropic'], ['claude-sonnet-4-5', 'anthropic', 'anthropic'],
      ['gemini-2.5-pro', 'gemini', 'google'], ['gemini-2.5-flash', 'gemini', 'google'],
    ];
    let seed = 7;
    const next = (max: number) => (seed = (seed * 48271) % 2147483647) % max;
    for (const [model, provider, tableProvider] of models) {
      for (let i = 0; i < 25; i++) {
        const input = next(400_000);
        const u = usage({ input_tokens: input, output_tokens: next(20_000), cache_read_tokens: next(input + 1), cache_write_tokens: next(5_000) });
        const cacheRead = Math.min(u.cache_read_tokens, u.input_tokens);
        const expected = calcPrice({ ...u, cache_read_tokens: cacheRead, cache_write_tokens: Math.min(u.cache_write_tokens, u.input_tokens - cacheRead) }, model, { providerId: tableProvider });
        expect(expected, model).not.toBeNull();
        const cost = costOf(u, model, provider);
        expect(cost.source).toBe('table');
        expect(cost.usd).toBeCloseTo(expected!.total_price, 9);
      }
    }
  });
});
