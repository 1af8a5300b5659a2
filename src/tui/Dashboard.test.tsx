// The dashboard's views from fixture data: overview, tokens, sessions, live, the help overlay, the stopped screen
// and its `s` key, 80x24 and larger terminals, redraws only on change, NO_COLOR.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BUSY, QUIET } from '../../test/fixtures/dashboard.js';
import { KEYS, renderScreen, type Screen } from '../../test/helpers/ink.js';
import Dashboard from './Dashboard.js';
import { fixedSource, type DashboardData, type DashboardSource } from './source.js';
import { themeFor } from './theme.js';

const running = (snapshot = BUSY, live = true): DashboardData => ({ state: 'running', snapshot, live });
const screens: Screen[] = [];
/** Renders and waits for the first data (the source is connected after the first render). */
async function show(source: DashboardSource, size: { columns?: number; rows?: number } = {}): Promise<Screen> {
  const screen = renderScreen(<Dashboard source={source} />, size);
  screens.push(screen);
  await screen.waitFor((f) => !f.includes('connecting…'));
  return screen;
}

afterEach(() => {
  for (const screen of screens.splice(0)) screen.unmount();
});

/** Every line fits the width and the frame leaves the last terminal line free. */
function expectFits(frame: string, columns: number, rows: number): void {
  const lines = frame.split('\n');
  expect(lines.length).toBeLessThan(rows);
  for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(columns);
}

describe('Dashboard: overview', () => {
  it('shows the proxy, today, the model table, budget gauges and recent requests within 80x24', async () => {
    const frame = (await show(fixedSource(running()))).lastFrame();
    expect(frame).toContain('● running');
    expect(frame).toContain('pid 4242');
    expect(frame).toContain('tokens: 3  keys: OS keychain (Secret Service)');
    expect(frame).toMatch(/https:\/\/127\.0\.0\.1:8443  v0\.1\.0  live/);
    expect(frame).toContain('tokens: 3');
    expect(frame).toContain('http://127.0.0.1:8080');
    expect(frame).toContain('https://127.0.0.1:8443');
    expect(frame).toMatch(/Today 2026-12-04 +1,234 req +7 err +in 1\.2M +out 89\.0k +cache 5,000 +\$4\.57/);
    expect(frame).toMatch(/claude-sonnet-4-5 +100 +120\.0k +12\.0k +10 +0 +\$1\.50/);
    expect(frame).toMatch(/\+\d+ more/);
    expect(frame).toMatch(/ab12cd34 1d usd +█+░* +\$0\.50 left of \$5\.00 +resets 12-05 00:00/);
    expect(frame).toContain('Recent requests');
    expect(frame).toMatch(/10:59:00 +200 +120ms gpt-4o-mini/);
    expectFits(frame, 80, 24);
  });

  it('uses more room on a larger terminal: more rows of each section', async () => {
    const small = (await show(fixedSource(running()))).lastFrame();
    const large = (await show(fixedSource(running()), { columns: 140, rows: 50 })).lastFrame();
    expectFits(large, 140, 50);
    const count = (frame: string, re: RegExp) => frame.split('\n').filter((l) => re.test(l)).length;
    expect(count(large, /^model-\d\d/)).toBeGreaterThan(count(small, /^model-\d\d/));
    expect(count(large, /^\d\d:\d\d:\d\d +\d{3} /)).toBeGreaterThan(count(small, /^\d\d:\d\d:\d\d +\d{3} /));
  });

  it('says so when there is nothing yet, and that the figures are since the start without a ledger', async () => {
    const frame = (await show(fixedSource(running(QUIET)))).lastFrame();
    expect(frame).toMatch(/Since start +0 req .* \(ledger off\)/);
    expect(frame).toContain('nothing yet');
    expect(frame).toContain('no token has a budget or rate limit');
    expect(frame).toContain('no requests since the daemon started');
  });
});

