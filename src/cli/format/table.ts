// Plain-text report helpers: numbers with thousands separators, USD amounts, durations, aligned tables and
// label/value blocks. Output stays plain (no colours, no box drawing) so it pipes and diffs cleanly.

/** 1234567 -> "1,234,567" */
export function formatInt(value: number): string {
  const [int, frac] = String(Math.round(value * 1e6) / 1e6).split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac ? `${grouped}.${frac}` : grouped;
}

/** "$0.0042" below a dollar (small amounts stay visible), "$1,234.56" from a dollar up. */
export function formatUsd(value: number): string {
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  if (abs < 1) return `${sign}$${abs.toFixed(4)}`;
  const [int, frac] = abs.toFixed(2).split('.');
  return `${sign}$${formatInt(Number(int))}.${frac}`;
}

/** The reference's duration: `<s>s`, or `<m>m<s>s` above a minute. */
export function formatDuration(ms: number): string {
  const seconds = Math.floor(Math.max(0, ms) / 1000);
  if (ms > 60_000) return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
  return `${seconds}s`;
}

/** Cuts text to `max` characters, marking the cut with `...` (`keep` characters kept). */
export function truncate(text: string, max: number, keep = max - 3): string {
  return text.length > max ? `${text.slice(0, keep)}...` : text;
}

export type Align = 'left' | 'right';

export interface Column {
  readonly header: string;
  readonly align?: Align;
}

/** A line that spans the table: a rule of dashes under every column. */
export const RULE = Symbol('rule');
export type TableRow = readonly string[] | typeof RULE;

/** Columns separated by two spaces; numbers right-aligned; no trailing spaces. */
export function renderTable(columns: readonly Column[], rows: readonly TableRow[], indent = ''): string[] {
  const widths = columns.map((c) => c.header.length);
  for (const row of rows) {
    if (row === RULE) continue;
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  }
  const line = (cells: readonly string[]): string =>
    `${indent}${cells.map((cell, i) => (columns[i]?.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  return [
    line(columns.map((c) => c.header)),
    ...rows.map((row) => (row === RULE ? line(widths.map((w) => '-'.repeat(w))) : line(row))),
  ];
}

/** `label:<spaces>value` lines, values starting in one column (what Go's tabwriter prints for `label:\tvalue`). */
export function renderPairs(pairs: readonly (readonly [string, string])[], indent = '  '): string[] {
  const width = Math.max(0, ...pairs.map(([label]) => label.length + 1));
  return pairs.map(([label, value]) => `${indent}${`${label}:`.padEnd(width)}  ${value}`.trimEnd());
}
