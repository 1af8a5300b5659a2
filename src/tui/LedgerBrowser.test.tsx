// The ledger browser from fixture digests: sessions, daily and monthly views, moving through rows, help, quit;
// and ledgerData() itself.
import { afterEach, describe, expect, it } from 'vitest';
import type { Cell, SessionDigest } from '../core/ledger/digest.js';
import { KEYS, renderScreen, type Screen } from '../../test/helpers/ink.js';
import LedgerBrowser from './LedgerBrowser.js';
import { ledgerData } from './ledger-data.js';

function digest(id: string, day: string, requests: number, cost: number, branch?: string): SessionDigest {
  const cell: Cell = [0, 0, 0, requests, requests * 100, requests * 10, requests * 110, requests * 5, 0, 0, 1, cost];
  return {
    session_id: id,
    started_at: `${day}T09:00:00.000Z`,
    ended_at: `${day}T10:00:00.000Z`,
    duration_ms: 3_600_000,
    ...(branch ? { branch } : {}),
    request_count: requests,
    total_tokens: requests * 110,
    totals: { request_count: requests, input_tokens: requests * 100, output_tokens: requests * 10, total_tokens: requests * 110, error_count: 1, retry_count: 0, rule_violation_count: 0, rate_limit_count: 0, cost_usd: cost },
    models: ['gpt-4o-mini'],
    providers: ['openai'],
    tokens: ['ab12cd34ab12cd34ab12'],
    days: { [day]: { cells: [cell] } },
  };
}

// 30 sessions over two months: more rows than 80x24 shows.
const DIGESTS = Array.from({ length: 30 }, (_, i) => {
  const day = i < 20 ? `2026-11-${String(i + 1).padStart(2, '0')}` : `2026-12-${String(i - 19).padStart(2, '0')}`;
  return digest(`s${String(i).padStart(7, '0')}`, day, i + 1, (i + 1) / 100, i % 2 ? 'main' : undefined);
});
const DATA = ledgerData('/home/u/.tokenomics/sessions', DIGESTS, new Set(['s0000029']));

const screens: Screen[] = [];
afterEach(() => {
  for (const screen of screens.splice(0)) screen.unmount();
});
function show(size: { columns?: number; rows?: number } = {}): Screen {
  const screen = renderScreen(<LedgerBrowser data={DATA} />, size);
  screens.push(screen);
  return screen;
}

describe('ledgerData', () => {
  it('totals, sessions newest first with the open one marked, days and months newest first', () => {
    expect(DATA.totals).toEqual({ sessions: 30, requests: 465, total_tokens: 465 * 110, cost_usd: 4.65 });
    expect(DATA.sessions[0]).toMatchObject({ session_id: 's0000029', running: true, requests: 30 });
    expect(DATA.sessions.at(-1)).toMatchObject({ session_id: 's0000000', running: false });
    expect(DATA.daily.map((r) => r.key).slice(0, 2)).toEqual(['2026-12-10', '2026-12-09']);
    expect(DATA.monthly).toEqual([
      expect.objectContaining({ key: '2026-12', requests: 255, errors: 10 }),
      expect.objectContaining({ key: '2026-11', requests: 210, input_tokens: 21_000, cache_read_tokens: 1050 }),
    ]);
  });
});

describe('LedgerBrowser', () => {
  it('opens on the sessions, newest first, within 80x24', () => {
    const frame = show().lastFrame();
    expect(frame).toContain('Tokenomics ledger /home/u/.tokenomics/sessions');
    expect(frame).toMatch(/30 session\(s\) +465 requests +51\.1k tokens +\$4\.65/);
    expect(frame).toMatch(/s0000029 ● main +12-10 09:00 +1h00m +30 +3,300 +\$0\.30/);
    expect(frame).toMatch(/\+\d+ more/);
    const lines = frame.split('\n');
    expect(lines.length).toBeLessThan(24);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('switches to daily and monthly reports and back', async () => {
    const screen = show();
    await screen.press(KEYS.tab);
    expect(screen.lastFrame()).toContain('Daily usage (UTC, newest first)');
    expect(screen.lastFrame()).toMatch(/2026-12-10 +30 +3,000 +300 +150 +1 +\$0\.30/);
    await screen.press(KEYS.right);
    expect(screen.lastFrame()).toContain('Monthly usage (UTC, newest first)');
    expect(screen.lastFrame()).toMatch(/2026-11 +210 +21\.0k +2,100 +1,050 +20 +\$2\.10/);
    await screen.press(KEYS.tab);
    expect(screen.lastFrame()).toContain('Sessions (newest first');
    await screen.press(KEYS.left);
    expect(screen.lastFrame()).toContain('Monthly usage');
  });

  it('moves through the rows and scrolls to keep the selection visible', async () => {
    const screen = show();
    expect(screen.lastFrame()).not.toContain('s0000000');
    for (let i = 0; i < 29; i++) await screen.press(KEYS.down);
    expect(screen.lastFrame()).toContain('s0000000');
    expect(screen.lastFrame()).not.toContain('s0000029');
    await screen.press(KEYS.up);
    expect(screen.lastFrame()).toContain('s0000001');
  });

  it('? shows the keys; q quits', async () => {
    const screen = show();
    await screen.press('?');
    expect(screen.lastFrame()).toContain('Ledger keys');
    await screen.press(' ');
    expect(screen.lastFrame()).not.toContain('Ledger keys');
    await screen.press('q');
    await expect(screen.exited).resolves.toBeUndefined();
  });
});
