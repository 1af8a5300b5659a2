import { describe, expect, it } from 'vitest';
import { compilePattern, patternProblem } from './regex.js';
import { parseDuration } from '../duration.js';

describe('RE2 patterns from policies', () => {
  it('turns leading inline flags into JavaScript flags', () => {
    expect(compilePattern('(?i)secret').test('TOP SECRET')).toBe(true);
    expect(compilePattern('(?is)a.b').test('A\nB')).toBe(true);
    expect(compilePattern('(?i)(?s)a.b').test('A\nB')).toBe(true);
    expect(compilePattern('secret').test('SECRET')).toBe(false);
  });

  it('translates named groups and text anchors', () => {
    expect(compilePattern('(?P<word>\\w+)').exec('hello')?.groups?.word).toBe('hello');
    expect(compilePattern('\\Aabc\\z').test('abc')).toBe(true);
    expect(compilePattern('abc\\z').test('abc\n')).toBe(false);
  });

  it('explains what it cannot run', () => {
    expect(patternProblem('a(?i:b)')).toMatch(/inline flags are only supported at the start/);
    expect(patternProblem('(?U)a+')).toMatch(/ungreedy/);
    expect(patternProblem('[unclosed')).toMatch(/Unterminated character class/);
    expect(patternProblem('^gpt-4')).toBeUndefined();
  });
});

describe('durations', () => {
  it.each([['1s', 1000], ['1m', 60_000], ['1h30m', 5_400_000], ['1.5h', 5_400_000], ['90s', 90_000], ['7d', 604_800_000], ['250ms', 250]])(
    '%s = %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms),
  );
  it.each(['', 'abc', '5', '5 m', 'm5', '1h-'])('%j is not a duration', (text) => expect(parseDuration(text)).toBeUndefined());
});
