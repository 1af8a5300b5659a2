// Mounting the screens on the terminal: the theme from the environment, the process's stdio, and a promise that
// settles when the user quits.
import { render } from 'ink';
import type { ReactNode } from 'react';
import Dashboard from './Dashboard.js';
import LedgerBrowser from './LedgerBrowser.js';
import type { LedgerData } from './ledger-data.js';
import type { DashboardSource } from './source.js';
import { ThemeContext, themeFor } from './theme.js';

async function mount(node: ReactNode): Promise<void> {
  const app = render(<ThemeContext.Provider value={themeFor(process.env)}>{node}</ThemeContext.Provider>, { exitOnCtrlC: true });
  await app.waitUntilExit();
}

export function runDashboard(source: DashboardSource): Promise<void> {
  return mount(<Dashboard source={source} />);
}

export function runLedgerBrowser(data: LedgerData): Promise<void> {
  return mount(<LedgerBrowser data={data} />);
}
