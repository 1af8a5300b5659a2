// The key editor's model: how form text becomes policy values, and that validation is the core schema's.
import { describe, expect, it } from 'vitest';
import { parseList, parseNumber, parseNumberList, readJson, showList, validate, withField } from '../../src/web/keys/policy-edit.js';

describe('policy editor model', () => {
  it('turns number text into numbers and keeps anything else as text for the schema to name', () => {
    expect(parseNumber('42')).toBe(42);
    expect(parseNumber(' 0.8 ')).toBe(0.8);
    expect(parseNumber('')).toBeUndefined();
    expect(parseNumber('12abc')).toBe('12abc');
    expect(parseNumber('0x10')).toBe('0x10');
    expect(parseNumberList('429, 503,')).toEqual([429, 503]);
    expect(parseList(' a, ,b ')).toEqual(['a', 'b']);
    expect(showList(['a', 'b'])).toBe('a, b');
  });

  it('removes a field that is emptied, so the JSON stays minimal', () => {
    expect(withField({ a: 1, b: 'x' }, 'b', '')).toEqual({ a: 1 });
    expect(withField({ a: 1 }, 'list', [])).toEqual({ a: 1 });
    expect(withField({ a: 1 }, 'obj', {})).toEqual({ a: 1 });
    expect(withField({ a: 1 }, 'a', 0)).toEqual({ a: 0 });
  });

  it('reads JSON text and says what is wrong with it', () => {
    expect(readJson('{"base_key_env":"K"}')).toEqual({ ok: true, policy: { base_key_env: 'K' } });
    expect(readJson('{"base_key_env":')).toMatchObject({ ok: false, message: expect.stringMatching(/^not valid JSON: /) });
    expect(readJson('[1]')).toMatchObject({ ok: false, message: expect.stringContaining('must be a JSON object') });
  });

  it('validates with the core schema and points each problem at its field', () => {
    expect(validate({ base_key_env: 'OPENAI_API_KEY', budgets: [{ tokens: 10, window: '1d' }] })).toEqual([]);
    const problems = validate({
      base_key_env: 'OPENAI_API_KEY',
      upstream_url: 'ftp://x',
      max_tokens: 'lots',
      rate_limit: { rules: [{ requests: 5, window: 'soon' }] },
      budgets: [{ window: '1d' }],
      colour: 'blue',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'upstream_url', message: 'upstream_url: must be an http:// or https:// URL' },
        { path: 'max_tokens', message: 'max_tokens: expected number, got "lots"' },
        { path: 'rate_limit.rules[0].window', message: 'rate_limit.rules[0].window: must be a duration such as 1s, 1m, 1h, 24h or 90s' },
        { path: 'budgets[0]', message: 'budgets[0]: a budget needs exactly one of "tokens" or "usd"' },
        { path: 'colour', message: 'colour: unknown field' },
      ]),
    );
    expect(validate({})).toEqual([{ path: 'base_key_env', message: 'base_key_env: is required (or define at least one provider policy under "providers")' }]);
  });
});
