// Budget gauges: one bar per meter of each token's policy, with what remains and when the window resets.
import { Box, Text } from 'ink';
import type { BudgetGauge, TokenBudgets } from '../core/stats/dashboard.js';
import { amount, bar, cell, shortTime } from './format.js';
import { useTone, type Tone } from './theme.js';

export type Props = {
  /** Gauges per token, as the dashboard endpoint reports them. */
  readonly budgets: readonly TokenBudgets[];
  readonly width: number;
  /** Lines available (title included). */
  readonly maxRows: number;
};

function toneOf(gauge: BudgetGauge): Tone {
  const fraction = gauge.limit > 0 ? gauge.used / gauge.limit : 0;
  return fraction >= 1 ? 'bad' : fraction >= 0.8 ? 'warn' : 'good';
}

export default function BudgetGauges({ budgets, width, maxRows }: Props) {
  const tone = useTone();
  const rows = budgets.flatMap((b) => b.gauges.map((gauge) => ({ token: b.token.slice(0, 8), gauge })));
  const barWidth = width >= 120 ? 30 : width >= 100 ? 20 : 10;
  // token 8, spaces, remaining 9, ' left of ' 9, limit 8, ' resets MM-DD hh:mm' 19
  const labelWidth = Math.max(8, width - barWidth - 57);
  const room = Math.max(0, maxRows - 1);
  const more = rows.length - room;
  const shown = rows.slice(0, more > 0 ? Math.max(0, room - 1) : room);
  return (
    <Box flexDirection="column">
      <Text bold>Budgets</Text>
      {rows.length === 0 ? <Text color={tone('dim')}>  no token has a budget or rate limit</Text> : null}
      {shown.map(({ token, gauge }, i) => (
        <Text key={`${token}:${i}`} wrap="truncate-end">
          {`${token} ${cell(`${gauge.window} ${gauge.unit}`, labelWidth)} `}
          <Text color={tone(toneOf(gauge))}>{bar(gauge.limit > 0 ? gauge.used / gauge.limit : 0, barWidth)}</Text>
          {` ${cell(amount(gauge.unit, gauge.remaining), 9, 'right')} left of ${cell(amount(gauge.unit, gauge.limit), 8)}`}
          <Text color={tone('dim')}>{gauge.resets_at ? ` resets ${shortTime(gauge.resets_at)}` : ''}</Text>
        </Text>
      ))}
      {more > 0 ? <Text color={tone('dim')}>{`  +${more + 1} more (Tokens view)`}</Text> : null}
    </Box>
  );
}
