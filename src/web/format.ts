// Number and time formatting shared by the tabs.

const integer = new Intl.NumberFormat('en-US');

export const fmtInt = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '-' : integer.format(Math.round(n)));

export function fmtUsd(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  if (n !== 0 && Math.abs(n) < 0.01) return `$${n.toFixed(4)}`;
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
