import { describe, expect, test } from 'vitest';
import { SERIES_KEYS, type HistorySample, type SeriesKey } from '../model/series';
import { RingHistory } from './store';

const T0 = Date.UTC(2026, 10, 23, 0, 0, 0);
const S = SERIES_KEYS.length;
const col = (k: SeriesKey) => SERIES_KEYS.indexOf(k);

/** A sample where every series of every member has `value(member index)`. */
function sample(at: number, ids: string[], value: (i: number) => number): HistorySample {
  return { at, members: ids.map((id, i) => ({ id, name: id, values: Array(S).fill(value(i)) })) };
}

function fill(h: RingHistory, from: number, to: number, ids: string[], value: (at: number, i: number) => number, stepMs = 1000) {
  for (let at = from; at < to; at += stepMs) h.record(sample(at, ids, (i) => value(at, i)));
}

describe('RingHistory memory bound', () => {
  test('about 0.47 MiB per member at a 1 s poll and a 15 s scrape, allocated once and never grown', () => {
    const opts = { intervalMs: 1000, scrapeMs: 15_000 };
    const perMember = RingHistory.bytesPerMember(opts);
    // The hour: 3660 rows x (2 exact x 8 B + 5 plain x 4 B + a 4 B pointer to the scraped set),
    // and 321 sets of the 9 scraped figures (the hour's 244 scrapes, a quarter more, and 16) x (9 x 4 + 4) B.
    // The day: 1441 minute buckets x (3 x (2 x 8 + 14 x 4) B of min/max/sum + 16 one-byte counts).
    expect(perMember).toBe(3660 * 40 + 321 * 40 + 1441 * (3 * 72 + 16));
    expect(perMember).toBeLessThan(0.48 * 1024 * 1024);
    // Scraped as often as polled, every row has its own set.
    expect(RingHistory.bytesPerMember({ intervalMs: 1000 })).toBe(3660 * 40 + 3660 * 40 + 1441 * (3 * 72 + 16));
    // Counts widen where a minute holds more polls than a byte counts.
    expect(RingHistory.bytesPerMember({ intervalMs: 100, scrapeMs: 15_000 })).toBe(36_600 * 40 + Math.ceil(36_600 / 150 * 1.25 + 16) * 40 + 1441 * (3 * 72 + 16 * 2));

    const h = new RingHistory(opts);
    const ids = ['m1', 'm2', 'm3'];
    h.record(sample(T0, ids, () => 1));
    const afterFirst = h.bytes();
    const shared = afterFirst - 3 * perMember;
    expect(shared).toBe(3660 * 8 + 1441 * 8);

    // 26 hours of 1 s polls, every figure changing at every poll: both tiers and the sets wrap
    // around; memory stays where it started.
    fill(h, T0 + 1000, T0 + 26 * 3_600_000, ids, (at) => at % 1000);
    expect(h.bytes()).toBe(afterFirst);
  });

  test('scraped figures are kept once per change: every poll reads its scrape; past what the sets hold, only they read as gaps', () => {
    const h = new RingHistory({ intervalMs: 1000, scrapeMs: 15_000 });
    const wal = col('walFsyncP99Ms');
    const at = (i: number) => T0 + i * 1000;
    const values = (i: number, scrape: number) => {
      const v = Array(S).fill(NaN);
      v[col('revision')] = 1000 + i;
      v[col('latencyMs')] = 2;
      v[wal] = scrape === -1 ? NaN : 5 + scrape;
      v[col('peerRttP99Ms')] = scrape === -1 ? NaN : 0.25;
      return v;
    };
    // An hour: a scrape every 15 polls, the member unreachable for polls 100-109 (no scraped value).
    for (let i = 0; i < 3600; i++) h.record({ at: at(i), members: [{ id: 'm1', name: 'm1', values: values(i, i >= 100 && i < 110 ? -1 : Math.floor(i / 15)) }] });
    const raw = h.query({ keys: ['walFsyncP99Ms', 'peerRttP99Ms', 'revision'], from: T0 - 1, to: at(3599), stepMs: 1000 });
    expect(raw.t).toHaveLength(3600);
    expect(raw.series.walFsyncP99Ms!.m1.slice(0, 31)).toEqual([...Array(15).fill(5), ...Array(15).fill(6), 7]);
    expect(raw.series.walFsyncP99Ms!.m1.slice(99, 111)).toEqual([11, ...Array(10).fill(null), 12]);
    expect(raw.series.walFsyncP99Ms!.m1.at(-1)).toBe(5 + 239);
    expect(raw.series.peerRttP99Ms!.m1.every((v, i) => v === (i >= 100 && i < 110 ? null : 0.25))).toBe(true);

    // A member whose scraped figures change at every poll for the next ten minutes: the sets (321)
    // hold the newest; the older rows read their scraped figures as gaps, everything else stays.
    for (let i = 3600; i < 4200; i++) h.record({ at: at(i), members: [{ id: 'm1', name: 'm1', values: values(i, i) }] });
    const after = h.query({ keys: ['walFsyncP99Ms', 'revision'], from: at(599), to: at(4199), stepMs: 1000 });
    const w = after.series.walFsyncP99Ms!.m1;
    expect(w.at(-1)).toBe(5 + 4199);
    expect(w.at(-321)).toBe(5 + 4199 - 320);
    expect(w.at(-322)).toBeNull();
    expect(after.series.revision!.m1.every((v, i) => v === 1000 + 600 + i)).toBe(true);
    // The minute buckets never lose them.
    const coarse = h.query({ keys: ['walFsyncP99Ms'], from: at(599), to: at(4199), stepMs: 60_000 });
    expect(coarse.series.walFsyncP99Ms!.m1.every((v) => v !== null)).toBe(true);
  });

  test('a member that left is dropped once its last sample is a day old', () => {
    const h = new RingHistory({ intervalMs: 60_000 });
    fill(h, T0, T0 + 3_600_000, ['m1', 'm2', 'm3'], () => 1, 60_000);
    const three = h.bytes();
    fill(h, T0 + 3_600_000, T0 + 3_600_000 + 23 * 3_600_000, ['m1', 'm2'], () => 1, 60_000);
    expect(h.memberCount).toBe(3);
    fill(h, T0 + 24 * 3_600_000, T0 + 26 * 3_600_000, ['m1', 'm2'], () => 1, 60_000);
    expect(h.memberCount).toBe(2);
    expect(h.bytes()).toBe(three - RingHistory.bytesPerMember({ intervalMs: 60_000 }));
  });
});

