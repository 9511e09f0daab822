import type { DeliveryReport } from './types';

/**
 * Which delivery reports reach the audit log. A receiver that is down is retried every minute
 * for as long as it stays down, and every attempt is reported: the audit log takes the first
 * failure of a run, then at most one line per receiver and kind of report per window, each
 * saying how many it stands for, and always the recovery (with the failures since the last line
 * written), so an outage reads as a start, a heartbeat and an end. Pure: time is passed in.
 */
export class ReportLimiter {
  /** Per receiver and event: when a line was last written, and how many were held back since. */
  private readonly keys = new Map<string, { writtenAt: number; held: number }>();

  constructor(private readonly windowMs = 10 * 60_000) {}

  /** Whether to write `r` at `now`, and how many reports like it were held back before it. */
  admit(r: Pick<DeliveryReport, 'receiver' | 'event'>, now: number): { write: boolean; held: number } {
    const receiver = r.receiver ?? '';
    if (r.event === 'recovered') {
      // The outage is over: its held-back failures are told now, and the next one starts a new run.
      const failed = this.keys.get(`${receiver}/failed`);
      this.keys.delete(`${receiver}/failed`);
      return { write: true, held: failed?.held ?? 0 };
    }
    const key = `${receiver}/${r.event}`;
    const k = this.keys.get(key);
    if (k && now - k.writtenAt < this.windowMs) {
      k.held++;
      return { write: false, held: 0 };
    }
    this.keys.set(key, { writtenAt: now, held: 0 });
    return { write: true, held: k?.held ?? 0 };
  }
}
