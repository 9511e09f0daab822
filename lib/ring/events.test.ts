import { describe, expect, test } from 'vitest';
import { deriveRing } from './derive';
import { diffRing } from './events';
import { downProbe, ids, listEntry, okProbe, poll } from './fixtures';
import type { RingState } from './types';

const ctx = { bootId: 'b1', pollIntervalMs: 1000 };
const L = ids.m1;
const healthy = (seq: number, leader = L) => poll(seq, [okProbe('m1', leader), okProbe('m2', leader), okProbe('m3', leader)]);
const kinds = (prev: RingState | null, next: RingState) => diffRing(prev, next).map((e) => e.kind);

describe('diffRing', () => {
  const s1 = deriveRing(healthy(1), null, ctx);

  test('the first state yields no events', () => {
    expect(diffRing(null, s1)).toEqual([]);
  });

  test('no change, no events', () => {
    expect(diffRing(s1, deriveRing(healthy(2), s1, ctx))).toEqual([]);
  });

  test('member-down and member-up', () => {
    const s2 = deriveRing(poll(2, [okProbe('m1', L), okProbe('m2', L), downProbe('m3')]), s1, ctx);
    const down = diffRing(s1, s2);
    expect(down).toHaveLength(1);
    expect(down[0]).toMatchObject({ kind: 'member-down', memberId: ids.m3, memberName: 'm3', severity: 'critical', id: 'b1-2-0', cluster: 'demo' });
    expect(down[0].message).toBe('Member m3 is down: connection refused');
    const s3 = deriveRing(healthy(3), s2, ctx);
    expect(kinds(s2, s3)).toEqual(['member-up']);
  });

  test('leader-changed carries from and to', () => {
    const s2 = deriveRing(poll(2, [downProbe('m1'), okProbe('m2', ids.m2, { raftTerm: 3 }), okProbe('m3', ids.m2, { raftTerm: 3 })]), s1, ctx);
    const ev = diffRing(s1, s2);
    expect(ev.map((e) => e.kind)).toEqual(['member-down', 'leader-changed']);
    expect(ev[1]).toMatchObject({ from: ids.m1, to: ids.m2 });
    expect(ev[1].message).toBe('Leader changed from m1 to m2 (term 3)');
  });

  test('quorum-lost then quorum-regained', () => {
    const s2 = deriveRing(poll(2, [okProbe('m1', '0'), downProbe('m2'), downProbe('m3')]), s1, ctx);
    expect(kinds(s1, s2)).toEqual(['member-down', 'member-down', 'leader-changed', 'quorum-lost']);
    const s3 = deriveRing(healthy(3), s2, ctx);
    expect(kinds(s2, s3)).toEqual(['member-up', 'member-up', 'leader-changed', 'quorum-regained']);
  });

  test('quorum regained after every member was unreachable', () => {
    const s2 = deriveRing(poll(2, [downProbe('m1'), downProbe('m2'), downProbe('m3')], { members: null, alarms: null }), s1, ctx);
    expect(kinds(s1, s2)).toContain('quorum-lost');
    expect(kinds(s2, deriveRing(healthy(3), s2, ctx))).toContain('quorum-regained');
  });

  test('member-added, member-promoted and member-removed', () => {
    const four = [listEntry('m1'), listEntry('m2'), listEntry('m3'), { id: 'abc', name: '', peerURLs: ['http://127.0.0.1:2480'], clientURLs: [], isLearner: true }];
    const s2 = deriveRing({ ...healthy(2), members: four }, s1, ctx);
    const added = diffRing(s1, s2);
    expect(added.map((e) => e.kind)).toEqual(['member-added']);
    expect(added[0].message).toBe('Member abc added as learner (http://127.0.0.1:2480)');
    const promoted = four.map((m) => (m.id === 'abc' ? { ...m, isLearner: false, name: 'm4', clientURLs: ['http://127.0.0.1:2479'] } : m));
    const s3 = deriveRing({ ...healthy(3), members: promoted }, s2, ctx);
    expect(kinds(s2, s3)).toContain('member-promoted');
    const s4 = deriveRing(healthy(4), s3, ctx);
    expect(diffRing(s3, s4).map((e) => [e.kind, e.memberName])).toEqual([['member-removed', 'm4']]);
  });

  test('membership changes are not invented when the member list could not be read', () => {
    const s2 = deriveRing({ ...healthy(2), members: null }, s1, ctx);
    expect(kinds(s1, s2)).toEqual([]);
  });

  test('alarm-raised and alarm-cleared, only when both polls read alarms', () => {
    const s2 = deriveRing({ ...healthy(2), alarms: [{ memberId: '0', alarm: 'CORRUPT' }] }, s1, ctx);
    const raised = diffRing(s1, s2);
    expect(raised.map((e) => [e.kind, e.alarm])).toEqual([['alarm-raised', 'CORRUPT']]);
    expect(raised[0].message).toBe('CORRUPT alarm raised on the cluster (member 0)');
    const s3 = deriveRing({ ...healthy(3), alarms: null }, s2, ctx);
    expect(kinds(s2, s3)).toEqual([]);
    const s4 = deriveRing(healthy(4), s3, ctx);
    expect(kinds(s3, s4)).toEqual([]); // s3 did not know its alarms
    const s5 = deriveRing(healthy(5), { ...s2, seq: 4 }, ctx);
    expect(kinds({ ...s2, seq: 4 }, s5)).toEqual(['alarm-cleared']);
  });
});

describe('a restore on the same endpoints', () => {
  const NEW = '7b1e5a3c9d2f4e60';
  const restored = { m1: 'a1b2c3d4e5f60718', m2: 'b2c3d4e5f6071829', m3: 'c3d4e5f60718293a' };
  const probe = (n: keyof typeof ids) => okProbe(n, restored.m2, { memberId: restored[n], clusterId: NEW });
  const list = (['m1', 'm2', 'm3'] as const).map((n) => listEntry(n, { id: restored[n] }));

  test('one cluster-id-changed event, instead of every member removed and added and a leader change between clusters', () => {
    const lost = deriveRing(poll(1, [okProbe('m1', '0'), downProbe('m2'), downProbe('m3')]), null, ctx);
    const next = deriveRing(poll(2, [probe('m1'), probe('m2'), probe('m3')], { members: list }), lost, ctx);
    const events = diffRing(lost, next);
    expect(events.map((e) => e.kind)).toEqual(['cluster-id-changed', 'quorum-regained']);
    expect(events[0]).toMatchObject({ severity: 'warning', message: 'The cluster ID changed from cdf818194e3a8c32 to 7b1e5a3c9d2f4e60: the endpoints now serve a new cluster (restored from a backup, or rebuilt) with 3 members (m1, m2, m3)' });
  });

  test('a member found answering as another cluster is said to be split, once', () => {
    const s1 = deriveRing(poll(1, [probe('m1'), probe('m2'), probe('m3')], { members: list }), null, ctx);
    const s2 = deriveRing(poll(2, [okProbe('m1', L), probe('m2'), probe('m3')], { members: list }), s1, ctx);
    const events = diffRing(s1, s2);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'member-down', memberName: 'm1', message: `Member m1 is split from the ring: it answers as member ${ids.m1} of cluster cdf818194e3a8c32` });
    expect(diffRing(s2, deriveRing(poll(3, [okProbe('m1', L), probe('m2'), probe('m3')], { members: list }), s2, ctx))).toEqual([]);
  });
});
