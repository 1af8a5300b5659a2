// `tokenomics ledger` on a terminal: sessions, daily and monthly usage, with the dashboard's table components.
// Tab/arrows switch views, ↑/↓ move through the rows, `?` shows the keys, `q` quits.
import { Box, Text, useApp, useInput, useStdin } from 'ink';
import { useState } from 'react';
import { SESSION_COLUMNS, sessionKey, USAGE_COLUMNS } from './columns.js';
import { compact, int, usd } from './format.js';
import HelpOverlay from './HelpOverlay.js';
import type { LedgerData } from './ledger-data.js';
import Tabs from './Tabs.js';
import { useTone } from './theme.js';
import { useScreenSize } from './use-screen-size.js';
import UsageTable from './UsageTable.js';

export const LEDGER_VIEWS = ['Sessions', 'Daily', 'Monthly'] as const;

const HELP: readonly (readonly [string, string])[] = [
  ['Tab →  l', 'next view'],
  ['Shift-Tab ←  h', 'previous view'],
  ['↑ ↓  k j', 'move through the rows'],
  ['PgUp PgDn', 'a page up or down'],
  ['?', 'this help'],
  ['q  Ctrl-C', 'quit'],
];

export type Props = {
  /** The ledger, as ledgerData() builds it. */
  readonly data: LedgerData;
};

export default function LedgerBrowser({ data }: Props) {
  const tone = useTone();
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const { columns, rows } = useScreenSize();
  const [view, setView] = useState(0);
  const [selected, setSelected] = useState(0);
  const [help, setHelp] = useState(false);
  const width = Math.max(40, columns - 1);
  const tableRows = Math.max(3, rows - 7);
  const count = [data.sessions.length, data.daily.length, data.monthly.length][view]!;
  const switchTo = (next: number) => {
    setView((next + LEDGER_VIEWS.length) % LEDGER_VIEWS.length);
    setSelected(0);
  };
  const move = (by: number) => setSelected((s) => Math.max(0, Math.min(count - 1, s + by)));

  useInput(
    (input, key) => {
      if (help) return setHelp(false);
      if (input === 'q') return exit();
      if (input === '?') return setHelp(true);
      if (key.tab && key.shift) return switchTo(view - 1);
      if (key.tab || key.rightArrow || input === 'l') return switchTo(view + 1);
      if (key.leftArrow || input === 'h') return switchTo(view - 1);
      if (key.downArrow || input === 'j') return move(1);
      if (key.upArrow || input === 'k') return move(-1);
      if (key.pageDown) return move(tableRows);
      if (key.pageUp) return move(-tableRows);
    },
    { isActive: isRawModeSupported },
  );

  // Keep the selection on screen: scroll by whole rows.
  const offset = Math.min(Math.max(0, selected - tableRows + 2), Math.max(0, count - tableRows));
  const common = { width, maxRows: tableRows, offset, selected };
  const body = help ? (
    <HelpOverlay keys={HELP} title="Ledger keys" />
  ) : view === 0 ? (
    <UsageTable title="Sessions (newest first; ● still open)" keyTitle="SESSION" keyOf={sessionKey} columns={SESSION_COLUMNS} rows={data.sessions} empty="no sessions found" {...common} />
  ) : (
    <UsageTable
      title={view === 1 ? 'Daily usage (UTC, newest first)' : 'Monthly usage (UTC, newest first)'}
      keyTitle={view === 1 ? 'DAY' : 'MONTH'}
      keyOf={(r) => r.key}
      columns={USAGE_COLUMNS}
      rows={view === 1 ? data.daily : data.monthly}
      empty="no requests found"
      {...common}
    />
  );
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">
        <Text bold>Tokenomics ledger </Text>
        <Text color={tone('dim')}>{data.where}</Text>
      </Text>
      <Text wrap="truncate-end">
        {`${int(data.totals.sessions)} session(s)  ${int(data.totals.requests)} requests  ${compact(data.totals.total_tokens)} tokens  `}
        <Text bold color={tone('accent')}>{usd(data.totals.cost_usd)}</Text>
      </Text>
      <Tabs views={LEDGER_VIEWS} current={view} hints="←/→: view  ↑/↓: rows  ?: help  q: quit" />
      {body}
    </Box>
  );
}
