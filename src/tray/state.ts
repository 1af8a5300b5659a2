// What the tray shows for what it observed of the daemon: the icon, the tooltip and the menu items. Pure, so every
// state's menu can be checked without a tray host.

/** What one look at the daemon found. */
export type DaemonObservation =
  | {
      readonly kind: 'running';
      readonly pid: number;
      /** The proxy's URL (HTTP when it has it: the admin page and health checks use it). */
      readonly url: string;
      /** Today's figures; absent when the daemon did not serve its dashboard document. */
      readonly today?: { readonly requests: number; readonly cost_usd: number };
      /** Budget gauges (tokens or USD) with nothing left, as `token label`. */
      readonly exhausted: readonly string[];
    }
  | { readonly kind: 'stopped' }
  /** A daemon.json whose process is gone (a crash or kill -9), or a live process that does not answer. */
  | { readonly kind: 'failed'; readonly reason: string };

/** What the tray itself is doing or last failed to do. */
export interface TrayActivity {
  readonly busy?: 'starting' | 'stopping';
  /** The last start or stop that failed, until the next attempt or until the proxy runs. */
  readonly lastError?: string;
  /** A short message after an action (where the exports went, a log that does not exist yet). */
  readonly notice?: string;
  /** The running daemon is the one this tray started: Quit stops it. */
  readonly ownsDaemon?: boolean;
}

export type IconState = 'running' | 'stopped' | 'error' | 'over_budget';

export const MENU_IDS = ['status', 'detail', 'sep1', 'toggle', 'admin', 'env', 'logs', 'sep2', 'quit'] as const;
export type MenuId = (typeof MENU_IDS)[number];

export interface MenuItemView {
  readonly id: MenuId;
  readonly title: string;
  readonly tooltip: string;
  readonly enabled: boolean;
  readonly separator?: boolean;
}

export interface TrayView {
  readonly icon: IconState;
  readonly tooltip: string;
  /** In MENU_IDS order: the same items in every state, so the tray host only ever updates them. */
  readonly items: readonly MenuItemView[];
}

/** `$0.42`, `$12.30`; small amounts keep enough digits to be non-zero. */
export function formatUsd(value: number): string {
  if (value > 0 && value < 0.01) return `$${value.toFixed(4)}`;
  return `$${value.toFixed(2)}`;
}

function todayLine(today: { requests: number; cost_usd: number } | undefined): string {
  if (!today) return 'Today: no figures from the proxy';
  return `Today: ${today.requests} request${today.requests === 1 ? '' : 's'}, ${formatUsd(today.cost_usd)}`;
}

/** Menu titles stay short: a panel menu is not the place for a stack of reasons. */
function shorten(text: string, max = 80): string {
  const line = text.split('\n')[0]!.trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function iconState(observation: DaemonObservation, activity: TrayActivity = {}): IconState {
  if (observation.kind === 'running') return observation.exhausted.length > 0 ? 'over_budget' : 'running';
  if (observation.kind === 'failed' || activity.lastError) return 'error';
  return 'stopped';
}

export function trayView(observation: DaemonObservation, activity: TrayActivity = {}): TrayView {
  const icon = iconState(observation, activity);
  const running = observation.kind === 'running';
  let status: string;
  let detail: string;
  let tooltip: string;
  if (observation.kind === 'running') {
    status = `Running: ${observation.url}`;
    detail = todayLine(observation.today);
    if (observation.exhausted.length > 0) {
      const more = observation.exhausted.length > 1 ? ` (+${observation.exhausted.length - 1} more)` : '';
      detail = `${detail} · over budget: ${observation.exhausted[0]}${more}`;
    }
    tooltip = `Tokenomics: running at ${observation.url}`;
  } else if (observation.kind === 'failed') {
    status = 'Error: the proxy is not working';
    detail = shorten(observation.reason);
    tooltip = `Tokenomics: ${shorten(observation.reason)}`;
  } else if (activity.lastError) {
    status = 'Error: the proxy did not start';
    detail = shorten(activity.lastError);
    tooltip = `Tokenomics: ${shorten(activity.lastError)}`;
  } else {
    status = 'Stopped';
    detail = 'The proxy is not running';
    tooltip = 'Tokenomics: stopped';
  }
  if (icon === 'over_budget') tooltip = `${tooltip} (over budget)`;
  // An error's reason matters more than the last action's notice.
  if (activity.notice && icon !== 'error') detail = shorten(activity.notice, 120);

  let toggle: MenuItemView;
  if (activity.busy === 'starting') toggle = { id: 'toggle', title: 'Starting proxy…', tooltip: 'Waiting for the proxy to answer', enabled: false };
  else if (activity.busy === 'stopping') toggle = { id: 'toggle', title: 'Stopping proxy…', tooltip: 'In-flight requests finish first', enabled: false };
  else if (running) toggle = { id: 'toggle', title: 'Stop proxy', tooltip: 'Stop the proxy (in-flight requests finish first)', enabled: true };
  else toggle = { id: 'toggle', title: 'Start proxy', tooltip: 'Start the proxy in the background', enabled: true };

  const quitTooltip = running && activity.ownsDaemon ? 'Quit the tray and stop the proxy it started' : 'Quit the tray (the proxy keeps running)';
  return {
    icon,
    tooltip,
    items: [
      { id: 'status', title: status, tooltip, enabled: false },
      { id: 'detail', title: detail, tooltip: detail, enabled: false },
      { id: 'sep1', title: '<SEPARATOR>', tooltip: '', enabled: true, separator: true },
      toggle,
      { id: 'admin', title: 'Open admin page', tooltip: running ? `${observation.url}/admin/` : 'Start the proxy first', enabled: running },
      { id: 'env', title: 'Copy env exports', tooltip: 'The variables an agent needs, as shell export lines', enabled: true },
      { id: 'logs', title: 'View logs', tooltip: 'Open the proxy log', enabled: true },
      { id: 'sep2', title: '<SEPARATOR>', tooltip: '', enabled: true, separator: true },
      { id: 'quit', title: 'Quit', tooltip: quitTooltip, enabled: true },
    ],
  };
}
