import { SERIES, SERIES_KEYS, type Aggregate, type HistorySample, type SeriesKey } from '../model/series';

const S = SERIES_KEYS.length;
/**
 * How each series is kept. Revision and raft index stay whole 64-bit floats (they pass 2^24 in
 * any busy ring, and a chart's tooltip must show the real number); every other figure (latencies,
 * shares, bytes, counts) is kept as a 32-bit float and read back to 7 significant digits, ample
 * for a chart, at half the memory. In the hour of full resolution, the figures of the /metrics
 * scrape (the same at every poll between two scrapes, 15 s apart by default) are kept once per
 * change, in a ring of value sets each poll's row points into: a fleet of 1,000 members' history
 * fits in under 500 MiB.
 */
const EXACT = SERIES_KEYS.map((k) => SERIES[k].exact === true);
const SCRAPED = SERIES_KEYS.map((k, i) => SERIES[k].scraped === true && !EXACT[i]);
const E = EXACT.filter(Boolean).length;
const F = S - E;
const POS = SERIES_KEYS.map((_, k) => EXACT.slice(0, k).filter((x) => x === EXACT[k]).length);
/** The full tier's three groups: exact, plain (32-bit, per poll) and scraped (32-bit, per change). */
const GROUP = SERIES_KEYS.map((_, k) => (EXACT[k] ? 0 : SCRAPED[k] ? 2 : 1));
const GROUP_SIZE = [0, 1, 2].map((g) => GROUP.filter((x) => x === g).length);
const GROUP_POS = GROUP.map((g, k) => GROUP.slice(0, k).filter((x) => x === g).length);

/** Rows of S values, the exact columns in one array and the rest in another (the day's minute buckets). */
class Rows {
  private readonly x: Float64Array;
  private readonly f: Float32Array;

  constructor(rows: number, init = 0) {
    this.x = new Float64Array(rows * E).fill(init);
    this.f = new Float32Array(rows * F).fill(init);
  }

  static bytesPerRow(): number {
    return E * 8 + F * 4;
  }

  get byteLength(): number {
    return this.x.byteLength + this.f.byteLength;
  }

  /** As stored: a 32-bit column's value carries float32 noise (see `readValue`). */
  get(row: number, k: number): number {
    return EXACT[k] ? this.x[row * E + POS[k]] : this.f[row * F + POS[k]];
  }

  set(row: number, k: number, v: number): void {
    if (EXACT[k]) this.x[row * E + POS[k]] = v;
    else this.f[row * F + POS[k]] = v;
  }

  add(row: number, k: number, v: number): void {
    if (EXACT[k]) this.x[row * E + POS[k]] += v;
    else this.f[row * F + POS[k]] += v;
  }

  fillRow(row: number, v: number): void {
    this.x.fill(v, row * E, row * E + E);
    this.f.fill(v, row * F, row * F + F);
  }
}

/**
 * The hour of full resolution: per poll, the exact and plain columns and the sequence number of
 * the scraped values it saw; the scraped values themselves once per change, in a ring of `sets`.
 * A row whose set has been overwritten (more changes in the hour than the ring holds: a scrape
 * interval shorter than the one it was sized for, a member flapping) reads NaN for the scraped
 * columns, a gap in those charts; the minute buckets still hold them.
 */
class FullRows {
  private readonly x: Float64Array;
  private readonly p: Float32Array;
  /** Per row: the set's sequence number; 0 for none (no scraped value at that poll). */
  private readonly ref: Uint32Array;
  private readonly sets: Float32Array;
  private readonly setSeq: Uint32Array;
  private seq = 0;

  constructor(
    rows: number,
    private readonly setCap: number,
  ) {
    this.x = new Float64Array(rows * GROUP_SIZE[0]).fill(NaN);
    this.p = new Float32Array(rows * GROUP_SIZE[1]).fill(NaN);
    this.ref = new Uint32Array(rows);
    this.sets = new Float32Array(setCap * GROUP_SIZE[2]);
    this.setSeq = new Uint32Array(setCap);
  }

  static bytes(rows: number, setCap: number): number {
    return rows * (GROUP_SIZE[0] * 8 + GROUP_SIZE[1] * 4 + 4) + setCap * (GROUP_SIZE[2] * 4 + 4);
  }

  get byteLength(): number {
    return this.x.byteLength + this.p.byteLength + this.ref.byteLength + this.sets.byteLength + this.setSeq.byteLength;
  }

  get(row: number, k: number): number {
    const g = GROUP[k];
    if (g === 0) return this.x[row * GROUP_SIZE[0] + GROUP_POS[k]];
    if (g === 1) return this.p[row * GROUP_SIZE[1] + GROUP_POS[k]];
    const s = this.ref[row];
    const i = s % this.setCap;
    return s !== 0 && this.setSeq[i] === s ? this.sets[i * GROUP_SIZE[2] + GROUP_POS[k]] : NaN;
  }

  setRow(row: number, values: readonly number[]): void {
    let anyScraped = false;
    let changed = this.seq === 0 || this.setSeq[this.seq % this.setCap] !== this.seq;
    const cur = (this.seq % this.setCap) * GROUP_SIZE[2];
    for (let k = 0; k < S; k++) {
      const v = values[k];
      const g = GROUP[k];
      if (g === 0) this.x[row * GROUP_SIZE[0] + GROUP_POS[k]] = v;
      else if (g === 1) this.p[row * GROUP_SIZE[1] + GROUP_POS[k]] = v;
      else {
        if (Number.isFinite(v)) anyScraped = true;
        const had = this.sets[cur + GROUP_POS[k]];
        const now = Math.fround(v);
        if (!changed && had !== now && !(Number.isNaN(had) && Number.isNaN(now))) changed = true;
      }
    }
    if (!anyScraped) {
      this.ref[row] = 0;
      return;
    }
    if (changed) {
      // 2^32 changes: at one a second, 136 years; then numbering starts again after 0 ("none").
      this.seq = this.seq === 0xffffffff ? 1 : this.seq + 1;
      const i = this.seq % this.setCap;
      this.setSeq[i] = this.seq;
      for (let k = 0; k < S; k++) if (GROUP[k] === 2) this.sets[i * GROUP_SIZE[2] + GROUP_POS[k]] = values[k];
    }
    this.ref[row] = this.seq;
  }

