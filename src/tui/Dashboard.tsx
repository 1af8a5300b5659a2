// `tokenomics status` on a terminal: the live dashboard. Views: overview, tokens, sessions, live; Tab/arrows switch,
// `?` shows the keys, `q` quits, `s` starts the daemon when none runs. Redraws only when the data changes.
import { Box, Text, useApp, useInput, useStdin } from 'ink';
import { useState } from 'react';
import type { DashboardSnapshot } from '../core/stats/dashboard.js';
import BudgetGauges from './BudgetGauges.js';
import { SESSION_COLUMNS, sessionKey, USAGE_COLUMNS } from './columns.js';
import Header from './Header.js';
import HelpOverlay from './HelpOverlay.js';
import Problems from './Problems.js';
import RecentRequests from './RecentRequests.js';
import type { DashboardSource } from './source.js';
import StoppedNotice from './StoppedNotice.js';
import Tabs from './Tabs.js';
import Totals from './Totals.js';
import { useDashboard } from './use-dashboard.js';
import { useScreenSize } from './use-screen-size.js';
import UsageTable from './UsageTable.js';

export const VIEWS = ['Overview', 'Tokens', 'Sessions', 'Live'] as const;
export type View = (typeof VIEWS)[number];

const HELP: readonly (readonly [string, string])[] = [
  ['Tab →  l', 'next view'],
  ['Shift-Tab ←  h', 'previous view'],
  ['1 2 3 4', 'overview, tokens, sessions, live'],
  ['s', 'start the proxy (when it is not running)'],
  ['?', 'this help'],
  ['q  Ctrl-C', 'quit'],
];

export type Props = {
  /** Where the data comes from: the running daemon, or fixtures. */
  readonly source: DashboardSource;
  /** The view shown first. */
  readonly initialView?: View;
};

interface Area {
  readonly width: number;
  readonly height: number;
}

/** Splits `lines` between sections: each gets at least 1, then up to its cap, then what is left goes up to what it wants, last first. */
function share(lines: number, wants: readonly number[], caps: readonly number[]): number[] {
  const out = wants.map(() => 1);
  let left = lines - out.length;
  const give = (i: number, upTo: number) => {
    const more = Math.max(0, Math.min(left, upTo - out[i]!));
    out[i]! += more;
    left -= more;
  };
  wants.forEach((want, i) => give(i, Math.min(want, caps[i]!)));
  for (let i = wants.length - 1; i >= 0; i--) give(i, wants[i]!);
  return out;
}

function Overview({ s, area }: { s: DashboardSnapshot; area: Area }) {
  // Totals + blank, model table title + header, budgets title, recent title, two blanks.
  const avail = Math.max(3, area.height - 8);
  const gauges = s.budgets.reduce((n, b) => n + b.gauges.length, 0);
  const third = Math.max(1, Math.floor(avail / 3));
  const [models, budgets, recent] = share(avail, [s.by_model.length, gauges, s.recent.length || 1], [third, third, avail]);
  return (
    <Box flexDirection="column">
      <Totals today={s.today} />
      <Text> </Text>
      <UsageTable title="By model (today)" keyTitle="MODEL" keyOf={(r) => r.key || '(none)'} columns={USAGE_COLUMNS} rows={s.by_model} width={area.width} maxRows={models!} />
      <Text> </Text>
      <BudgetGauges budgets={s.budgets} width={area.width} maxRows={budgets! + 1} />
      <Text> </Text>
      <RecentRequests requests={s.recent} width={area.width} maxRows={recent! + 1} />
    </Box>
  );
}

