// The last finished requests, newest first: time, status, latency, model, token, tokens, cost, error or rule hits.
import { Box, Text } from 'ink';
import type { RecentRequest } from '../core/stats/recent.js';
import { cell, clock, compact, latency, usd } from './format.js';
import { useTone } from './theme.js';

export type Props = {
  readonly requests: readonly RecentRequest[];
  readonly width: number;
  /** Lines available (title included). */
  readonly maxRows: number;
  /** Title line; default `Recent requests`. */
  readonly title?: string;
};

function note(r: RecentRequest): string {
  const parts = [];
  if (r.error) parts.push(r.error);
  if (r.rules?.length) parts.push(`rules: ${r.rules.join(', ')}`);
  return parts.join('; ');
}

export default function RecentRequests({ requests, width, maxRows, title = 'Recent requests' }: Props) {
  const tone = useTone();
  const modelWidth = width >= 100 ? 28 : 20;
  const shown = requests.slice(0, Math.max(0, maxRows - 1));
  return (
    <Box flexDirection="column">
      <Text bold>{title}</Text>
      {requests.length === 0 ? <Text color={tone('dim')}>  no requests since the daemon started</Text> : null}
      {shown.map((r) => {
        const bad = r.status >= 400 || Boolean(r.error);
        return (
          <Text key={r.request_id} wrap="truncate-end">
            {`${clock(r.at)} `}
            <Text color={tone(bad ? 'bad' : 'good')}>{String(r.status).padStart(3)}</Text>
            {` ${cell(latency(r.latency_ms), 6, 'right')} ${cell(r.model || '-', modelWidth)} ${cell(r.token || '-', 8)} `}
            {`${cell(`${compact(r.input_tokens)}/${compact(r.output_tokens)}`, 11, 'right')} ${cell(usd(r.cost_usd), 8, 'right')}`}
            {note(r) ? <Text color={tone(r.error ? 'bad' : 'warn')}>{` ${note(r)}`}</Text> : null}
          </Text>
        );
      })}
    </Box>
  );
}
