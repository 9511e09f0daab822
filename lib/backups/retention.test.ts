import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { planRetention, type RetainedBackup, type RetentionPolicy } from './retention';

interface B extends RetainedBackup {
  name: string;
}

const NOW = new Date('2026-03-10T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function b(name: string, takenAt: string, state: 'ok' | 'failed' | 'passed' = 'ok'): B {
  const drill = state === 'ok' ? null : { at: takenAt, result: state, reason: '', durationMs: 1 };
  return { name, takenAt, verified: state !== 'failed', drill };
}

const names = (xs: { backup: B }[]) => xs.map((x) => x.backup.name);

describe('retention: exact cases', () => {
  test('keep: the newest N verified stay, the rest go (today`s `keep`)', () => {
    const list = ['a', 'b', 'c', 'd', 'e'].map((n, i) => b(n, new Date(NOW.getTime() - i * HOUR).toISOString()));
    const plan = planRetention(list, { keep: 3, generations: null }, NOW);
    expect(names(plan.keep)).toEqual(['a', 'b', 'c']);
    expect(names(plan.delete)).toEqual(['d', 'e']);
    expect(plan.delete[0].reason).toBe('older than the newest verified backup and outside the retention policy');
  });

  test('newer backups whose drill failed never cost the newest verified one, and do not count towards keep', () => {
    const list = [b('new-bad', '2026-03-10T11:30:00Z', 'failed'), b('bad', '2026-03-10T11:00:00Z', 'failed'), b('good', '2026-03-10T10:30:00Z'), b('older', '2026-03-10T10:00:00Z'), b('oldest-bad', '2026-03-10T09:00:00Z', 'failed')];
    const plan = planRetention(list, { keep: 1, generations: null }, NOW);
    expect(names(plan.keep)).toEqual(['new-bad', 'bad', 'good']);
    expect(plan.keep.map((k) => k.reason)).toEqual(['not older than the newest verified backup', 'not older than the newest verified backup', 'the newest verified backup']);
    expect(names(plan.delete)).toEqual(['older', 'oldest-bad']);
    expect(plan.delete[1].reason).toBe('its last drill failed, and a newer backup is verified');
  });

  test('nothing is deleted while no backup is verified', () => {
    const list = [b('x', '2026-03-10T11:00:00Z', 'failed'), b('y', '2026-01-01T00:00:00Z', 'failed')];
    const plan = planRetention(list, { keep: 1, generations: { allMs: 0, hourlyMs: 0, dailyMs: 0 } }, NOW);
    expect(plan.delete).toEqual([]);
    expect(plan.keep[0].reason).toBe('no verified backup yet: nothing is deleted');
  });

  const gens: RetentionPolicy = { keep: null, generations: { allMs: HOUR, hourlyMs: 6 * HOUR, dailyMs: 3 * DAY } };
  const day = () => [
    b('A', '2026-03-10T11:50:00Z'), // within all
    b('B', '2026-03-10T11:20:00Z'), // within all
    b('C', '2026-03-10T09:50:00Z'), // hour 09: the newest
    b('D', '2026-03-10T09:20:00Z'), // hour 09: second
    b('E', '2026-03-10T03:10:00Z'), // beyond hourly; day 03-10 is held by A
    b('F', '2026-03-09T23:00:00Z'), // day 03-09: the newest
    b('G', '2026-03-09T08:00:00Z'), // day 03-09: second
    b('H', '2026-03-06T12:00:00Z'), // beyond daily
  ];

  test('generations: every backup within all, one per hour within hourly, one per day within daily', () => {
    const plan = planRetention(day(), gens, NOW);
    expect(names(plan.keep)).toEqual(['A', 'B', 'C', 'F']);
    expect(plan.keep.map((k) => k.reason)).toEqual([
      'the newest verified backup',
      'taken within the last 1 h',
      'the one kept for its hour (within 6 h)',
      'the one kept for its day (within 3 d)',
    ]);
    expect(names(plan.delete)).toEqual(['D', 'E', 'G', 'H']);
  });

  test('an hour or a day is held by a backup whose drill passed, never by one whose drill failed', () => {
    const list = day();
    list[3] = b('D', '2026-03-10T09:20:00Z', 'passed');
    list[5] = b('F', '2026-03-09T23:00:00Z', 'failed');
    const plan = planRetention(list, gens, NOW);
    expect(names(plan.keep)).toEqual(['A', 'B', 'D', 'G']);
    expect(names(plan.delete)).toEqual(['C', 'E', 'F', 'H']);
  });

  test('keep and generations together keep the union', () => {
    const plan = planRetention(day(), { ...gens, keep: 5 }, NOW);
    expect(names(plan.keep)).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    expect(names(plan.delete)).toEqual(['G', 'H']);
  });

  test('the listing order does not matter', () => {
    const plan = planRetention([...day()].reverse(), gens, NOW);
    expect(names(plan.keep)).toEqual(['A', 'B', 'C', 'F']);
  });
});

