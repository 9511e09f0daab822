import { describe, expect, test } from 'vitest';
import { deriveRing } from './derive';
import { downProbe, ids, listEntry, okProbe, poll } from './fixtures';
import { judgeHashes, pickHashRevision, suspectsFromLogs, suspectsOf, type HashReply } from './hashkv';
import type { RingState } from './types';

const ctx = { bootId: 'b', pollIntervalMs: 1000 };
const L = ids.m1;
const at = new Date('2026-11-22T03:00:00Z');
const ok = (hash: number, compactRevision = 1): HashReply => ({ ok: true, hash, compactRevision });
const healthy3 = () => deriveRing(poll(1, [okProbe('m1', L, { revision: 50 }), okProbe('m2', L, { revision: 48 }), okProbe('m3', L, { revision: 49 })]), null, ctx);

/** A 5-member ring for the 3-2 split: reuses m1-m3 and adds two more IDs. */
function ring5(): RingState {
  const base = healthy3();
  const extra = ['a4', 'a5'].map((id, i) => ({ ...base.members[1], id, name: `m${i + 4}`, isLeader: false }));
  return { ...base, members: [...base.members, ...extra] };
}

const verdicts = (c: ReturnType<typeof judgeHashes>) => Object.fromEntries(c.members.map((m) => [m.name, m.skip ?? m.verdict]));