describe('RingHistory precision', () => {
  const at = (i: number) => T0 + i * 1000;
  const values = (i: number) => {
    const v = Array(S).fill(NaN);
    v[col('revision')] = 2 ** 40 + 3 + i; // far past float32's 2^24
    v[col('raftIndex')] = 123_456_789_012 + i;
    v[col('latencyMs')] = 1.234 + i / 1000;
    v[col('dbSize')] = 2_147_483_647;
    v[col('inUsePct')] = 100 / 3;
    return v;
  };

  test('revision and raft index stay whole; other figures read back to 7 significant digits, in every tier and in stored minutes', () => {
    const h = new RingHistory({ intervalMs: 1000 });
    for (let i = 0; i < 180; i++) h.record({ at: at(i), members: [{ id: 'm1', name: 'm1', values: values(i) }] });
    const keys: SeriesKey[] = ['revision', 'raftIndex', 'latencyMs', 'dbSize', 'inUsePct'];
    const raw = h.query({ keys, from: T0 - 1, to: at(179), stepMs: 1000 });
    expect(raw.source).toBe('raw');
    expect(raw.series.revision!.m1[5]).toBe(2 ** 40 + 8);
    expect(raw.series.raftIndex!.m1[179]).toBe(123_456_789_012 + 179);
    expect(raw.series.latencyMs!.m1[5]).toBe(1.239);
    expect(raw.series.dbSize!.m1[0]).toBe(2_147_483_648); // 7 significant digits of 2,147,483,647
    expect(raw.series.inUsePct!.m1[0]).toBe(33.33333);

    const full = h.query({ keys, from: T0 - 1, to: at(179), stepMs: 10_000, agg: 'mean' });
    expect(full.source).toBe('full');
    expect(full.series.latencyMs!.m1[0]).toBe(1.2385); // mean of 1.234 .. 1.243
    const coarse = h.query({ keys, from: T0 - 1, to: T0 + 2 * 3_600_000, stepMs: 60_000 });
    expect(coarse.source).toBe('coarse');
    expect(coarse.series.revision!.m1[0]).toBe(2 ** 40 + 3 + 59);
    expect(coarse.series.latencyMs!.m1[1]).toBe(1.353);

    const [minute] = h.minuteRows(Math.floor(T0 / 60_000), Math.floor(T0 / 60_000) + 1);
    const m = minute.members[0];
    expect([m.min[col('revision')], m.max[col('revision')], m.sum[col('revision')]]).toEqual([2 ** 40 + 3, 2 ** 40 + 62, 60 * (2 ** 40 + 3) + (59 * 60) / 2]);
    expect([m.min[col('latencyMs')], m.max[col('latencyMs')], m.count[col('latencyMs')]]).toEqual([1.234, 1.293, 60]);
  });
});

