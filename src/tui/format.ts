// Number, time and bar formatting shared by the dashboard components (plain functions, tested through the views).

export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 1234 -> 1.2k, 2_500_000 -> 2.5M: table cells stay narrow. */
export function compact(n: number): string {
  if (Math.abs(n) < 10_000) return int(n);
  if (Math.abs(n) < 1_000_000) return `${(n / 1000).toFixed(1)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function usd(n: number): string {
  if (n === 0) return '$0';
  return n < 0.01 ? `$${n.toFixed(4)}` : n < 100 ? `$${n.toFixed(2)}` : `$${Math.round(n).toLocaleString('en-US')}`;
}

/** An amount in a meter's unit. */
export function amount(unit: string, n: number): string {
  return unit === 'usd' ? usd(n) : compact(n);
}

/** `12:01:02` in UTC. */
export function clock(iso: string): string {
  return iso.slice(11, 19);
}

/** `12-05 00:00` (UTC), for reset times. */
export function shortTime(iso: string): string {
  return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function latency(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** A bar of `width` cells, `fraction` of them full. */
export function bar(fraction: number, width: number): string {
  const full = Math.max(0, Math.min(width, Math.round(Math.max(0, Math.min(1, fraction)) * width)));
  return '█'.repeat(full) + '░'.repeat(width - full);
}

/** Pads or cuts to exactly `width` characters (an ellipsis marks a cut). */
export function cell(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  const cut = text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text;
  return align === 'right' ? cut.padStart(width) : cut.padEnd(width);
}