  clearRow(row: number): void {
    this.x.fill(NaN, row * GROUP_SIZE[0], (row + 1) * GROUP_SIZE[0]);
    this.p.fill(NaN, row * GROUP_SIZE[1], (row + 1) * GROUP_SIZE[1]);
    this.ref[row] = 0;
  }
}

/** A value of column `k` as a reader should see it: 32-bit columns to 7 significant digits. */
function readValue(k: number, v: number): number {
  return EXACT[k] || Number.isInteger(v) || !Number.isFinite(v) ? v : Number(v.toPrecision(7));
}

/** The narrowest counter that holds a minute's polls at this interval. */
function countArray(perBucket: number, n: number): Uint8Array | Uint16Array | Uint32Array {
  return perBucket <= 0xff ? new Uint8Array(n) : perBucket <= 0xffff ? new Uint16Array(n) : new Uint32Array(n);
}
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
  /** How often the scraped figures change (the /metrics scrape interval); default the poll interval. */
  scrapeMs?: number;
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
  full: FullRows;
  /** coarseCap minute buckets x S series. */
  min: Rows;
  max: Rows;
  sum: Rows;
  count: Uint8Array | Uint16Array | Uint32Array;
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
  /** Value sets of the scraped figures the full tier holds: the hour's scrapes, with room to spare. */
  readonly setCap: number;
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
    const scrapeMs = Math.max(opts.scrapeMs ?? this.intervalMs, this.intervalMs);
    this.setCap = Math.min(this.fullCap, Math.ceil(((this.fullCap * this.intervalMs) / scrapeMs) * 1.25) + 16);
    this.times = new Float64Array(this.fullCap).fill(NaN);
    this.bucketOf = new Float64Array(this.coarseCap).fill(-1);
  }

  /** Bytes one member costs: the stated memory bound (about 0.47 MiB at a 1 s poll and a 15 s scrape). */
  static bytesPerMember(opts: HistoryOptions): number {
    const h = new RingHistory(opts);
    return FullRows.bytes(h.fullCap, h.setCap) + h.coarseCap * (3 * Rows.bytesPerRow() + S * countArray(h.perBucket, 0).BYTES_PER_ELEMENT);
  }

  /** The most polls one minute bucket can count. */
  private get perBucket(): number {
    return Math.ceil(this.bucketMs / this.intervalMs) + 1;
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
      t.full.setRow(row, m.values);
      for (let k = 0; k < S; k++) {
        const v = m.values[k];
        if (!Number.isFinite(v)) continue;
        if (v < t.min.get(cslot, k)) t.min.set(cslot, k, v);
        if (v > t.max.get(cslot, k)) t.max.set(cslot, k, v);
        t.sum.add(cslot, k, v);
        t.count[cslot * S + k]++;
      }
    }
    for (const [id, t] of this.tracks) {
      if (present.has(id)) continue;
      t.full.clearRow(row);
      if (t.lastSeen <= at - this.coarseMs) this.tracks.delete(id);
    }
  }

  private newTrack(id: string, name: string): Track {
    const t: Track = {
      id,
      name,
      full: new FullRows(this.fullCap, this.setCap),
      min: new Rows(this.coarseCap, Infinity),
      max: new Rows(this.coarseCap, -Infinity),
      sum: new Rows(this.coarseCap),
      count: countArray(this.perBucket, this.coarseCap * S),
      lastSeen: 0,
    };
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
        pushPoint(t, series, tracks, q.keys, at, (tr, i) => finite(readValue(cols[i], tr.full.get(row, cols[i]))));
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
            const v = tr.full.get(row, c);
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
            const n = tr.count[c * S + col];
            if (n > 0) fold(p, ti, ki, tr.min.get(c, col), tr.max.get(c, col), tr.sum.get(c, col), n);
          }),
        );
      }
    }
    for (let p = 0; p < points; p++) {
      pushPoint(t, series, tracks, q.keys, first + p * step, (_, ki, ti) => {
        const s = slot(p, ti, ki);
        if (acc[s + 3] === 0) return null;
        const agg = aggOf(q.keys[ki]);
        return readValue(cols[ki], agg === 'min' ? acc[s] : agg === 'max' ? acc[s + 1] : acc[s + 2] / acc[s + 3]);
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
      const n = tr.count[c * S + col];
      if (b < 0 || b * this.bucketMs < now - windowMs || n === 0) continue;
      xs.push((b + 0.5) * this.bucketMs - now);
      ys.push(tr.sum.get(c, col) / n);
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
        const fin = (xs: Rows) =>
          SERIES_KEYS.map((_, k) => {
            const v = xs.get(c, k);
            return Number.isFinite(v) ? readValue(k, v) : 0;
          });
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
          const n = m.count[k] ?? 0;
          if (!n) continue;
          t.min.set(c, k, m.min[k]);
          t.max.set(c, k, m.max[k]);
          t.sum.set(c, k, m.sum[k]);
          t.count[c * S + k] = n;
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
  t.min.fillRow(cslot, Infinity);
  t.max.fillRow(cslot, -Infinity);
  t.sum.fillRow(cslot, 0);
  t.count.fill(0, cslot * S, cslot * S + S);
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