describe('RingHistory queries', () => {
  test('full resolution for the last hour: every poll, exactly', () => {
    const h = new RingHistory({ intervalMs: 1000 });
    const end = T0 + 2 * 3_600_000;
    fill(h, T0, end, ['m1', 'm2'], (at, i) => (at - T0) / 1000 + i * 0.5);
    const now = end - 1000;

    const hour = h.query({ keys: ['revision'], from: now - 3_600_000, to: now, stepMs: 1000 });
    expect(hour.source).toBe('raw');
    expect(hour.t).toHaveLength(3600);
    expect(hour.t[0]).toBe(now - 3_600_000 + 1000);
    expect(hour.series.revision!.m1.at(-1)).toBe((now - T0) / 1000);
    expect(hour.series.revision!.m2.at(-1)).toBe((now - T0) / 1000 + 0.5);

    const five = h.query({ keys: ['revision', 'dbSize'], from: now - 300_000, to: now, stepMs: 1000 });
    expect(five.t).toHaveLength(300);
    expect(five.members.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(Object.keys(five.series)).toEqual(['revision', 'dbSize']);
  });

  test('the last hour at a 10 s step: min, max and mean of each step', () => {
    const h = new RingHistory({ intervalMs: 1000 });
    // Values 0..9 repeating within each 10 s step.
    fill(h, T0, T0 + 3_600_000, ['m1'], (at) => ((at - T0) / 1000) % 10);
    const q = (agg: 'min' | 'max' | 'mean') => h.query({ keys: ['latencyMs'], from: T0 - 1, to: T0 + 3_599_999, stepMs: 10_000, agg });
    const mean = q('mean');
    expect(mean.source).toBe('full');
    expect(mean.t).toHaveLength(360);
    expect(new Set(mean.series.latencyMs!.m1)).toEqual(new Set([4.5]));
    expect(new Set(q('min').series.latencyMs!.m1)).toEqual(new Set([0]));
    expect(new Set(q('max').series.latencyMs!.m1)).toEqual(new Set([9]));
    // Without an override, each series uses its own aggregate: latency shows the max (spikes stay visible).
    expect(h.query({ keys: ['latencyMs'], from: T0 - 1, to: T0 + 3_599_999, stepMs: 10_000 }).agg.latencyMs).toBe('max');
  });

  test('24 hours from minute buckets at a 5 min step, after the full tier has wrapped', () => {
    const h = new RingHistory({ intervalMs: 1000 });
    const end = T0 + 25 * 3_600_000;
    // Within every minute the value runs 0..59, so each minute has min 0, max 59, mean 29.5.
    fill(h, T0, end, ['m1'], (at) => ((at - T0) / 1000) % 60, 1000);
    const now = end - 1000;
    const day = h.query({ keys: ['dbSize'], from: now - 24 * 3_600_000, to: now, stepMs: 300_000, agg: 'mean' });
    expect(day.source).toBe('coarse');
    expect(day.t.length).toBeGreaterThanOrEqual(288);
    expect(day.t.length).toBeLessThanOrEqual(290);
    const values = day.series.dbSize!.m1.filter((v) => v !== null);
    expect(values.length).toBeGreaterThanOrEqual(288);
    for (const v of values.slice(1, -1)) expect(v).toBeCloseTo(29.5, 9);
    const max = h.query({ keys: ['dbSize'], from: now - 24 * 3_600_000, to: now, stepMs: 300_000, agg: 'max' });
    expect(new Set(max.series.dbSize!.m1.slice(1, -1))).toEqual(new Set([59]));
  });

  test('no value is null, and a gap in polling breaks the line', () => {
    const h = new RingHistory({ intervalMs: 1000 });
    fill(h, T0, T0 + 10_000, ['m1', 'm2'], (_, i) => (i === 1 ? NaN : 7));
    // Ringside was down for a minute.
    fill(h, T0 + 70_000, T0 + 80_000, ['m1', 'm2'], () => 8);
    const r = h.query({ keys: ['revision'], from: T0 - 1, to: T0 + 80_000, stepMs: 1000 });
    expect(r.series.revision!.m2.slice(0, 10)).toEqual(Array(10).fill(null));
    expect(r.t).toHaveLength(21);
    expect(r.series.revision!.m1[10]).toBeNull();
    expect(r.series.revision!.m1[11]).toBe(8);
  });

  test('a member added later has no values before it appeared', () => {
    const h = new RingHistory({ intervalMs: 1000 });
    fill(h, T0, T0 + 5000, ['m1'], () => 1);
    fill(h, T0 + 5000, T0 + 10_000, ['m1', 'm4'], () => 2);
    const r = h.query({ keys: ['raftIndex'], from: T0 - 1, to: T0 + 10_000, stepMs: 1000 });
    expect(r.series.raftIndex!.m4).toEqual([null, null, null, null, null, 2, 2, 2, 2, 2]);
  });
});

describe('RingHistory.predictLinear', () => {
  test('extrapolates steady growth like predict_linear', () => {
    const h = new RingHistory({ intervalMs: 10_000 });
    // 1 MB a minute for two hours.
    fill(h, T0, T0 + 2 * 3_600_000, ['m1'], (at) => 1e6 * ((at - T0) / 60_000), 10_000);
    const now = T0 + 2 * 3_600_000 - 10_000;
    const in4h = h.predictLinear('m1', 'dbSize', 4 * 3_600_000, 4 * 3_600_000, now)!;
    expect(in4h / 1e6).toBeCloseTo((now - T0) / 60_000 + 240, 0);
  });
  test('no prediction from less than ten minutes of data', () => {
    const h = new RingHistory({ intervalMs: 10_000 });
    fill(h, T0, T0 + 5 * 60_000, ['m1'], () => 1, 10_000);
    expect(h.predictLinear('m1', 'dbSize', 4 * 3_600_000, 4 * 3_600_000, T0 + 5 * 60_000)).toBeNull();
  });
});

test('column order is the stored order', () => {
  expect(col('latencyMs')).toBe(0);
});

describe('RingHistory across a restart', () => {
  test('stored minute buckets and the last hour of samples give back the same day, through JSON', () => {
    const ids = ['m1', 'm2'];
    const h = new RingHistory({ intervalMs: 1000 });
    const end = T0 + 3 * 3_600_000;
    fill(h, T0, end, ids, (at, i) => (at / 1000) % 97 + i);
    // What the journal stores: every closed minute, and the raw polls of the last hour.
    const minutes = JSON.parse(JSON.stringify(h.minuteRows(Math.floor(T0 / 60_000), Math.floor(end / 60_000))));
    const samples: HistorySample[] = [];
    for (let at = end - 3_660_000; at < end; at += 1000) samples.push(sample(at, ids, (i) => (at / 1000) % 97 + i));
    samples[5].members[0].values[0] = NaN; // stored as null
    const back = new RingHistory({ intervalMs: 1000 });
    back.restore(minutes, JSON.parse(JSON.stringify(samples)));

    const day = { keys: ['revision', 'dbSize'] as SeriesKey[], from: T0 - 1, to: end, stepMs: 300_000 };
    expect(back.query(day)).toEqual(h.query(day));
    const hour = { keys: ['revision'] as SeriesKey[], from: end - 600_000, to: end, stepMs: 1000 };
    expect(back.query(hour)).toEqual(h.query(hour));
    const nan = back.query({ keys: ['latencyMs'], from: samples[5].at - 1, to: samples[5].at, stepMs: 1000 });
    expect(nan.series.latencyMs!.m1).toEqual([null]);
  });
});