describe('HashKV verdicts', () => {
  test('the common revision is the lowest among reachable voters', () => {
    expect(pickHashRevision(healthy3())).toBe(48);
  });

  test('all agree', () => {
    const c = judgeHashes(healthy3(), 48, new Map([[ids.m1, ok(7)], [ids.m2, ok(7)], [ids.m3, ok(7)]]), at);
    expect(c.consistent).toBe(true);
    expect(verdicts(c)).toEqual({ m1: 'agree', m2: 'agree', m3: 'agree' });
    expect(c.summary).toBe('3 members agree at revision 48');
    expect(c.checkedAt).toBe('2026-11-22T03:00:00.000Z');
  });

  test('a 2-1 split: the minority is MISMATCH, and the leader is on the majority side', () => {
    const c = judgeHashes(healthy3(), 48, new Map([[ids.m1, ok(7)], [ids.m2, ok(7)], [ids.m3, ok(9)]]), at);
    expect(c.consistent).toBe(false);
    expect(verdicts(c)).toEqual({ m1: 'agree', m2: 'agree', m3: 'mismatch' });
    expect(c.leaderSide).toBe('majority');
    expect(c.summary).toBe('MISMATCH at revision 48: m3 differs from m1, m2');
    expect(suspectsOf(c).map((m) => m.name)).toEqual(['m3']);
  });

  test('a 2-1 split with the leader in the minority says so', () => {
    const c = judgeHashes(healthy3(), 48, new Map([[ids.m1, ok(1)], [ids.m2, ok(7)], [ids.m3, ok(7)]]), at);
    expect(c.leaderSide).toBe('minority');
    expect(verdicts(c).m1).toBe('mismatch');
  });

  test('a 3-2 split in a 5-member ring', () => {
    const r = ring5();
    const c = judgeHashes(r, 48, new Map([[ids.m1, ok(7)], [ids.m2, ok(7)], [ids.m3, ok(7)], ['a4', ok(3)], ['a5', ok(3)]]), at);
    expect(c.consistent).toBe(false);
    expect(verdicts(c)).toEqual({ m1: 'agree', m2: 'agree', m3: 'agree', m4: 'mismatch', m5: 'mismatch' });
    expect(suspectsOf(c).map((m) => m.name)).toEqual(['m4', 'm5']);
  });

  test('a 1-1 split with the third member down has no majority: both MISMATCH, nobody is suspected', () => {
    const r = deriveRing(poll(1, [okProbe('m1', L, { revision: 50 }), okProbe('m2', L, { revision: 50 }), downProbe('m3')]), null, ctx);
    const c = judgeHashes(r, 50, new Map([[ids.m1, ok(1)], [ids.m2, ok(2)]]), at);
    expect(c.consistent).toBe(false);
    expect(verdicts(c)).toEqual({ m1: 'mismatch', m2: 'mismatch', m3: 'unreachable' });
    expect(c.leaderSide).toBe('undecided');
    expect(suspectsOf(c)).toEqual([]);
  });

  test.each([
    ['unreachable', { ok: false, kind: 'unavailable', error: 'connection refused' }, 'unreachable'],
    ['compacted', { ok: false, kind: 'compacted', error: 'required revision has been compacted' }, 'compacted'],
    ['future revision', { ok: false, kind: 'future', error: 'required revision is a future revision' }, 'future-revision'],
    ['another error', { ok: false, kind: 'error', error: 'boom' }, 'error'],
  ] as const)('%s is a skip with its reason, and two agreeing peers still pass', (_w, reply, skip) => {
    const c = judgeHashes(healthy3(), 48, new Map<string, HashReply>([[ids.m1, ok(7)], [ids.m2, ok(7)], [ids.m3, reply]]), at);
    expect(verdicts(c)).toEqual({ m1: 'agree', m2: 'agree', m3: skip });
    expect(c.members[2].verdict).toBe('skipped');
    expect(c.members[2].reason).toBeTruthy();
    expect(c.consistent).toBe(true);
  });

  test('a learner is skipped, not compared', () => {
    const members = [listEntry('m1'), listEntry('m2'), listEntry('m3', { isLearner: true })];
    const r = deriveRing(poll(1, [okProbe('m1', L), okProbe('m2', L), okProbe('m3', L, { isLearner: true })], { members }), null, ctx);
    const c = judgeHashes(r, 42, new Map([[ids.m1, ok(7)], [ids.m2, ok(7)], [ids.m3, ok(99)]]), at);
    expect(verdicts(c)).toEqual({ m1: 'agree', m2: 'agree', m3: 'learner' });
    expect(c.consistent).toBe(true);
  });

  test('a member with a different compact revision is skipped, never judged', () => {
    const c = judgeHashes(healthy3(), 48, new Map([[ids.m1, ok(7, 10)], [ids.m2, ok(7, 10)], [ids.m3, ok(9, 20)]]), at);
    expect(verdicts(c)).toEqual({ m1: 'agree', m2: 'agree', m3: 'compact-revision-differs' });
    expect(c.consistent).toBe(true);
  });

  test('one hashed member cannot be judged: consistent is null, not true', () => {
    const r = deriveRing(poll(1, [okProbe('m1', L), downProbe('m2'), downProbe('m3')]), null, ctx);
    const c = judgeHashes(r, 42, new Map([[ids.m1, ok(7)]]), at);
    expect(c.consistent).toBeNull();
    expect(verdicts(c)).toEqual({ m1: 'nothing-to-compare', m2: 'unreachable', m3: 'unreachable' });
    expect(c.summary).toBe('could not compare: only one member hashed at revision 42');
  });
});

test("the leader's follower-peer-id names a suspect, by name when known", () => {
  const lines = [
    { category: 'corruption', fields: { 'follower-peer-id': ids.m3, 'leader-compact-revision': -1 } },
    { category: 'corruption', fields: { 'remote-peer-id': '0' } },
    { category: 'other', fields: { 'follower-peer-id': ids.m2 } },
    { category: 'corruption', fields: { 'follower-peer-id': 'ffff' } },
  ];
  expect(suspectsFromLogs(lines, healthy3())).toEqual(['ffff', 'm3']);
});

test("3.6's compaction hash check names the minority in peer-ids only when a quorum agrees (shape of corrupt.go at v3.6.14)", () => {
  const lines = [
    { category: 'corruption', fields: { 'peer-ids': `${ids.m2},${ids.m3}`, 'quorum-exist': false } },
    { category: 'corruption', fields: { 'peer-ids': ids.m3, 'quorum-exist': true } },
  ];
  expect(suspectsFromLogs(lines, healthy3())).toEqual(['m3']);
});