// ---------------------------------------------------------------- properties

const backupArb = fc.record({
  // Half of them in the last 12 hours, so one hour often holds several backups.
  ageMs: fc.oneof(fc.integer({ min: -HOUR, max: 120 * DAY }), fc.integer({ min: 0, max: 12 * HOUR })),
  state: fc.constantFrom('ok' as const, 'ok' as const, 'failed' as const, 'passed' as const),
});
const listArb = fc.array(backupArb, { maxLength: 60, size: 'medium' }).map((xs) => xs.map((x, i) => b(`b${i}`, new Date(NOW.getTime() - x.ageMs).toISOString(), x.state)));
const windowArb = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100 * DAY }), fc.integer({ min: 1, max: 3 * DAY }));
const policyArb: fc.Arbitrary<RetentionPolicy> = fc.record({
  keep: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 8 })),
  generations: fc.oneof(fc.constant(null), fc.record({ allMs: windowArb, hourlyMs: windowArb, dailyMs: windowArb })),
});

const t = (x: B) => Date.parse(x.takenAt);
const age = (x: B) => Math.max(0, NOW.getTime() - t(x));
const newestVerifiedAt = (xs: B[]) => Math.max(...xs.filter((x) => x.verified).map(t));

describe('retention: properties', () => {
  test('every backup is either kept or deleted, once', () => {
    fc.assert(
      fc.property(listArb, policyArb, (list, policy) => {
        const plan = planRetention(list, policy, NOW);
        const all = [...names(plan.keep), ...names(plan.delete)].sort();
        expect(all).toEqual(list.map((x) => x.name).sort());
      }),
    );
  });

  test('only backups older than the newest verified one are deleted, and none without a verified one', () => {
    fc.assert(
      fc.property(listArb, policyArb, (list, policy) => {
        const plan = planRetention(list, policy, NOW);
        if (!list.some((x) => x.verified)) expect(plan.delete).toEqual([]);
        for (const d of plan.delete) expect(t(d.backup)).toBeLessThan(newestVerifiedAt(list));
      }),
    );
  });

  test('the newest `keep` verified backups are kept', () => {
    fc.assert(
      fc.property(listArb, policyArb, (list, policy) => {
        fc.pre(policy.keep !== null);
        const kept = new Set(names(planRetention(list, policy, NOW).keep));
        // A stable sort: backups taken at the same time count in listing order, as planRetention counts them.
        const newest = list.filter((x) => x.verified).sort((a, c) => t(c) - t(a)).slice(0, policy.keep!);
        for (const x of newest) expect(kept.has(x.name)).toBe(true);
      }),
    );
  });

  test('generations: everything within all stays; each hour and day within its window keeps a verified backup', () => {
    fc.assert(
      fc.property(listArb, policyArb, (list, policy) => {
        fc.pre(policy.generations !== null);
        const g = policy.generations!;
        const kept = planRetention(list, policy, NOW).keep.map((k) => k.backup);
        for (const x of list) if (age(x) < g.allMs) expect(kept).toContain(x);
        for (const [size, window] of [[HOUR, g.hourlyMs], [DAY, g.dailyMs]] as const) {
          const buckets = new Set(list.filter((x) => x.verified && age(x) < window).map((x) => Math.floor(t(x) / size)));
          for (const bucket of buckets) {
            expect(kept.some((x) => x.verified && age(x) < window && Math.floor(t(x) / size) === bucket)).toBe(true);
          }
        }
      }),
    );
  });

  test('a backup whose drill passed holds its hour over a newer unproven one', () => {
    fc.assert(
      fc.property(listArb, policyArb, (list, policy) => {
        fc.pre(policy.generations !== null && policy.generations.hourlyMs > 0);
        const g = policy.generations!;
        const kept = planRetention(list, policy, NOW).keep.map((k) => k.backup);
        const proven = list.filter((x) => x.drill?.result === 'passed' && age(x) < g.hourlyMs);
        for (const p of proven) {
          const bucket = Math.floor(t(p) / HOUR);
          expect(kept.some((x) => x.drill?.result === 'passed' && Math.floor(t(x) / HOUR) === bucket)).toBe(true);
        }
      }),
    );
  });

  test('stable: planning again over what was kept deletes nothing', () => {
    fc.assert(
      fc.property(listArb, policyArb, (list, policy) => {
        const kept = planRetention(list, policy, NOW).keep.map((k) => k.backup);
        expect(planRetention(kept, policy, NOW).delete).toEqual([]);
      }),
    );
  });
});