describe('Dashboard: views and keys', () => {
  it('Tab, arrows and digits switch between overview, tokens, sessions and live', async () => {
    const screen = await show(fixedSource(running()));
    await screen.press(KEYS.tab);
    let frame = screen.lastFrame();
    expect(frame).toContain('By token (today, 3 token(s) in the database)');
    expect(frame).toMatch(/ab12cd34 +900 +900\.0k +60\.0k +3,000 +5 +\$3\.21/);
    expect(frame).toMatch(/ef56ab78 30d tokens +█+ +0 left of 1\.0M/);
    expectFits(frame, 80, 24);

    await screen.press(KEYS.right);
    frame = screen.lastFrame();
    expect(frame).toContain('Sessions (newest first; ● running)');
    expect(frame).toMatch(/a1b2c3d4 ● main +12-04 08:00 +3h00m +1,000 +1\.1M +\$4\.00/);
    expect(frame).toMatch(/99887766 +12-03 08:00 +10m00s +234/);

    await screen.press(KEYS.tab);
    frame = screen.lastFrame();
    expect(frame).toMatch(/Errors and rule hits +5 error\(s\) +5 rule hit\(s\) in the last 50/);
    expect(frame).toContain('upstream answered 503');
    expect(frame).toContain('rules: no-secrets (warn)');
    expect(frame).toContain('Requests (last 50, newest first)');
    expectFits(frame, 80, 24);

    await screen.press(KEYS.tab);
    expect(screen.lastFrame()).toContain('By model (today)');
    await screen.press(KEYS.left);
    expect(screen.lastFrame()).toContain('Requests (last 50');
    await screen.press('2');
    expect(screen.lastFrame()).toContain('By token');
    await screen.press(KEYS.shiftTab);
    expect(screen.lastFrame()).toContain('By model (today)');
  });

  it('? shows the keys, any key closes them', async () => {
    const screen = await show(fixedSource(running()));
    await screen.press('?');
    expect(screen.lastFrame()).toContain('Dashboard keys');
    expect(screen.lastFrame()).toMatch(/q {2}Ctrl-C +quit/);
    await screen.press('x');
    expect(screen.lastFrame()).not.toContain('Dashboard keys');
    expect(screen.lastFrame()).toContain('By model (today)');
  });

  it('q quits', async () => {
    const screen = await show(fixedSource(running()));
    await screen.press('q');
    await expect(screen.exited).resolves.toBeUndefined();
  });
});

describe('Dashboard: no daemon', () => {
  it('says the proxy is not running and offers s, which starts it', async () => {
    const start = vi.fn(async () => undefined);
    const screen = await show(fixedSource({ state: 'stopped', reason: 'No daemon runs for ./data.', keys: 'keys: environment variables', tokens: '2' }, start));
    const frame = screen.lastFrame();
    expect(frame).toContain('● stopped');
    expect(frame).toContain('tokens: 2  keys: environment variables');
    expect(frame).toContain('The proxy is not running.');
    expect(frame).toContain('No daemon runs for ./data.');
    expect(frame).toContain('Press s to start it');
    await screen.press('s');
    expect(start).toHaveBeenCalledTimes(1);
  });

  it('shows why a start failed', async () => {
    const screen = await show(fixedSource({ state: 'stopped', reason: 'No daemon.', keys: 'keys: -', tokens: '0' }, async () => {
      throw new Error('port 8080 is in use');
    }));
    await screen.press('s');
    await screen.waitFor((f) => f.includes('Could not start it: port 8080 is in use'));
  });

  it('without a way to start, points at tokenomics start', async () => {
    const frame = (await show(fixedSource({ state: 'stopped', reason: 'No daemon.', keys: 'keys: -', tokens: '0' }))).lastFrame();
    expect(frame).toContain('Start it with tokenomics start');
  });
});

describe('Dashboard: redraws', () => {
  it('redraws when the data changes, not when only updated_at does', async () => {
    let push: (data: DashboardData) => void = () => undefined;
    const screen = renderScreen(<Dashboard source={{ connect: (onData) => ((push = onData), () => undefined) }} />);
    screens.push(screen);
    await screen.waitFor((f) => f.includes('Connecting to the proxy'));
    push(running());
    await screen.waitFor((f) => f.includes('1,234 req'));
    const frames = screen.frames.length;
    push(running({ ...BUSY, updated_at: '2026-12-04T11:00:01.000Z' }));
    push(running({ ...BUSY, updated_at: '2026-12-04T11:00:02.000Z' }));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(screen.frames.length).toBe(frames);
    push(running({ ...BUSY, today: { ...BUSY.today, requests: 1235 } }));
    await screen.waitFor((f) => f.includes('1,235 req'));
  });

  it('NO_COLOR turns colours off; without it they are on', async () => {
    expect(themeFor({ NO_COLOR: '1' })).toEqual({ color: false });
    expect(themeFor({ NO_COLOR: '' })).toEqual({ color: true });
    expect(themeFor({})).toEqual({ color: true });
    const plain = (await show(fixedSource(running()))).lastFrame();
    expect(plain).not.toContain('\u001B[3');
  });
});
