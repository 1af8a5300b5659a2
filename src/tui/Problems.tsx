// Errors and rule hits among the recent requests: how many of each, and the latest ones.
import { Box, Text } from 'ink';
import type { RecentRequest } from '../core/stats/recent.js';
import { cell, clock } from './format.js';
import { useTone } from './theme.js';

export type Props = {
  readonly requests: readonly RecentRequest[];
  readonly width: number;
  /** Lines available (title included). */
  readonly maxRows: number;
};

export default function Problems({ requests, width, maxRows }: Props) {
  const tone = useTone();
  const errors = requests.filter((r) => r.status >= 400 || r.error);
  const ruleHits = requests.filter((r) => r.rules?.length);
  const lines = requests
    .filter((r) => r.status >= 400 || r.error || r.rules?.length)
    .map((r) => ({ id: r.request_id, text: `${clock(r.at)} ${r.status} ${cell(r.model || '-', 20)} ${[r.error, r.rules?.length ? `rules: ${r.rules.join(', ')}` : ''].filter(Boolean).join('; ')}` }));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>Errors and rule hits</Text>
        <Text color={errors.length ? tone('bad') : tone('dim')}>{`  ${errors.length} error(s)`}</Text>
        <Text color={ruleHits.length ? tone('warn') : tone('dim')}>{`  ${ruleHits.length} rule hit(s)`}</Text>
        <Text color={tone('dim')}> in the last {requests.length}</Text>
      </Text>
      {lines.slice(0, Math.max(0, maxRows - 1)).map((line) => (
        <Text key={line.id} color={tone('bad')} wrap="truncate-end">
          {cell(line.text, width)}
        </Text>
      ))}
    </Box>
  );
}
