// The estimate's memo: a long text is counted once while it stays among the recent ones, short texts every time.
import { describe, expect, it } from 'vitest';
import { memoized } from './open-limits.js';

describe('memoized token counter', () => {
  const counting = () => {
    const calls: string[] = [];
    return { calls, count: memoized((text) => (calls.push(text), text.length)) };
  };
  const long = (i: number) => `${i} ${'conversation history '.repeat(20)}`;

  it('counts a repeated long text once and returns the same figure', () => {
    const { calls, count } = counting();
    expect(count(long(1))).toBe(long(1).length);
    expect(count(long(1))).toBe(long(1).length);
    expect(count(long(2))).toBe(long(2).length);
    expect(calls).toEqual([long(1), long(2)]);
  });

  it('counts short texts every time', () => {
    const { calls, count } = counting();
    count('hello');
    count('hello');
    expect(calls).toEqual(['hello', 'hello']);
  });

  it('forgets the least recently used text beyond 4096 entries', () => {
    const { calls, count } = counting();
    count(long(0));
    for (let i = 1; i <= 4096; i++) {
      count(long(i));
      if (i === 4000) count(long(0)); // used again: stays
    }
    calls.length = 0;
    count(long(0));
    count(long(1)); // the oldest unused one went
    expect(calls).toEqual([long(1)]);
  });
});
