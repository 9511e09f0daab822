import { SERIES, SERIES_KEYS, type Aggregate, type HistorySample, type SeriesKey } from '../model/series';

const S = SERIES_KEYS.length;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** One minute's min, max, sum and count per member and series (SERIES_KEYS order), as stored. */
export interface MinuteBuckets {
  /** Minutes since the epoch. */
  bucket: number;
  members: { id: string; name: string; min: number[]; max: number[]; sum: number[]; count: number[] }[];
}

export interface HistoryOptions {
  /** Poll interval: sets how many full-resolution samples an hour holds. */
  intervalMs: number;
  /** Full resolution is kept this long (an hour). */
  fullMs?: number;
  /** Downsampled buckets are kept this long (a day)... */
  coarseMs?: number;
  /** ...each this wide (a minute), with min, max and mean. */
  bucketMs?: number;
}

/** One member's arrays, allocated once at their full size when the member first appears. */
interface Track {
  id: string;
  name: string;
  /** fullCap rows x S series; NaN where the member had no value. */
  full: Float64Array;
  min: Float64Array;
  max: Float64Array;
  sum: Float64Array;
  count: Uint16Array;
  lastSeen: number;
}

export interface HistoryQuery {
  keys: readonly SeriesKey[];
  from: number;
  to: number;
  /** Width of a point; at or below the poll interval, raw samples are returned. */
  stepMs: number;
  /** Overrides each series' own downsampling aggregate. */
  agg?: Aggregate;
}

export interface HistoryResult {
  from: number;
  to: number;
  stepMs: number;
  /** raw: every poll; full: the last hour aggregated to stepMs; coarse: the day's minute buckets aggregated. */
  source: 'raw' | 'full' | 'coarse';
  /** Point times, epoch ms: poll times (raw) or bucket starts. */
  t: number[];
  members: { id: string; name: string }[];
  /** Per series, per member ID: one value per point, null for no data. */
  series: Partial<Record<SeriesKey, Record<string, (number | null)[]>>>;
  agg: Partial<Record<SeriesKey, Aggregate | 'raw'>>;
}

/**
 * A ring's per-member history in fixed memory: every poll for the last hour, then one-minute
 * buckets (min, max, mean) for the last day. Arrays are allocated at their full size when a member
 * first appears and never grow; a member that left is dropped once its last sample is a day old.
 * Pure: time comes from the samples.
 */
export class RingHistory {
  readonly intervalMs: number;
  readonly fullMs: number;
  readonly coarseMs: number;
  readonly bucketMs: number;
  readonly fullCap: number;
  readonly coarseCap: number;
  private readonly times: Float64Array;
  private readonly bucketOf: Float64Array;
  private readonly tracks = new Map<string, Track>();
  private head = 0;
  private size = 0;

  constructor(opts: HistoryOptions) {
    this.intervalMs = opts.intervalMs;
    this.fullMs = opts.fullMs ?? HOUR;
    this.coarseMs = opts.coarseMs ?? DAY;
    this.bucketMs = opts.bucketMs ?? 60_000;
    // A minute of slack: a late poll is followed at once by the next.
    this.fullCap = Math.ceil((this.fullMs + 60_000) / this.intervalMs);
    this.coarseCap = Math.ceil(this.coarseMs / this.bucketMs) + 1;
    this.times = new Float64Array(this.fullCap).fill(NaN);
    this.bucketOf = new Float64Array(this.coarseCap).fill(-1);
  }

  /** Bytes one member costs: the stated memory bound (about 1.0 MiB at a 1 s interval). */
  static bytesPerMember(opts: HistoryOptions): number {
    const h = new RingHistory(opts);
    return h.fullCap * S * 8 + h.coarseCap * S * (3 * 8 + 2);
  }

  /** Bytes held in typed arrays now: the shared clock plus every member's arrays. */
  bytes(): number {
    let n = this.times.byteLength + this.bucketOf.byteLength;
    for (const t of this.tracks.values()) n += t.full.byteLength + t.min.byteLength + t.max.byteLength + t.sum.byteLength + t.count.byteLength;
    return n;
  }

  get memberCount(): number {
    return this.tracks.size;
  }

  record(sample: HistorySample): void {
    const at = sample.at;
    const row = this.head;
    this.times[row] = at;
    this.head = (this.head + 1) % this.fullCap;
    this.size = Math.min(this.size + 1, this.fullCap);

    const bucket = Math.floor(at / this.bucketMs);
    const cslot = bucket % this.coarseCap;
    if (this.bucketOf[cslot] !== bucket) {
      this.bucketOf[cslot] = bucket;
      for (const t of this.tracks.values()) clearBucket(t, cslot);
    }

