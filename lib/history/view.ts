import type { RingEvent } from '../ring/types';
import { markersIn } from '../model/markers';
import { HISTORY_RANGES, type HistoryRange } from '../model/ranges';
import { SERIES, type Aggregate, type SeriesKey } from '../model/series';
import type { HistoryResult, RingHistory } from './store';

/**
 * One cluster's history over a range as the API answers it: values rounded to 3 decimals (charts
 * draw nothing finer, and the answer is a third the size), each figure's unit, and the ring
 * events in the range to mark on the time axis.
 */
export function historyView(
  history: RingHistory,
  events: readonly RingEvent[],
  q: { keys: SeriesKey[]; range: HistoryRange; agg?: Aggregate },
  now: number,
): HistoryResult & { range: HistoryRange; units: Partial<Record<SeriesKey, (typeof SERIES)[SeriesKey]['unit']>>; events: RingEvent[] } {
  const to = now;
  const from = to - HISTORY_RANGES[q.range].ms;
  const result = history.query({ keys: q.keys, from, to, stepMs: HISTORY_RANGES[q.range].stepMs, agg: q.agg });
  for (const byMember of Object.values(result.series)) {
    for (const values of Object.values(byMember)) values.forEach((v, i) => (values[i] = v === null ? null : Math.round(v * 1000) / 1000));
  }
  return { range: q.range, ...result, units: Object.fromEntries(q.keys.map((k) => [k, SERIES[k].unit])), events: markersIn(events, from, to) };
}
