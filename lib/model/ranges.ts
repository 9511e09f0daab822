/** The time ranges history is served in, each with the width of a point. Pure. */
export const HISTORY_RANGES = {
  /** Every poll. */
  '5m': { ms: 5 * 60_000, stepMs: 0, label: '5 min' },
  '15m': { ms: 15 * 60_000, stepMs: 5_000, label: '15 min' },
  '1h': { ms: 3_600_000, stepMs: 10_000, label: '1 hour' },
  '6h': { ms: 6 * 3_600_000, stepMs: 60_000, label: '6 hours' },
  '24h': { ms: 24 * 3_600_000, stepMs: 5 * 60_000, label: '24 hours' },
} as const;

export type HistoryRange = keyof typeof HISTORY_RANGES;

export const isHistoryRange = (r: string): r is HistoryRange => Object.hasOwn(HISTORY_RANGES, r);
