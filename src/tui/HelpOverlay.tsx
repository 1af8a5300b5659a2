// The `?` overlay: the keys of the screen it covers.
import { Box, Text } from 'ink';
import { useTone } from './theme.js';

export type Props = {
  /** [key, what it does] pairs. */
  readonly keys: readonly (readonly [string, string])[];
  readonly title?: string;
};

export default function HelpOverlay({ keys, title = 'Keys' }: Props) {
  const tone = useTone();
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={tone('accent')} paddingX={1}>
      <Text bold>{title}</Text>
      {keys.map(([key, what]) => (
        <Text key={key}>
          <Text bold color={tone('accent')}>{key.padEnd(14)}</Text>
          {what}
        </Text>
      ))}
      <Text color={tone('dim')}>any key closes this help</Text>
    </Box>
  );
}