    const present = new Set<string>();
    for (const m of sample.members) {
      present.add(m.id);
      let t = this.tracks.get(m.id);
      if (!t) this.tracks.set(m.id, (t = this.newTrack(m.id, m.name)));
      t.name = m.name;
      t.lastSeen = at;
      for (let k = 0; k < S; k++) {
        const v = m.values[k];
        t.full[row * S + k] = v;
        if (!Number.isFinite(v)) continue;
        const i = cslot * S + k;
        if (v < t.min[i]) t.min[i] = v;
        if (v > t.max[i]) t.max[i] = v;
        t.sum[i] += v;
        t.count[i]++;
      }
    }
    for (const [id, t] of this.tracks) {
      if (present.has(id)) continue;
      t.full.fill(NaN, row * S, row * S + S);
      if (t.lastSeen <= at - this.coarseMs) this.tracks.delete(id);
    }
  }

  private newTrack(id: string, name: string): Track {
    const n = this.coarseCap * S;
    const t: Track = {
      id,
      name,
      full: new Float64Array(this.fullCap * S).fill(NaN),
      min: new Float64Array(n),
      max: new Float64Array(n),
      sum: new Float64Array(n),
      count: new Uint16Array(n),
      lastSeen: 0,
    };
    for (let c = 0; c < this.coarseCap; c++) clearBucket(t, c);
    return t;
  }

  query(q: HistoryQuery): HistoryResult {
    const cols = q.keys.map((k) => SERIES_KEYS.indexOf(k));
    const tracks = [...this.tracks.values()].filter((t) => t.lastSeen > q.from).sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    const aggOf = (k: SeriesKey) => q.agg ?? SERIES[k].agg;
    const series: HistoryResult['series'] = {};
    for (const k of q.keys) series[k] = Object.fromEntries(tracks.map((t) => [t.id, [] as (number | null)[]]));
    const base = { from: q.from, to: q.to, members: tracks.map((t) => ({ id: t.id, name: t.name })), series };
    const t: number[] = [];

    const rawAllowed = q.stepMs <= this.intervalMs && q.to - q.from <= this.fullMs + 60_000;
    if (rawAllowed) {
      let lastAt = NaN;
      for (const row of this.rows(q.from, q.to)) {
        const at = this.times[row];
        // A gap in polling (Ringside stopped) shows as a break in the lines, not a straight join.
        if (at - lastAt > 3 * this.intervalMs) pushPoint(t, series, tracks, q.keys, lastAt + this.intervalMs, () => null);
        lastAt = at;
        pushPoint(t, series, tracks, q.keys, at, (tr, i) => finite(tr.full[row * S + cols[i]]));
      }
      return { ...base, stepMs: this.intervalMs, source: 'raw', t, agg: Object.fromEntries(q.keys.map((k) => [k, 'raw'])) };
    }

    const step = Math.max(q.stepMs, this.intervalMs);
    // Times are whole ms, so (from, to] starts at from + 1.
    const first = Math.floor((q.from + 1) / step) * step;
    const points = Math.max(0, Math.floor((q.to - first) / step) + 1);
    // Per point, per track, per key: min, max, sum, count.
    const acc = new Float64Array(points * tracks.length * q.keys.length * 4);
    const slot = (p: number, ti: number, ki: number) => ((p * tracks.length + ti) * q.keys.length + ki) * 4;
    for (let i = 0; i < acc.length; i += 4) {
      acc[i] = Infinity;
      acc[i + 1] = -Infinity;
    }
    const fold = (p: number, ti: number, ki: number, min: number, max: number, sum: number, count: number) => {
      const s = slot(p, ti, ki);
      if (min < acc[s]) acc[s] = min;
      if (max > acc[s + 1]) acc[s + 1] = max;
      acc[s + 2] += sum;
      acc[s + 3] += count;
    };

    const useFull = q.to - q.from <= this.fullMs + 60_000 && step < this.bucketMs;
    if (useFull) {
      for (const row of this.rows(q.from, q.to)) {
        const p = Math.floor((this.times[row] - first) / step);
        tracks.forEach((tr, ti) =>
          cols.forEach((c, ki) => {
            const v = tr.full[row * S + c];
            if (Number.isFinite(v)) fold(p, ti, ki, v, v, v, 1);
          }),
        );
      }
    } else {
      for (let c = 0; c < this.coarseCap; c++) {
        const b = this.bucketOf[c];
        const start = b * this.bucketMs;
        if (b < 0 || start + this.bucketMs <= q.from || start > q.to) continue;
        const p = Math.floor((Math.max(start, first) - first) / step);
        tracks.forEach((tr, ti) =>
          cols.forEach((col, ki) => {
            const i = c * S + col;
            if (tr.count[i] > 0) fold(p, ti, ki, tr.min[i], tr.max[i], tr.sum[i], tr.count[i]);
          }),
        );
      }
    }
    for (let p = 0; p < points; p++) {
      pushPoint(t, series, tracks, q.keys, first + p * step, (_, ki, ti) => {
        const s = slot(p, ti, ki);
        if (acc[s + 3] === 0) return null;
        const agg = aggOf(q.keys[ki]);
        return agg === 'min' ? acc[s] : agg === 'max' ? acc[s + 1] : acc[s + 2] / acc[s + 3];
      });
    }
    return { ...base, stepMs: step, source: useFull ? 'full' : 'coarse', t, agg: Object.fromEntries(q.keys.map((k) => [k, aggOf(k)])) };
  }

