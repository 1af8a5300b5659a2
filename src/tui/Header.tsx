// The top lines: proxy state, URLs, key backend and token count.
import { Box, Text } from 'ink';
import type { DashboardData } from './source.js';
import { useTone } from './theme.js';

export type Props = {
  /** What the dashboard knows right now. */
  readonly data: DashboardData;
};

function stateLine(data: DashboardData): { word: string; tone: 'good' | 'warn' | 'bad' | 'dim'; rest: string } {
  switch (data.state) {
    case 'running': {
      const s = data.snapshot;
      return { word: 'running', tone: 'good', rest: `pid ${s.proxy.pid}  tokens: ${s.tokens}  ${s.keys}` };
    }
    case 'stopped':
      return { word: 'stopped', tone: 'bad', rest: `tokens: ${data.tokens}  ${data.keys}` };
    case 'starting':
      return { word: 'starting…', tone: 'warn', rest: '' };
    case 'connecting':
      return { word: 'connecting…', tone: 'dim', rest: '' };
    case 'error':
      return { word: 'error', tone: 'bad', rest: data.message };
  }
}

export default function Header({ data }: Props) {
  const tone = useTone();
  const line = stateLine(data);
  const urls = data.state === 'running' ? [data.snapshot.proxy.http_url, data.snapshot.proxy.https_url, `v${data.snapshot.proxy.version}`].filter(Boolean).join('  ') : '';
  const live = data.state === 'running' ? (data.live ? 'live' : 'reconnecting…') : '';
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>Tokenomics </Text>
        <Text color={tone(line.tone)}>● {line.word}</Text>
        {line.rest ? `  ${line.rest}` : ''}
      </Text>
      <Text wrap="truncate-end">
        {urls || ' '}
        {live ? <Text color={tone(data.state === 'running' && data.live ? 'good' : 'warn')}>{`  ${live}`}</Text> : null}
      </Text>
    </Box>
  );
}
