import { describe, expect, test } from 'vitest';
import { sampleOf } from '../model/series';
import { RingHistory } from '../history/store';
import { ids } from '../ring/fixtures';
import { capacityOf, DEFAULT_QUOTA_BYTES } from './quota';
import { MB, ringWith, T0, type Figures, type Name } from './testdata/rings';

const MIN = 60_000;
const HOUR = 3_600_000;

/** A history of `minutes` of polls every 10 s, each member's figures a function of the minutes elapsed. */
function history(minutes: number, figures: (t: number) => Partial<Record<Name, Figures>>): { h: RingHistory; now: number; last: ReturnType<typeof ringWith> } {
  const h = new RingHistory({ intervalMs: 10_000 });
  let last = ringWith(figures(0));
  for (let at = T0; at <= T0 + minutes * MIN; at += 10_000) {
    last = ringWith(figures((at - T0) / MIN), { at });
    h.record(sampleOf(last));
  }
  return { h, now: T0 + minutes * MIN, last };
}

describe('quota and growth', () => {
  test('steady growth: rate, NOSPACE date, the quota from /metrics or the 2 GiB default said so, defragment gain', () => {
    // 1 MB a minute on every member, 20 MB free inside each file; m1's quota is scraped (500 MB).
    const { h, now, last } = history(60, (t) => ({
      m1: { dbSize: 100 * MB + t * MB, dbSizeInUse: 80 * MB + t * MB, quotaBytes: 500 * MB },
      m2: { dbSize: 100 * MB + t * MB, dbSizeInUse: 80 * MB + t * MB },
      m3: { dbSize: 100 * MB + t * MB, dbSizeInUse: 80 * MB + t * MB },
    }));
    const c = capacityOf(last, h, now);
    const m1 = c.members.find((m) => m.id === ids.m1)!;
    expect(m1).toMatchObject({ dbSize: 160 * MB, dbSizeInUse: 140 * MB, defragGain: 20 * MB, quotaBytes: 500 * MB, quotaSource: 'metrics', quotaUsedPct: 32, alarm: false });
    // Least squares over one-minute means: the partial last minute moves it by less than 0.1%.
    expect(m1.growth!.bytesPerHour / MB).toBeCloseTo(60, 0);
    // The file reaches the quota first: 340 MB at 60 MB/h (in use has 360 MB to go).
    const hoursLeft = (Date.parse(m1.nospaceAt!) - now) / HOUR;
    expect(m1.growth!.basis).toBe('dbSize');
    expect(hoursLeft).toBeCloseTo((500 - 160) / 60, 1);
    expect(m1.note).toBe('At 60 MB/h (dbSize over the last 4 h), m1 reaches its 500 MB quota in 6 h.');

    const m2 = c.members.find((m) => m.id === ids.m2)!;
    expect(m2).toMatchObject({ quotaBytes: DEFAULT_QUOTA_BYTES, quotaSource: 'default' });
    expect((Date.parse(m2.nospaceAt!) - now) / HOUR).toBeCloseTo((DEFAULT_QUOTA_BYTES - 160 * MB) / (60 * MB), 1);
    expect(m2.note).toMatch(/reaches the 2\.1 GB default quota \(its \/metrics are not scraped, so the real --quota-backend-bytes is unknown\) in 33 h\.$/);
    expect(c.soonest).toEqual({ id: ids.m1, name: 'm1', nospaceAt: m1.nospaceAt });
  });

  test('free pages being used up: the bytes in use reach the quota before the file has to grow', () => {
    // The file stays at 1.9 GB while in use climbs 100 MB an hour from 1 GB.
    const { h, now, last } = history(120, (t) => ({ m1: { dbSize: 1900 * MB, dbSizeInUse: 1000 * MB + (t / 60) * 100 * MB } }));
    const m1 = capacityOf(last, h, now).members.find((m) => m.id === ids.m1)!;
    expect(m1.growth!.basis).toBe('dbSizeInUse');
    expect(m1.growth!.bytesPerHour / MB).toBeCloseTo(100, 0);
    expect((Date.parse(m1.nospaceAt!) - now) / HOUR).toBeCloseTo((DEFAULT_QUOTA_BYTES - 1200 * MB) / (100 * MB), 1);
  });

  test('no forecast: flat, shrinking, too little history, no history, a member down, NOSPACE active', () => {
    const flat = history(30, () => ({ m1: { dbSize: 100 * MB, dbSizeInUse: 90 * MB } }));
    const m1 = capacityOf(flat.last, flat.h, flat.now).members[0];
    expect(m1).toMatchObject({ nospaceAt: null, note: 'Not growing over the last 4 h: no NOSPACE forecast against the 2.1 GB default quota (its /metrics are not scraped, so the real --quota-backend-bytes is unknown).' });
    expect(m1.growth!.bytesPerHour).toBeCloseTo(0, 6);

    const shrinking = history(30, (t) => ({ m1: { dbSize: 500 * MB - t * MB, dbSizeInUse: 400 * MB - t * MB } }));
    expect(capacityOf(shrinking.last, shrinking.h, shrinking.now).members[0].nospaceAt).toBeNull();

    const young = history(5, (t) => ({ m1: { dbSize: 100 * MB + t * MB, dbSizeInUse: 90 * MB } }));
    expect(capacityOf(young.last, young.h, young.now).members[0].note).toBe('Not enough history for a trend yet (10 minutes of polls are needed).');
    expect(capacityOf(young.last, null, young.now).members[0]).toMatchObject({ growth: null, nospaceAt: null });

    const down = ringWith({ m3: { dbSize: 0, dbSizeInUse: 0, down: true } });
    expect(capacityOf(down, null, T0).members[2]).toMatchObject({ reachable: false, dbSize: null, defragGain: null, note: 'No db size: the member does not answer.' });

    const full = ringWith({ m2: { dbSize: 4 * MB, dbSizeInUse: 4 * MB, quotaBytes: 4 * MB } }, { alarms: [{ memberId: ids.m2, alarm: 'NOSPACE' }] });
    expect(capacityOf(full, null, T0).members[1]).toMatchObject({ alarm: true, quotaUsedPct: 100, nospaceAt: null, note: 'NOSPACE is active: etcd takes no writes until space is freed and the alarm is disarmed.' });
  });
});