  /**
   * Where a member's series is heading: the least-squares line through its one-minute means over
   * `windowMs`, evaluated `aheadMs` after `now` (Prometheus' predict_linear). null with fewer
   * than 10 minutes of data.
   */
  predictLinear(memberId: string, key: SeriesKey, windowMs: number, aheadMs: number, now: number): number | null {
    const tr = this.tracks.get(memberId);
    if (!tr) return null;
    const col = SERIES_KEYS.indexOf(key);
    const xs: number[] = [];
    const ys: number[] = [];
    for (let c = 0; c < this.coarseCap; c++) {
      const b = this.bucketOf[c];
      const i = c * S + col;
      if (b < 0 || b * this.bucketMs < now - windowMs || tr.count[i] === 0) continue;
      xs.push((b + 0.5) * this.bucketMs - now);
      ys.push(tr.sum[i] / tr.count[i]);
    }
    if (xs.length < 10) return null;
    const n = xs.length;
    const mx = xs.reduce((a, b) => a + b, 0) / n;
    const my = ys.reduce((a, b) => a + b, 0) / n;
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < n; i++) {
      sxy += (xs[i] - mx) * (ys[i] - my);
      sxx += (xs[i] - mx) ** 2;
    }
    const slope = sxx === 0 ? 0 : sxy / sxx;
    return my + slope * (aheadMs - mx);
  }

  /**
   * The closed one-minute buckets in [fromBucket, toBucket), for storing: a restart gets the day
   * back from these (and the last hour from the raw samples).
   */
  minuteRows(fromBucket: number, toBucket: number): MinuteBuckets[] {
    const out: MinuteBuckets[] = [];
    for (let b = fromBucket; b < toBucket; b++) {
      const c = b % this.coarseCap;
      if (this.bucketOf[c] !== b) continue;
      const members: MinuteBuckets['members'] = [];
      for (const t of this.tracks.values()) {
        const from = c * S;
        const count = Array.from(t.count.subarray(from, from + S));
        if (!count.some((n) => n > 0)) continue;
        // Infinity is not JSON: an empty series' min and max go as 0 and count 0 says they mean nothing.
        const fin = (xs: Float64Array) => Array.from(xs.subarray(from, from + S), (v) => (Number.isFinite(v) ? v : 0));
        members.push({ id: t.id, name: t.name, min: fin(t.min), max: fin(t.max), sum: fin(t.sum), count });
      }
      if (members.length) out.push({ bucket: b, members });
    }
    return out;
  }

  /**
   * Back after a restart: the stored minute buckets, then the stored raw samples replayed as
   * polls. Buckets the samples cover are rebuilt by the replay, so a stored one is taken only
   * when it is older than the first sample. Values stored as null (JSON's NaN) are NaN again.
   */
  restore(minutes: readonly MinuteBuckets[], samples: readonly HistorySample[]): void {
    const firstSampleBucket = samples.length ? Math.floor(samples[0].at / this.bucketMs) : Infinity;
    for (const row of minutes) {
      if (row.bucket >= firstSampleBucket) continue;
      const c = row.bucket % this.coarseCap;
      if (this.bucketOf[c] !== row.bucket) {
        this.bucketOf[c] = row.bucket;
        for (const t of this.tracks.values()) clearBucket(t, c);
      }
      for (const m of row.members) {
        let t = this.tracks.get(m.id);
        if (!t) this.tracks.set(m.id, (t = this.newTrack(m.id, m.name)));
        t.lastSeen = Math.max(t.lastSeen, (row.bucket + 1) * this.bucketMs - 1);
        for (let k = 0; k < S; k++) {
          const i = c * S + k;
          const n = m.count[k] ?? 0;
          if (!n) continue;
          t.min[i] = m.min[k];
          t.max[i] = m.max[k];
          t.sum[i] = m.sum[k];
          t.count[i] = n;
        }
      }
    }
    for (const s of samples) this.record({ at: s.at, members: s.members.map((m) => ({ ...m, values: m.values.map((v) => (typeof v === 'number' ? v : NaN)) })) });
  }

  /** Full-resolution rows with times in (from, to], oldest first. */
  private *rows(from: number, to: number): Generator<number> {
    for (let i = 0; i < this.size; i++) {
      const row = (this.head - this.size + i + this.fullCap) % this.fullCap;
      const at = this.times[row];
      if (at > from && at <= to) yield row;
    }
  }
}

function clearBucket(t: Track, cslot: number) {
  const from = cslot * S;
  t.min.fill(Infinity, from, from + S);
  t.max.fill(-Infinity, from, from + S);
  t.sum.fill(0, from, from + S);
  t.count.fill(0, from, from + S);
}

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function pushPoint(
  t: number[],
  series: HistoryResult['series'],
  tracks: Track[],
  keys: readonly SeriesKey[],
  at: number,
  value: (track: Track, keyIndex: number, trackIndex: number) => number | null,
) {
  t.push(at);
  keys.forEach((k, ki) => tracks.forEach((tr, ti) => series[k]![tr.id].push(value(tr, ki, ti))));
}