function Tokens({ s, area }: { s: DashboardSnapshot; area: Area }) {
  const avail = Math.max(2, area.height - 5);
  const [tokens, budgets] = share(avail, [s.by_token.length, s.budgets.reduce((n, b) => n + b.gauges.length, 0) || 1], [Math.ceil(avail / 2), avail]);
  return (
    <Box flexDirection="column">
      <UsageTable title={`By token (today, ${s.tokens} token(s) in the database)`} keyTitle="TOKEN" keyOf={(r) => r.key.slice(0, 8) || '(none)'} columns={USAGE_COLUMNS} rows={s.by_token} width={area.width} maxRows={tokens!} empty="no requests today" />
      <Text> </Text>
      <BudgetGauges budgets={s.budgets} width={area.width} maxRows={budgets! + 1} />
    </Box>
  );
}

function Sessions({ s, area }: { s: DashboardSnapshot; area: Area }) {
  return (
    <UsageTable
      title="Sessions (newest first; ● running)"
      keyTitle="SESSION"
      keyOf={sessionKey}
      columns={SESSION_COLUMNS}
      rows={s.sessions}
      width={area.width}
      maxRows={Math.max(1, area.height - 2)}
      empty="no sessions in the ledger (ledger.enabled off?)"
    />
  );
}

function Live({ s, area }: { s: DashboardSnapshot; area: Area }) {
  const problems = s.recent.filter((r) => r.status >= 400 || r.error || r.rules?.length).length;
  const problemRows = Math.min(problems, Math.max(0, Math.floor((area.height - 3) / 3)));
  return (
    <Box flexDirection="column">
      <Problems requests={s.recent} width={area.width} maxRows={problemRows + 1} />
      <Text> </Text>
      <RecentRequests title={`Requests (last ${s.recent.length}, newest first)`} requests={s.recent} width={area.width} maxRows={Math.max(2, area.height - problemRows - 2)} />
    </Box>
  );
}

export default function Dashboard({ source, initialView = 'Overview' }: Props) {
  const data = useDashboard(source);
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const { columns, rows } = useScreenSize();
  const [view, setView] = useState<number>(VIEWS.indexOf(initialView));
  const [help, setHelp] = useState(false);
  const [startError, setStartError] = useState<string>();

  useInput(
    (input, key) => {
      if (help) return setHelp(false);
      if (input === 'q') return exit();
      if (input === '?') return setHelp(true);
      if (key.tab && key.shift) return setView((v) => (v + VIEWS.length - 1) % VIEWS.length);
      if (key.tab || key.rightArrow || input === 'l') return setView((v) => (v + 1) % VIEWS.length);
      if (key.leftArrow || input === 'h') return setView((v) => (v + VIEWS.length - 1) % VIEWS.length);
      if (/^[1-4]$/.test(input)) return setView(Number(input) - 1);
      if (input === 's' && data.state === 'stopped' && source.start) {
        setStartError(undefined);
        source.start().catch((err: Error) => setStartError(err.message));
      }
    },
    { isActive: isRawModeSupported },
  );

  // One line is left free at the bottom: output as tall as the terminal makes Ink clear the screen on every redraw.
  const area: Area = { width: Math.max(40, columns - 1), height: Math.max(8, rows - 4) };
  const body = (() => {
    if (help) return <HelpOverlay keys={HELP} title="Dashboard keys" />;
    switch (data.state) {
      case 'running': {
        const s = data.snapshot;
        if (view === 1) return <Tokens s={s} area={area} />;
        if (view === 2) return <Sessions s={s} area={area} />;
        if (view === 3) return <Live s={s} area={area} />;
        return <Overview s={s} area={area} />;
      }
      case 'stopped':
        return <StoppedNotice reason={data.reason} canStart={Boolean(source.start)} error={startError} />;
      case 'starting':
        return <Text>Starting the proxy…</Text>;
      case 'connecting':
        return <Text>Connecting to the proxy…</Text>;
      case 'error':
        return <Text>{data.message}</Text>;
    }
  })();
  return (
    <Box flexDirection="column" width={area.width}>
      <Header data={data} />
      <Tabs views={VIEWS} current={view} />
      {body}
    </Box>
  );
}
