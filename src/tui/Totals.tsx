// Today's figures on one line: requests, errors, tokens in/out/cache, USD.
import { Text } from 'ink';
import type { DashboardSnapshot } from '../core/stats/dashboard.js';
import { compact, int, usd } from './format.js';
import { useTone } from './theme.js';

export type Props = {
  /** Today's figures, as the dashboard endpoint reports them. */
  readonly today: DashboardSnapshot['today'];
};

export default function Totals({ today }: Props) {
  const tone = useTone();
  const cache = today.cache_read_tokens + today.cache_write_tokens;
  return (
    <Text wrap="truncate-end">
      <Text bold>{today.source === 'ledger' ? `Today ${today.day}` : 'Since start'}</Text>
      {`  ${int(today.requests)} req  `}
      <Text color={today.errors ? tone('bad') : undefined}>{`${int(today.errors)} err`}</Text>
      {`  in ${compact(today.input_tokens)}  out ${compact(today.output_tokens)}  cache ${compact(cache)}  `}
      <Text bold color={tone('accent')}>{usd(today.cost_usd)}</Text>
      {today.source === 'stats' ? <Text color={tone('dim')}> (ledger off)</Text> : null}
    </Text>
  );
}
