// A usage table (per model, per token, per period, per session): a key column that takes the spare width, then
// right-aligned figures. Shows at most `maxRows` rows and says how many more there are.
import { Box, Text } from 'ink';
import { cell } from './format.js';
import { useTone } from './theme.js';

export interface Column<Row> {
  readonly title: string;
  readonly width: number;
  readonly value: (row: Row) => string;
}

export type Props<Row> = {
  /** Shown above the table; omitted when empty. */
  readonly title?: string;
  /** The key column's title and value. */
  readonly keyTitle: string;
  readonly keyOf: (row: Row) => string;
  /** Right-aligned figure columns. */
  readonly columns: readonly Column<Row>[];
  readonly rows: readonly Row[];
  /** Total width available. */
  readonly width: number;
  /** Rows shown at most (the rest are counted in a `+N more` line). */
  readonly maxRows: number;
  /** First row shown (scrolling). */
  readonly offset?: number;
  /** Index of a highlighted row (selection). */
  readonly selected?: number;
  /** What to say when there are no rows. */
  readonly empty?: string;
};

export default function UsageTable<Row>({ title, keyTitle, keyOf, columns, rows, width, maxRows, offset = 0, selected, empty = 'nothing yet' }: Props<Row>) {
  const tone = useTone();
  const figures = columns.reduce((sum, c) => sum + c.width + 1, 0);
  const keyWidth = Math.max(8, width - figures - 1);
  const line = (key: string, values: string[]) => `${cell(key, keyWidth)} ${values.map((v, i) => cell(v, columns[i]!.width, 'right')).join(' ')}`;
  const more = rows.length - offset - maxRows;
  const shown = rows.slice(offset, offset + (more > 0 ? Math.max(0, maxRows - 1) : maxRows));
  return (
    <Box flexDirection="column">
      {title ? <Text bold>{title}</Text> : null}
      <Text color={tone('dim')} wrap="truncate-end">{line(keyTitle, columns.map((c) => c.title))}</Text>
      {rows.length === 0 ? <Text color={tone('dim')}>{`  ${empty}`}</Text> : null}
      {shown.map((row, i) => (
        <Text key={`${offset + i}:${keyOf(row)}`} wrap="truncate-end" inverse={selected === offset + i}>
          {line(keyOf(row), columns.map((c) => c.value(row)))}
        </Text>
      ))}
      {more > 0 ? <Text color={tone('dim')}>{`  +${more + 1} more`}</Text> : null}
    </Box>
  );
}
