import { describe, expect, test } from 'vitest';
import { ids } from '../ring/fixtures';
import type { HashCheck } from '../ring/hashkv';
import { decideScheduledDefrag, defragDryRun, parseBytes, parseRule, type ScheduleInput } from './defrag-rules';
import { MB, MiB, ringWith, T0 } from './testdata/rings';

const GiB = 1024 ** 3;
const rules = (...texts: string[]) => texts.map(parseRule);
const errorOf = (text: string) => {
  try {
    parseRule(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`expected ${text} to be refused`);
};

/** m1 leads: 1 GB file, 300 MB in use. m2: 500 MB, 450 MB in use. m3: 2 GB of a scraped 2 GiB quota, 1.9 GB in use. */
const ring = ringWith({
  m1: { dbSize: 1000 * MB, dbSizeInUse: 300 * MB },
  m2: { dbSize: 500 * MB, dbSizeInUse: 450 * MB },
  m3: { dbSize: 2000 * MB, dbSizeInUse: 1900 * MB, quotaBytes: 2 * GiB },
});

describe('defrag rules: parsing', () => {
  test('comparisons of free, inUse, dbSize, dbSizeInUse and quotaUsed, joined by and', () => {
    expect(parseRule('free > 200MiB')).toEqual({ text: 'free > 200MiB', terms: [{ metric: 'free', op: '>', value: 200 * MiB, unit: 'bytes', amount: '200MiB' }] });
    expect(parseRule('  inUse<50%  AND dbSize >= 1.5GB ').terms).toEqual([
      { metric: 'inUse', op: '<', value: 50, unit: '%', amount: '50%' },
      { metric: 'dbSize', op: '>=', value: 1.5e9, unit: 'bytes', amount: '1.5GB' },
    ]);
    expect(parseRule('free > 30%').terms[0]).toMatchObject({ unit: '%', value: 30 });
    expect(parseRule('dbSizeInUse <= 4096').terms[0]).toMatchObject({ metric: 'dbSizeInUse', value: 4096, unit: 'bytes' });
    expect(parseRule('quotaused > 80%').terms[0].metric).toBe('quotaUsed');
    expect([parseBytes('1KiB'), parseBytes('2 kB'), parseBytes('7'), parseBytes('1TiB'), parseBytes('3XB'), parseBytes('-1MB')]).toEqual([1024, 2000, 7, 1024 ** 4, null, null]);
  });

  test('bad rules say what is wrong and what is expected', () => {
    expect(errorOf('')).toBe('is empty; expected e.g. "free > 200MiB", "inUse < 50%" or "dbSize > 1GiB and inUse < 60%"');
    expect(errorOf('free >> 3MB')).toBe('cannot read "free >> 3MB"; expected e.g. "free > 200MiB", "inUse < 50%" or "dbSize > 1GiB and inUse < 60%"');
    expect(errorOf('size > 1GB')).toBe('unknown figure "size"; a rule compares dbSize, dbSizeInUse, free, inUse, quotaUsed');
    expect(errorOf('inUse > 200MiB')).toBe('inUse is a share, compared in % (e.g. inUse < 50%)');
    expect(errorOf('quotaUsed > 2GB')).toBe('quotaUsed is a share, compared in % (e.g. quotaUsed > 80%)');
    expect(errorOf('dbSize > 50%')).toBe('dbSize is compared in bytes (e.g. dbSize > 1GiB); for its share of the quota write quotaUsed > 80%');
    expect(errorOf('dbSizeInUse > 50%')).toBe('dbSizeInUse is compared in bytes (e.g. dbSizeInUse > 1GiB); for its share of dbSize write inUse < 50%');
    expect(errorOf('free > 10XB')).toBe('unknown unit "XB" in "free > 10XB"; use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB');
    expect(errorOf('inUse < 150%')).toBe('inUse < 150%: a share is at most 100%');
    expect(errorOf('free > 1MB and')).toMatch(/^cannot read "free > 1MB and"/);
  });
});

describe('defrag rules: the dry run lists exactly the members each rule selects', () => {
  test('on a healthy ring: per rule its members and why; the order followers first, the leader last', () => {
    const run = defragDryRun(ring, rules('free > 200MiB', 'inUse < 50%', 'quotaUsed > 90%', 'dbSize > 10GB'));
    expect(run.rules).toEqual([
      { rule: 'free > 200MiB', members: [{ id: ids.m1, name: 'm1', why: 'free 700 MB > 200MiB' }] },
      { rule: 'inUse < 50%', members: [{ id: ids.m1, name: 'm1', why: 'inUse 30% < 50%' }] },
      { rule: 'quotaUsed > 90%', members: [{ id: ids.m3, name: 'm3', why: 'quotaUsed 93.1% > 90%' }] },
      { rule: 'dbSize > 10GB', members: [] },
    ]);
    expect(run.members.map((m) => [m.name, m.selected])).toEqual([['m1', true], ['m2', false], ['m3', true]]);
    expect(run.members[1].reason).toBe(
      'no rule holds: free 50 MB not > 200MiB; inUse 90% not < 50%; quotaUsed 23.3% of the assumed 2 GiB default quota not > 90%; dbSize 500 MB not > 10GB',
    );
    expect(run.order).toEqual([{ id: ids.m3, name: 'm3', isLeader: false }, { id: ids.m1, name: 'm1', isLeader: true }]);
    expect(run.refusal).toBeNull();
    expect(run.checks.every((c) => c.ok)).toBe(true);
    expect(run.gain).toBe(700 * MB + 100 * MB);
  });

  test('a rule of several comparisons selects only members where all hold', () => {
    const run = defragDryRun(ring, rules('free > 40MB and inUse > 85%'));
    expect(run.rules[0].members).toEqual([
      { id: ids.m2, name: 'm2', why: 'free 50 MB > 40MB, inUse 90% > 85%' },
      { id: ids.m3, name: 'm3', why: 'free 100 MB > 40MB, inUse 95% > 85%' },
    ]);
  });

  test('a member down: not selected (it does not answer), and the rolling defragment would be refused', () => {
    const degraded = ringWith({ m1: { dbSize: 1000 * MB, dbSizeInUse: 300 * MB }, m2: { dbSize: 0, dbSizeInUse: 0, down: true }, m3: { dbSize: 900 * MB, dbSizeInUse: 100 * MB } });
    const run = defragDryRun(degraded, rules('free > 200MiB'));
    expect(run.rules[0].members.map((m) => m.name)).toEqual(['m1', 'm3']);
    expect(run.members[1]).toMatchObject({ selected: false, figures: null, reason: 'it does not answer' });
    expect(run.refusal).toBe('The ring can lose no member: defragmenting a voter would stall every write for its duration. Bring failed members back first.');
  });

  test('no rules: nothing is selected, and says so', () => {
    const run = defragDryRun(ring, []);
    expect(run.order).toEqual([]);
    expect(run.members.every((m) => m.reason === 'no rules are configured')).toBe(true);
  });
});

describe('defrag rules: the scheduled decision', () => {
  const input = (extra: Partial<ScheduleInput> = {}): ScheduleInput => ({
    ring,
    rules: rules('free > 200MiB', 'quotaUsed > 90%'),
    everyMs: 6 * 3_600_000,
    lastRunAt: null,
    now: T0 + 500,
    busy: false,
    ...extra,
  });

  test('due, healthy, fresh, idle: the selected members, followers first and the leader last', () => {
    const d = decideScheduledDefrag(input({ lastRunAt: T0 - 7 * 3_600_000 }));
    expect(d.action).toBe('run');
    if (d.action !== 'run') return;
    expect(d.memberIds).toEqual([ids.m3, ids.m1]);
    expect(d.reason).toBe('m3: quotaUsed 93.1% > 90% | m1: free 700 MB > 200MiB');
  });

  test('otherwise a wait or a skip, with the reason in words', () => {
    expect(decideScheduledDefrag(input({ lastRunAt: T0 - 3_600_000 }))).toEqual({ action: 'wait', until: T0 + 5 * 3_600_000, reason: 'not due yet' });
    expect(decideScheduledDefrag(input({ busy: true }))).toEqual({ action: 'skip', reason: 'another operation is running on this cluster', plan: null });
    expect(decideScheduledDefrag(input({ now: T0 + 60_000 }))).toMatchObject({ action: 'skip', reason: "the ring's state is 60 s old: Ringside cannot see the ring right now" });
    const alarmed = ringWith({ m1: { dbSize: 1000 * MB, dbSizeInUse: 300 * MB } }, { alarms: [{ memberId: ids.m1, alarm: 'NOSPACE' }] });
    expect(decideScheduledDefrag(input({ ring: alarmed }))).toMatchObject({ action: 'skip', reason: expect.stringMatching(/^the ring is not healthy \(.*\); scheduled defragmentation runs only on a healthy ring$/) });
    const degraded = ringWith({ m2: { dbSize: 0, dbSizeInUse: 0, down: true } });
    expect(decideScheduledDefrag(input({ ring: degraded })).action).toBe('skip');
    const split = { consistent: false, summary: 'MISMATCH at revision 40: m3 differs from m1, m2' } as HashCheck;
    expect(decideScheduledDefrag(input({ hash: split }))).toMatchObject({ action: 'skip', reason: 'HashKV disagrees (MISMATCH at revision 40: m3 differs from m1, m2): resolve that first' });
    expect(decideScheduledDefrag(input({ rules: [] }))).toMatchObject({ action: 'skip', reason: 'no defragment rules are configured' });
    const none = decideScheduledDefrag(input({ rules: rules('free > 10GiB') }));
    expect(none).toMatchObject({ action: 'skip', reason: 'no member matches a rule' });
    expect(none.action === 'skip' && none.plan?.members.every((m) => !m.selected)).toBe(true);
  });
});
