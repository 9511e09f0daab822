/**
 * Histogram and counter arithmetic over successive scrapes, the way Prometheus evaluates
 * `histogram_quantile(q, rate(x_bucket[w]))` and `increase(x[w])`. Pure.
 */

/** A cumulative bucket: how many observations were <= `le`. */
export interface Bucket {
  le: number;
  count: number;
}

/**
 * Prometheus' histogram_quantile over cumulative buckets: linear interpolation inside the bucket
 * the rank falls in, the lowest bucket starting at 0, and the upper bound of the last finite
 * bucket when the rank falls in +Inf. null where Prometheus answers NaN: no observations, fewer
 * than two buckets, or no +Inf bucket.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | null {
  if (Number.isNaN(q)) return null;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const bs = [...buckets].sort((a, b) => a.le - b.le);
  if (bs.length < 2 || bs.at(-1)!.le !== Infinity) return null;
  // Counts must not decrease with the bound; a scrape taken mid-update can break that.
  let max = -Infinity;
  const counts = bs.map((b) => (max = Math.max(max, b.count)));
  const observations = counts.at(-1)!;
  if (observations === 0) return null;

  let rank = q * observations;
  const b = counts.findIndex((c) => c >= rank);
  if (b === bs.length - 1) return bs[bs.length - 2].le;
  if (b === 0 && bs[0].le <= 0) return bs[0].le;

  let start = 0;
  let count = counts[b];
  if (b > 0) {
    start = bs[b - 1].le;
    count -= counts[b - 1];
    rank -= counts[b - 1];
  }
  const end = bs[b].le;
  return start + (end - start) * (rank / count);
}

/**
 * How much a counter grew between two scrapes. A counter that went down was reset (the member
 * restarted), and everything it counts now happened since: Prometheus' rule for `increase`.
 * `reset` says the process restarted even if the counter happens to be higher now.
 */
export function counterIncrease(prev: number | null, cur: number, reset = false): number | null {
  if (prev === null) return null;
  return reset || cur < prev ? cur : cur - prev;
}

/**
 * Per-bucket increase between two scrapes of one histogram. A restart, any bucket or count that
 * went down, or a changed bucket layout resets the whole histogram: its current counts are all new.
 * Checking only per bucket would miss a reset whose buckets have already passed their old counts.
 */
export function bucketIncrease(prev: readonly Bucket[] | null, cur: readonly Bucket[], reset = false): Bucket[] | null {
  if (!prev) return null;
  const sameLayout = prev.length === cur.length && prev.every((b, i) => b.le === cur[i].le);
  if (reset || !sameLayout || cur.some((b, i) => b.count < prev[i].count)) return cur.map((b) => ({ ...b }));
  return cur.map((b, i) => ({ le: b.le, count: b.count - prev[i].count }));
}

/** Adds bucket increases of the same layout; a different layout replaces what was summed. */
export function addBuckets(acc: Bucket[] | null, more: readonly Bucket[]): Bucket[] {
  if (!acc || acc.length !== more.length || acc.some((b, i) => b.le !== more[i].le)) return more.map((b) => ({ ...b }));
  return acc.map((b, i) => ({ le: b.le, count: b.count + more[i].count }));
}

/**
 * Increases observed at scrape times, summed over a trailing window. Entries older than the
 * window are dropped as time passes, so memory is bounded by window / scrape interval.
 */
export class TimeWindow<T> {
  private times: number[] = [];
  private items: T[] = [];
  private head = 0;

  constructor(readonly windowMs: number) {}

  add(at: number, item: T): void {
    this.times.push(at);
    this.items.push(item);
  }

  /** The items still inside (now - windowMs, now], oldest first. */
  within(now: number): T[] {
    this.expire(now);
    return this.items.slice(this.head);
  }

  get size(): number {
    return this.times.length - this.head;
  }

  private expire(now: number) {
    const cutoff = now - this.windowMs;
    while (this.head < this.times.length && this.times[this.head] <= cutoff) this.head++;
    // Compact once the dead prefix dominates, so the arrays stay bounded.
    if (this.head > 64 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
