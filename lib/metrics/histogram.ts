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

/**
 * Values observed at scrape times within a trailing window, oldest first. Entries older than the
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

  get size(): number {
    return this.times.length - this.head;
  }

  clear(): void {
    this.times = [];
    this.items = [];
    this.head = 0;
  }

  /** Drops what fell out of the window and returns it. */
  expire(now: number): T[] {
    const cutoff = now - this.windowMs;
    const from = this.head;
    while (this.head < this.times.length && this.times[this.head] <= cutoff) this.head++;
    const gone = this.items.slice(from, this.head);
    // Compact once the dead prefix dominates, so the arrays stay bounded.
    if (this.head > 64 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return gone;
  }
}

/**
 * The sum of counter increases over a trailing window, kept as a running total: each scrape costs
 * one addition and one subtraction per entry leaving, not a pass over the whole window.
 * Increases are whole counts, so the running total is exact.
 */
export class WindowSum {
  private readonly window: TimeWindow<number>;
  private total = 0;

  constructor(windowMs: number) {
    this.window = new TimeWindow(windowMs);
  }

  add(at: number, increase: number): void {
    this.window.add(at, increase);
    this.total += increase;
  }

  sum(now: number): number {
    for (const v of this.window.expire(now)) this.total -= v;
    return this.total;
  }

  get size(): number {
    return this.window.size;
  }
}

/**
 * Histogram bucket increases summed over a trailing window as a running total per bucket (what
 * `rate(x_bucket[w])` sums before histogram_quantile). A new bucket layout starts it over.
 */
export class WindowBuckets {
  private readonly window: TimeWindow<Bucket[]>;
  private les: number[] = [];
  private totals: number[] = [];

  constructor(windowMs: number) {
    this.window = new TimeWindow(windowMs);
  }

  add(at: number, increase: readonly Bucket[]): void {
    if (increase.length !== this.les.length || increase.some((b, i) => b.le !== this.les[i])) {
      this.window.clear();
      this.les = increase.map((b) => b.le);
      this.totals = increase.map(() => 0);
    }
    this.window.add(at, [...increase]);
    increase.forEach((b, i) => (this.totals[i] += b.count));
  }

  /** Summed buckets in the window; null when nothing is in it. */
  sum(now: number): Bucket[] | null {
    for (const gone of this.window.expire(now)) gone.forEach((b, i) => (this.totals[i] -= b.count));
    return this.window.size === 0 ? null : this.les.map((le, i) => ({ le, count: this.totals[i] }));
  }

  get size(): number {
    return this.window.size;
  }
}
