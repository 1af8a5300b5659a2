// The view bar: the current view highlighted, and the key hints on the right.
import { Box, Text } from 'ink';
import { useTone } from './theme.js';

export type Props = {
  /** View names, in order. */
  readonly views: readonly string[];
  /** The index of the view shown. */
  readonly current: number;
  /** Hints on the right, e.g. `?:help q:quit`. */
  readonly hints?: string;
};

export default function Tabs({ views, current, hints = '←/→ tab: view  ?: help  q: quit' }: Props) {
  const tone = useTone();
  return (
    <Box justifyContent="space-between">
      <Text wrap="truncate-end">
        {views.map((view, i) => (
          <Text key={view} inverse={i === current} bold={i === current} color={i === current ? tone('accent') : undefined}>
            {` ${view} `}
          </Text>
        ))}
      </Text>
      <Text color={tone('dim')} wrap="truncate-start">{` ${hints}`}</Text>
    </Box>
  );
}
