import { describe, expect, it } from 'vitest';
import { exhaustedBudgets } from './observer.js';
import { formatUsd, iconState, MENU_IDS, trayView, type DaemonObservation } from './state.js';

const running: DaemonObservation = { kind: 'running', pid: 42, url: 'http://127.0.0.1:8080', today: { requests: 3, cost_usd: 0.4213 }, exhausted: [] };
const titles = (observation: DaemonObservation, activity = {}) => trayView(observation, activity).items.filter((i) => !i.separator).map((i) => i.title);
const item = (observation: DaemonObservation, id: string, activity = {}) => trayView(observation, activity).items.find((i) => i.id === id)!;

describe('trayView', () => {
  it('running: URL and today in the status lines, Stop proxy, the admin page enabled with its URL as tooltip', () => {
    expect(titles(running)).toEqual(['Running: http://127.0.0.1:8080', 'Today: 3 requests, $0.42', 'Stop proxy', 'Open admin page', 'Copy env exports', 'View logs', 'Quit']);
    expect(item(running, 'admin')).toMatchObject({ enabled: true, tooltip: 'http://127.0.0.1:8080/admin/' });
    expect(item(running, 'status').enabled).toBe(false);
    expect(trayView(running).icon).toBe('running');
    expect(trayView(running).tooltip).toBe('Tokenomics: running at http://127.0.0.1:8080');
  });

  it('stopped: Start proxy, the admin page disabled', () => {
    const stopped: DaemonObservation = { kind: 'stopped' };
    expect(titles(stopped)).toEqual(['Stopped', 'The proxy is not running', 'Start proxy', 'Open admin page', 'Copy env exports', 'View logs', 'Quit']);
    expect(item(stopped, 'admin').enabled).toBe(false);
    expect(trayView(stopped).icon).toBe('stopped');
  });

  it('failed: the error icon, the reason, Start proxy offered', () => {
    const failed: DaemonObservation = { kind: 'failed', reason: 'The proxy (PID 7) exited without shutting down' };
    expect(titles(failed).slice(0, 3)).toEqual(['Error: the proxy is not working', 'The proxy (PID 7) exited without shutting down', 'Start proxy']);
    expect(trayView(failed).icon).toBe('error');
  });

  it('a failed start shows as an error until the proxy runs; only its first line, shortened', () => {
    const activity = { lastError: `the proxy exited with code 1 while starting: ${'x'.repeat(200)}\nlog lines` };
    const view = trayView({ kind: 'stopped' }, activity);
    expect(view.icon).toBe('error');
    expect(view.items[0]!.title).toBe('Error: the proxy did not start');
    expect(view.items[1]!.title).toHaveLength(80);
    expect(view.items[1]!.title.endsWith('…')).toBe(true);
    expect(trayView(running, activity).icon).toBe('running');
  });

  it('over budget: the over-budget icon while running, naming the budget, still Stop proxy', () => {
    const over: DaemonObservation = { ...running, exhausted: ['abcd1234 budget 1d', 'ffff0000 budget total'] };
    const view = trayView(over);
    expect(view.icon).toBe('over_budget');
    expect(view.items[1]!.title).toBe('Today: 3 requests, $0.42 · over budget: abcd1234 budget 1d (+1 more)');
    expect(view.tooltip).toContain('(over budget)');
    expect(item(over, 'toggle').title).toBe('Stop proxy');
  });

  it('busy: the toggle says what is happening and cannot be clicked twice', () => {
    expect(item({ kind: 'stopped' }, 'toggle', { busy: 'starting' })).toMatchObject({ title: 'Starting proxy…', enabled: false });
    expect(item(running, 'toggle', { busy: 'stopping' })).toMatchObject({ title: 'Stopping proxy…', enabled: false });
  });

  it('a notice replaces the detail line, except when there is an error to show', () => {
    expect(item(running, 'detail', { notice: 'Env exports copied' }).title).toBe('Env exports copied');
    expect(item({ kind: 'failed', reason: 'dead' }, 'detail', { notice: 'Env exports copied' }).title).toBe('dead');
  });

  it('Quit says whether it stops the proxy', () => {
    expect(item(running, 'quit', { ownsDaemon: true }).tooltip).toBe('Quit the tray and stop the proxy it started');
    expect(item(running, 'quit').tooltip).toBe('Quit the tray (the proxy keeps running)');
  });

  it('every state has the same items in the same order, so the tray host only updates them', () => {
    for (const observation of [running, { kind: 'stopped' } as const, { kind: 'failed', reason: 'x' } as const]) {
      expect(trayView(observation).items.map((i) => i.id)).toEqual([...MENU_IDS]);
    }
  });

  it('without figures from the daemon, says so', () => {
    const { today: _today, ...bare } = running as Extract<DaemonObservation, { kind: 'running' }>;
    expect(item(bare, 'detail').title).toBe('Today: no figures from the proxy');
    expect(iconState(bare)).toBe('running');
  });
});

describe('formatUsd', () => {
  it('two decimals, more for amounts under a cent', () => {
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(12.3)).toBe('$12.30');
    expect(formatUsd(0.0012)).toBe('$0.0012');
  });
});

describe('exhaustedBudgets', () => {
  it('tokens and USD budgets at or below zero count; rate limits and parallel slots do not', () => {
    const gauge = (unit: 'tokens' | 'usd' | 'requests' | 'parallel', remaining: number, label = `${unit} 1d`) => ({ label, unit, window: '1d', limit: 10, used: 10 - remaining, remaining });
    const snapshot = {
      budgets: [
        { token: 'aaaaaaaabbbbbbbb', gauges: [gauge('tokens', 0), gauge('usd', 0.5), gauge('requests', 0), gauge('parallel', 0)] },
        { token: 'ccccccccdddddddd', gauges: [gauge('usd', -0.01)] },
      ],
    };
    expect(exhaustedBudgets(snapshot)).toEqual(['aaaaaaaa tokens 1d', 'cccccccc usd 1d']);
  });
});
