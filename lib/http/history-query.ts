import 'server-only';
import { quoteInput, RingsideError } from '../errors';
import { HISTORY_RANGES, isHistoryRange, type HistoryRange } from '../model/ranges';
import { SERIES_KEYS, type Aggregate, type SeriesKey } from '../model/series';

export interface HistoryParams {
  keys: SeriesKey[];
  range: HistoryRange;
  agg?: Aggregate;
}

const AGGREGATES: Aggregate[] = ['min', 'max', 'mean'];

/** `?metric=a,b|all&range=5m|15m|1h|6h|24h&agg=min|max|mean`, validated; a bad value is a 400 naming its field. */
export function parseHistoryQuery(query: Record<string, string | undefined>): HistoryParams {
  const params = { get: (k: string) => query[k] ?? null };
  const metric = params.get('metric');
  if (!metric) throw new RingsideError('INVALID', `metric: required; one or more of ${SERIES_KEYS.join(', ')} (comma-separated), or "all"`, 'metric');
  const keys = metric === 'all' ? [...SERIES_KEYS] : metric.split(',');
  const bad = keys.find((k) => !SERIES_KEYS.includes(k as SeriesKey));
  if (bad !== undefined) throw new RingsideError('INVALID', `metric: ${quoteInput(bad)} is not one of ${SERIES_KEYS.join(', ')}`, 'metric');

  const range = params.get('range') ?? '5m';
  if (!isHistoryRange(range)) throw new RingsideError('INVALID', `range: ${quoteInput(range, 20)} is not one of ${Object.keys(HISTORY_RANGES).join(', ')}`, 'range');

  const agg = params.get('agg');
  if (agg !== null && !AGGREGATES.includes(agg as Aggregate)) throw new RingsideError('INVALID', `agg: ${quoteInput(agg, 20)} is not one of ${AGGREGATES.join(', ')}`, 'agg');
  return { keys: [...new Set(keys)] as SeriesKey[], range, ...(agg ? { agg: agg as Aggregate } : {}) };
}
