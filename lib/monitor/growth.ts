import type { RingHistory } from '../history/store';
import type { RingState } from '../ring/types';

/** etcdExcessiveDatabaseGrowth looks 4 h back and 4 h ahead... */
const HORIZON_MS = 4 * 3_600_000;
/** ...and its inputs change about once a minute: the forecast is refreshed no more often. */
const EVERY_MS = 60_000;

/** Each member's db size predicted 4 h ahead from the last 4 h of its history (predict_linear). */
export class GrowthForecast {
  private cached: { at: number; dbSizeIn4h: Map<string, number | null> } | null = null;

  constructor(private readonly history: RingHistory) {}

  dbSizeIn4h(state: RingState | null, now: number): Map<string, number | null> {
    if (!this.cached || now - this.cached.at >= EVERY_MS) {
      const ids = state?.members.map((m) => m.id) ?? [];
      this.cached = { at: now, dbSizeIn4h: new Map(ids.map((id) => [id, this.history.predictLinear(id, 'dbSize', HORIZON_MS, HORIZON_MS, now)])) };
    }
    return this.cached.dbSizeIn4h;
  }
}
