// Small helpers shared by the benchmarks: order statistics and the result table.

/** One line of the result table: a measurement next to a baseline from the same run. */
export interface Row {
  measure: string;
  /** ms */
  value: number;
  baseline: string;
  /** ms */
  baselineValue: number;
  /** What value and baseline are in; ms unless said. */
  unit?: 'ms' | 'MiB' | 'kB' | 'MB/s';
}

export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  // Nearest rank: an observed value, not an interpolation between two.
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

export const median = (xs: number[]): number => quantile(xs, 0.5);
export const max = (xs: number[]): number => (xs.length ? Math.max(...xs) : Number.NaN);

export function ms(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  return x < 10 ? `${x.toFixed(2)} ms` : x < 100 ? `${x.toFixed(1)} ms` : `${Math.round(x)} ms`;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Fixed-width text table; the ratio column is value / baseline. */
export function renderTable(rows: Row[]): string {
  const fmt = (x: number, unit: Row['unit']) => (!unit || unit === 'ms' ? ms(x) : `${x.toFixed(1)} ${unit}`);
  const cells = rows.map((r) => [r.measure, fmt(r.value, r.unit), r.baseline, fmt(r.baselineValue, r.unit), ratio(r.value, r.baselineValue)]);
  const head = ['measurement', 'value', 'baseline (same run)', 'baseline', 'value/baseline'];
  const all = [head, ...cells];
  const widths = head.map((_, i) => Math.max(...all.map((c) => c[i].length)));
  const line = (c: string[]): string =>
    c.map((x, i) => (i === 1 || i === 3 || i === 4 ? x.padStart(widths[i]) : x.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

function ratio(value: number, baseline: number): string {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0) return 'n/a';
  return `${(value / baseline).toFixed(2)}x`;
}
