// Number and time formatting shared by the tabs.

const integer = new Intl.NumberFormat('en-US');

export const fmtInt = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '-' : integer.format(Math.round(n)));

export function fmtUsd(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  // fractions of a cent are common (one small request); show two significant digits rather than $0.00
  if (n !== 0 && Math.abs(n) < 0.01) return `$${Number(n.toPrecision(2)).toFixed(Math.min(12, 1 - Math.floor(Math.log10(Math.abs(n)))))}`;
  return `$${n.toFixed(2)}`;
}

export function fmtTime(iso: string | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export const shortHash = (hash: string): string => hash.slice(0, 16);
