import { describe, expect, test } from 'vitest';
import { bucketIncrease, counterIncrease, histogramQuantile, TimeWindow, WindowBuckets, WindowSum, type Bucket } from './histogram';

const b = (pairs: [number, number][]): Bucket[] => pairs.map(([le, count]) => ({ le, count }));

describe('histogramQuantile (Prometheus histogram_quantile)', () => {
  test('interpolates inside the bucket the rank falls in', () => {
    // rank = 0.5 * 10 = 5, in (0.1, 0.2] which holds 6 - 2 = 4; 5 - 2 = 3 of them: 0.1 + 0.1 * 3/4
    expect(histogramQuantile(0.5, b([[0.1, 2], [0.2, 6], [0.4, 10], [Infinity, 10]]))).toBeCloseTo(0.175, 12);
  });
  test('the lowest bucket starts at 0', () => {
    // rank 9.9 of 10, all in (0, 0.5]: 0.5 * 9.9 / 10
    expect(histogramQuantile(0.99, b([[0.5, 10], [1, 10], [Infinity, 10]]))).toBeCloseTo(0.495, 12);
  });
  test('a rank in +Inf answers the upper bound of the last finite bucket', () => {
    expect(histogramQuantile(0.99, b([[1, 0], [2, 0], [Infinity, 5]]))).toBe(2);
  });
  test('a rank exactly at a bucket boundary answers that bound', () => {
    expect(histogramQuantile(0.5, b([[1, 5], [2, 10], [Infinity, 10]]))).toBe(1);
  });
  test('bucket order in the input does not matter', () => {
    expect(histogramQuantile(0.5, b([[Infinity, 10], [0.4, 10], [0.1, 2], [0.2, 6]]))).toBeCloseTo(0.175, 12);
  });
  test('counts that decrease with the bound are made monotonic first', () => {
    // [0.2] holds 5 < 6 below it: treated as 6.
    expect(histogramQuantile(0.5, b([[0.1, 6], [0.2, 5], [Infinity, 12]]))).toBeCloseTo(0.1, 12);
  });
  test('no answer (null, Prometheus NaN) without observations, +Inf bucket, or two buckets', () => {
    expect(histogramQuantile(0.99, b([[0.1, 0], [Infinity, 0]]))).toBeNull();
    expect(histogramQuantile(0.99, b([[0.1, 3], [0.2, 4]]))).toBeNull();
    expect(histogramQuantile(0.99, b([[Infinity, 4]]))).toBeNull();
    expect(histogramQuantile(NaN, b([[0.1, 3], [Infinity, 4]]))).toBeNull();
  });
  test('quantiles outside [0, 1] are -Inf and +Inf as in Prometheus', () => {
    expect(histogramQuantile(-0.1, b([[0.1, 3], [Infinity, 4]]))).toBe(-Infinity);
    expect(histogramQuantile(1.1, b([[0.1, 3], [Infinity, 4]]))).toBe(Infinity);
  });
});

describe('counterIncrease', () => {
  test('nothing to compare on the first scrape', () => expect(counterIncrease(null, 5)).toBeNull());
  test('the difference while the counter grows', () => expect(counterIncrease(5, 12)).toBe(7));
  test('a counter that went down was reset: all it counts now is new', () => expect(counterIncrease(500, 3)).toBe(3));
  test('a known restart resets even when the counter is now higher', () => expect(counterIncrease(5, 12, true)).toBe(12));
});

describe('bucketIncrease', () => {
  const before = b([[0.1, 2], [0.2, 6], [Infinity, 10]]);
  test('per-bucket differences', () => {
    expect(bucketIncrease(before, b([[0.1, 3], [0.2, 9], [Infinity, 14]]))).toEqual(b([[0.1, 1], [0.2, 3], [Infinity, 4]]));
  });
  test('one bucket going down resets the whole histogram', () => {
    // A per-bucket rule would keep 0.2 -> 7 as +1; the member restarted, so all 7 are new.
    expect(bucketIncrease(before, b([[0.1, 1], [0.2, 7], [Infinity, 11]]))).toEqual(b([[0.1, 1], [0.2, 7], [Infinity, 11]]));
  });
  test('a known restart resets even when every bucket is higher', () => {
    expect(bucketIncrease(before, b([[0.1, 4], [0.2, 8], [Infinity, 12]]), true)).toEqual(b([[0.1, 4], [0.2, 8], [Infinity, 12]]));
  });
  test('a changed bucket layout resets', () => {
    expect(bucketIncrease(before, b([[0.5, 4], [Infinity, 12]]))).toEqual(b([[0.5, 4], [Infinity, 12]]));
  });
  test('no previous scrape: no increase', () => expect(bucketIncrease(null, before)).toBeNull());
});

describe('WindowSum and WindowBuckets: running totals over a trailing window', () => {
  test('a sum adds what comes in and forgets what leaves', () => {
    const w = new WindowSum(10_000);
    w.add(1000, 3);
    w.add(5000, 4);
    expect(w.sum(5000)).toBe(7);
    expect(w.sum(11_000)).toBe(4); // the 1 s entry left at 11 s
    expect(w.sum(15_000)).toBe(0);
    expect(w.size).toBe(0);
  });
  test('bucket increases summed per bucket, forgotten as they leave, restarted by a new layout', () => {
    const w = new WindowBuckets(10_000);
    expect(w.sum(0)).toBeNull();
    w.add(1000, b([[1, 1], [Infinity, 2]]));
    w.add(2000, b([[1, 3], [Infinity, 3]]));
    expect(w.sum(2000)).toEqual(b([[1, 4], [Infinity, 5]]));
    expect(w.sum(11_500)).toEqual(b([[1, 3], [Infinity, 3]]));
    w.add(12_000, b([[0.5, 1], [Infinity, 1]]));
    expect(w.sum(12_000)).toEqual(b([[0.5, 1], [Infinity, 1]]));
    expect(w.sum(30_000)).toBeNull();
  });
  test('the running total equals a fresh sum after many scrapes', () => {
    const w = new WindowBuckets(30_000);
    const all: [number, Bucket[]][] = [];
    for (let t = 0; t < 600_000; t += 1000) {
      const inc = b([[0.001, t % 7], [0.01, (t % 7) + (t % 3)], [Infinity, (t % 7) + (t % 3) + 1]]);
      w.add(t, inc);
      all.push([t, inc]);
    }
    const now = 599_000;
    const fresh = all.filter(([t]) => t > now - 30_000).reduce((acc, [, inc]) => acc.map((x, i) => ({ le: x.le, count: x.count + inc[i].count })), b([[0.001, 0], [0.01, 0], [Infinity, 0]]));
    expect(w.sum(now)).toEqual(fresh);
  });
});

describe('TimeWindow', () => {
  test('drops entries as they leave the window, oldest first, and stays bounded', () => {
    const w = new TimeWindow<number>(30_000);
    for (let t = 0; t <= 100_000; t += 1000) w.add(t, t);
    expect(w.expire(100_000)).toEqual(Array.from({ length: 71 }, (_, i) => i * 1000));
    expect(w.size).toBe(30);
    for (let t = 101_000; t <= 10_000_000; t += 1000) {
      w.add(t, t);
      w.expire(t);
    }
    expect(w.size).toBe(30);
    // Internal arrays are compacted, not grown with every entry ever added.
    expect((w as unknown as { times: number[] }).times.length).toBeLessThan(200);
  });
});
