// The terminal UI's public surface, by name.
export { default as Dashboard, VIEWS, type Props as DashboardProps, type View } from './Dashboard.js';
export { default as LedgerBrowser, type Props as LedgerBrowserProps } from './LedgerBrowser.js';
export { daemonSource, type DaemonSourceOptions } from './daemon-source.js';
export { ledgerData, type LedgerData } from './ledger-data.js';
export { runDashboard, runLedgerBrowser } from './run.js';
export { fixedSource, type DashboardData, type DashboardSource } from './source.js';
export { ThemeContext, themeFor, type Theme } from './theme.js';
