// Shown instead of the figures when no daemon runs for this dir: why, and the `s` key to start one.
import { Box, Text } from 'ink';
import { useTone } from './theme.js';

export type Props = {
  /** Why no daemon answers (`stopped`, a stale daemon.json). */
  readonly reason: string;
  /** Whether `s` can start the daemon from here. */
  readonly canStart: boolean;
  /** The last start attempt's error, if it failed. */
  readonly error?: string;
};

export default function StoppedNotice({ reason, canStart, error }: Props) {
  const tone = useTone();
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text color={tone('bad')} bold>The proxy is not running.</Text>
      <Text>{reason}</Text>
      <Text> </Text>
      {canStart ? (
        <Text>
          Press <Text bold color={tone('accent')}>s</Text> to start it (as <Text bold>tokenomics start</Text> does), or{' '}
          <Text bold>q</Text> to quit.
        </Text>
      ) : (
        <Text>Start it with <Text bold>tokenomics start</Text>; this screen connects when it runs.</Text>
      )}
      {error ? <Text color={tone('bad')}>{`Could not start it: ${error}`}</Text> : null}
    </Box>
  );
}
