// The admin routes' input checks: Host names, asset and memory paths, series query parameters.
import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from './guard.js';
import { parseSeriesQuery } from './analytics.js';
import { safeSegments } from './static-files.js';
import { memoryPath } from './memory-files.js';

describe('isLoopbackHost', () => {
  it.each(['localhost', 'LOCALHOST:8080', 'a.b.localhost', 'my-app.localhost:3000', '127.0.0.1', '127.255.255.255:1', '[::1]', '[::1]:443'])('accepts %s', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['', 'evil.example', 'localhost.evil.example', 'localhost.', 'evil-localhost', '127.0.0.256', '127.0.0', '128.0.0.1', '0.0.0.0', '[::2]', '::1', '[::1', '[::1]x', '127.0.0.1:', '127.0.0.1:http', 'localhost:123456', '-x.localhost', 'user@localhost'])('refuses %j', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('path checks', () => {
  it('keeps asset paths inside their folder', () => {
    expect(safeSegments('index-Ab12Cd34.js')).toEqual(['index-Ab12Cd34.js']);
    expect(safeSegments('fonts/a.woff2')).toEqual(['fonts', 'a.woff2']);
    for (const bad of ['', '..', '../x', '%2e%2e/x', 'a/../../x', 'a//b', '/etc/passwd', 'a%5cb', 'a%00', 'C:', '%']) expect(safeSegments(bad), bad).toBeUndefined();
  });

  it('keeps memory paths inside their folder', () => {
    expect(memoryPath('2026-12-04_abcd.md')).toEqual(['2026-12-04_abcd.md']);
    expect(memoryPath('team%20a/notes.md')).toEqual(['team a', 'notes.md']);
    for (const bad of ['', '..', '../x', '%2E%2E%2Fx', 'a/./b', '/abs', 'C:/x', 'a\\b', 'a%00b', 'a/', '%zz']) expect(() => memoryPath(bad), bad).toThrow('invalid file path');
  });
});

describe('parseSeriesQuery', () => {
  const now = Date.parse('2026-12-04T08:30:00.000Z');
  it('defaults to hourly buckets over the last 24 hours, aligned to the hour', () => {
    const q = parseSeriesQuery(new URLSearchParams(), now);
    expect(q).toEqual({ bucket: 'hour', by: 'none', since: Date.parse('2026-12-03T08:00:00.000Z'), until: now });
  });

  it('aligns day buckets to UTC midnight and takes ISO times', () => {
    const q = parseSeriesQuery(new URLSearchParams('bucket=day&since=2026-11-01T13:00:00%2B02:00&by=tag:team'), now);
    expect(q).toEqual({ bucket: 'day', by: 'tag:team', since: Date.parse('2026-11-01T00:00:00.000Z'), until: now });
  });
});
