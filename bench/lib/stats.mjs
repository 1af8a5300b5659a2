// Small statistics helpers shared by the benchmarks.

/** The p-th percentile (0-100) of an ascending array (nearest rank). */
export const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

/** The median of any array (lower middle for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

export const sum = (values) => values.reduce((a, b) => a + b, 0);

/** Rounds to `digits` decimals; null stays null. */
export const round = (n, digits = 3) => (n == null || Number.isNaN(n) ? null : Math.round(n * 10 ** digits) / 10 ** digits);

/** a / b rounded, or null when either side is missing or b is zero. */
export const ratio = (a, b, digits = 2) => (a == null || b == null || a < 0 || b <= 0 ? null : round(a / b, digits));
