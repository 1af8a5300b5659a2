import { describe, expect, it } from 'vitest';
import { formatTime, parseExpiry } from './expiry.js';
import { seal, unseal } from './seal.js';
import { generateToken, hashToken, isWrapperToken, sameSecret } from './token.js';

const now = new Date('2026-01-31T12:00:00Z');

describe('parseExpiry', () => {
  it.each([
    ['24h', '2026-02-01T12:00:00Z'],
    ['90m', '2026-01-31T13:30:00Z'],
    ['7d', '2026-02-07T12:00:00Z'],
    ['30d', '2026-03-02T12:00:00Z'],
    ['1y', '2027-01-31T12:00:00Z'],
    ['1h30m', '2026-01-31T13:30:00Z'],
    ['2027-05-01T00:00:00Z', '2027-05-01T00:00:00Z'],
    ['2027-05-01T02:00:00+02:00', '2027-05-01T00:00:00Z'],
  ])('%s -> %s', (text, expected) => {
    const expiry = parseExpiry(text, now);
    expect(expiry.kind === 'at' && formatTime(expiry.at)).toBe(expected);
  });

  it('passes clear through', () => expect(parseExpiry('clear')).toEqual({ kind: 'clear' }));

  it.each(['tomorrow', '7 days', '1w', '', '2027-13-45'])('rejects %j with the accepted forms', (text) => {
    expect(() => parseExpiry(text, now)).toThrow(`invalid expiration "${text}": use a duration (24h, 7d, 30d, 1y), RFC3339 timestamp, or 'clear'`);
  });

  it.each(['0d', '-1h', '0y'])('rejects non-positive %s', (text) => {
    expect(() => parseExpiry(text, now)).toThrow(`expiration must be positive, got ${text}`);
  });
});

describe('wrapper tokens', () => {
  it('are tkn_ + a v4 UUID, distinct each time', () => {
    const a = generateToken();
    expect(a).toMatch(/^tkn_[0-9a-f-]{36}$/);
    expect(generateToken()).not.toBe(a);
    expect(isWrapperToken(a)).toBe(true);
    expect(isWrapperToken('sk-proj-abc')).toBe(false);
    expect(isWrapperToken('tkn_')).toBe(false);
  });

  it('hash with HMAC-SHA256 (hex), deterministic per key', () => {
    const key = Buffer.from('k1');
    expect(hashToken(key, 'tkn_a')).toBe(hashToken(key, 'tkn_a'));
    expect(hashToken(key, 'tkn_a')).not.toBe(hashToken(Buffer.from('k2'), 'tkn_a'));
    // Known answer: HMAC-SHA256(key="key", "The quick brown fox jumps over the lazy dog").
    expect(hashToken(Buffer.from('key'), 'The quick brown fox jumps over the lazy dog'))
      .toBe('f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8');
  });

  it('compares secrets without short-circuiting on length', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abd')).toBe(false);
    expect(sameSecret('abc', 'abcd')).toBe(false);
  });
});

describe('seal / unseal', () => {
  const key = Buffer.alloc(32, 1);
  it('round-trips and never shows the plaintext', () => {
    const sealed = seal(key, 'policy {"x":1}', 'token:abc');
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain('policy');
    expect(unseal(key, sealed, 'token:abc')).toBe('policy {"x":1}');
    expect(seal(key, 'same', 'c')).not.toBe(seal(key, 'same', 'c'));
  });

  it('fails on the wrong key, a swapped context or a damaged value', () => {
    const sealed = seal(key, 'secret', 'token:abc');
    expect(() => unseal(Buffer.alloc(32, 2), sealed, 'token:abc')).toThrow(/wrong encryption key or damaged record/);
    expect(() => unseal(key, sealed, 'token:other')).toThrow(/wrong encryption key/);
    const bytes = Buffer.from(sealed, 'base64');
    bytes[14]! ^= 1;
    expect(() => unseal(key, bytes.toString('base64'), 'token:abc')).toThrow();
    expect(() => unseal(key, 'AAAA', 'token:abc')).toThrow(/too short/);
  });
});
