import { describe, expect, test } from 'vitest';
import { deriveRing, isAlarmError, quorumNeeded } from './derive';
import { downProbe, ids, listEntry, okProbe, poll } from './fixtures';

const ctx = { bootId: 'b1', pollIntervalMs: 1000 };
const L = ids.m1;

describe('deriveRing', () => {
  test('a healthy 3-member ring names its leader and can lose 1', () => {
    const s = deriveRing(poll(1, [okProbe('m1', L), okProbe('m2', L), okProbe('m3', L)]), null, ctx);
    expect(s.leader).toBe(L);
    expect(s.members.map((m) => [m.name, m.isLeader, m.reachable])).toEqual([
      ['m1', true, true],
      ['m2', false, true],
      ['m3', false, true],
    ]);
    expect(s.quorum).toEqual({ voters: 3, healthy: 3, needed: 2, canLose: 1, hasQuorum: true });
    expect(s.health).toBe('healthy');
    expect(s.summary).toBe('all 3 members healthy; can lose 1 more member');
    expect(s.warnings.map((w) => w.kind)).toEqual(['version-advisory', 'version-advisory']); // fixtures run 3.4.23: below Kubernetes' minimum, and out of support
  });

  test('one follower down: degraded, no fault margin left', () => {
    const s = deriveRing(poll(1, [okProbe('m1', L), okProbe('m2', L), downProbe('m3')]), null, ctx);
    const m3 = s.members.find((m) => m.name === 'm3')!;
    expect(m3.reachable).toBe(false);
    expect(m3.error).toBe('connection refused');
    expect(m3.revision).toBeNull();
    expect(s.quorum).toMatchObject({ healthy: 2, canLose: 0, hasQuorum: true });
    expect(s.health).toBe('degraded');
    expect(s.summary).toContain('1 member down; can lose 0 more members');
  });

  test('two of three down is NO QUORUM even while the survivor still names the old leader', () => {
    const s = deriveRing(poll(1, [okProbe('m1', ids.m2), downProbe('m2'), downProbe('m3')]), null, ctx);
    expect(s.quorum).toEqual({ voters: 3, healthy: 1, needed: 2, canLose: 0, hasQuorum: false });
    expect(s.health).toBe('no-quorum');
    expect(s.summary).toMatch(/^NO QUORUM/);
  });

  test('the leader comes from the member with the highest term', () => {
    const s = deriveRing(
      poll(1, [okProbe('m1', ids.m1, { raftTerm: 3 }), okProbe('m2', ids.m2, { raftTerm: 4 }), okProbe('m3', ids.m2, { raftTerm: 4 })]),
      null,
      ctx,
    );
    expect(s.leader).toBe(ids.m2);
    expect(s.raftTerm).toBe(4);
    expect(s.warnings.map((w) => w.kind)).toContain('leader-disagreement');
    // m1 follows a stale leader, so it does not count toward quorum.
    expect(s.quorum.healthy).toBe(2);
  });

  test('a member that sees no leader is warned about and not counted healthy', () => {
    const s = deriveRing(poll(1, [okProbe('m1', '0'), okProbe('m2', L), okProbe('m3', L)]), null, ctx);
    expect(s.warnings.find((w) => w.kind === 'no-leader')?.message).toBe('m1 sees no leader');
    expect(s.quorum.healthy).toBe(2);
  });

  test('learners do not count as voters', () => {
    const members = [listEntry('m1'), listEntry('m2'), listEntry('m3', { isLearner: true })];
    const s = deriveRing(poll(1, [okProbe('m1', L), okProbe('m2', L), okProbe('m3', L, { isLearner: true })], { members }), null, ctx);
    expect(s.quorum).toMatchObject({ voters: 2, needed: 2, healthy: 2, canLose: 0 });
  });

  test('an added but unstarted voter counts toward quorum and is flagged', () => {
    const members = [listEntry('m1'), listEntry('m2'), listEntry('m3', { name: '', clientURLs: [] })];
    const s = deriveRing(poll(1, [okProbe('m1', L), okProbe('m2', L)], { members }), null, ctx);
    const m3 = s.members.find((m) => m.id === ids.m3)!;
    expect(m3.started).toBe(false);
    expect(m3.error).toMatch(/not started/);
    expect(s.quorum).toMatchObject({ voters: 3, healthy: 2, canLose: 0 });
    expect(s.warnings.find((w) => w.kind === 'unstarted-member')?.message).toMatch(/already counts toward quorum/);
  });

  test('when nobody answers, membership and alarms are kept from the previous state', () => {
    const first = deriveRing(poll(1, [okProbe('m1', L), okProbe('m2', L), okProbe('m3', L)], { alarms: [{ memberId: '0', alarm: 'CORRUPT' }] }), null, ctx);
    const s = deriveRing(poll(2, [downProbe('m1'), downProbe('m2'), downProbe('m3')], { members: null, alarms: null }), first, ctx);
    expect(s.members).toHaveLength(3);
    expect(s.membersKnown).toBe(false);
    expect(s.alarms).toEqual([{ memberId: '0', alarm: 'CORRUPT', since: first.at }]);
    expect(s.alarmsKnown).toBe(false);
    expect(s.health).toBe('unknown');
    expect(s.members[0].lastSeen).toBe(first.at);
  });

  test('an active alarm makes the ring health "alarm" with the margin kept', () => {
    const s = deriveRing(
      poll(1, [okProbe('m1', L, { errors: ['alarm:CORRUPT'] }), okProbe('m2', L), okProbe('m3', L)], { alarms: [{ memberId: '0', alarm: 'CORRUPT' }] }),
      null,
      ctx,
    );
    expect(s.health).toBe('alarm');
    expect(s.summary).toBe('CORRUPT alarm active; can lose 1 more member');
    expect(s.warnings.map((w) => w.kind)).not.toContain('member-errors'); // shown as the alarm instead
    expect(s.quorum.healthy).toBe(3);
  });

  test('NOSPACE as etcd 3.4 really reports it (with the member ID) keeps the quorum and the margin', () => {
    const nospace = 'memberID:14424102421286437872 alarm:NOSPACE ';
    const s = deriveRing(
      poll(1, [okProbe('m1', L, { errors: [nospace] }), okProbe('m2', L, { errors: [nospace] }), okProbe('m3', L, { errors: [nospace] })], { alarms: [{ memberId: 'c82c5f6d3d7d8ef0', alarm: 'NOSPACE' }] }),
      null,
      ctx,
    );
    expect(s.quorum).toMatchObject({ healthy: 3, hasQuorum: true, canLose: 1 });
    expect(s.warnings.map((w) => w.kind)).not.toContain('member-errors');
    expect(isAlarmError('alarm:CORRUPT ')).toBe(true);
    expect(isAlarmError('etcdserver: something else')).toBe(false);
  });

  test('quorum sizes', () => {
    expect([1, 2, 3, 4, 5, 7].map(quorumNeeded)).toEqual([1, 2, 2, 3, 3, 4]);
  });
});

test('a configured endpoint that never answered is reported, since no member can carry its error', () => {
  const s = deriveRing(poll(1, [downProbe('m1', 'TLS failure: bad certificate')], { members: null, alarms: null }), null, { bootId: 'b', pollIntervalMs: 1000 });
  expect(s.members).toEqual([]);
  expect(s.endpointErrors).toEqual([{ endpoint: 'http://127.0.0.1:2179', error: 'TLS failure: bad certificate' }]);
  expect(s.health).toBe('unknown');
  expect(s.warnings[0]).toEqual({ kind: 'endpoint-unreachable', message: 'http://127.0.0.1:2179 does not answer: TLS failure: bad certificate' });
});

describe('a cluster ID other than the ring’s (a restore, or a member left behind by one)', () => {
  const OLD = 'cdf818194e3a8c32';
  const NEW = '7b1e5a3c9d2f4e60';
  // The same names and URLs after a restore; new member IDs, as etcd derives them from the new token.
  const restored = { m1: 'a1b2c3d4e5f60718', m2: 'b2c3d4e5f6071829', m3: 'c3d4e5f60718293a' };
  const newEntry = (n: keyof typeof ids) => listEntry(n, { id: restored[n] });
  const newProbe = (n: keyof typeof ids, leader = restored.m2) => {
    const p = okProbe(n, leader, { memberId: restored[n], clusterId: NEW });
    return p;
  };

  test('a member that answers as another cluster is split from the ring, never mixed into it', () => {
    const before = deriveRing(poll(1, [okProbe('m1', L), okProbe('m2', L), okProbe('m3', L)]), null, ctx);
    // m1 was left running on its old data; m2 and m3 now serve the restored cluster.
    const s = deriveRing(
      poll(2, [okProbe('m1', L), newProbe('m2'), newProbe('m3')], { members: [newEntry('m1'), newEntry('m2'), newEntry('m3')], membersFrom: 'http://127.0.0.1:2279' }),
      before,
      ctx,
    );
    expect(s.clusterId).toBe(NEW);
    const m1 = s.members.find((m) => m.name === 'm1')!;
    expect(m1).toMatchObject({ reachable: false, split: { clusterId: OLD, memberId: ids.m1 } });
    expect(m1.error).toBe(`split from the ring: it answers as member ${ids.m1} of cluster ${OLD}, not of ${NEW}`);
    expect(s.splits).toEqual([{ endpoint: 'http://127.0.0.1:2179', memberId: ids.m1, clusterId: OLD, ringMemberId: restored.m1 }]);
    expect(s.leader).toBe(restored.m2);
    expect(s.quorum).toMatchObject({ voters: 3, healthy: 2, hasQuorum: true });
    expect(s.warnings.find((w) => w.kind === 'cluster-split')?.message).toMatch(/^m1 is split from the ring: http:\/\/127\.0\.0\.1:2179 answers as member 8e9e05c52164694d of cluster cdf818194e3a8c32, while the ring is cluster 7b1e5a3c9d2f4e60/);
  });

  test('a member list read from a split member is not the ring’s: the last known membership stays', () => {
    const before = deriveRing(poll(1, [newProbe('m1'), newProbe('m2'), newProbe('m3')], { members: [newEntry('m1'), newEntry('m2'), newEntry('m3')] }), null, ctx);
    // Two restored members answer; one old member also answers, and the list came from it.
    const s = deriveRing(poll(2, [okProbe('m1', L), newProbe('m2'), newProbe('m3')], { members: [listEntry('m1'), listEntry('m2'), listEntry('m3')], membersFrom: 'http://127.0.0.1:2179' }), before, ctx);
    expect(s.membersKnown).toBe(false);
    expect(s.members.map((m) => m.id)).toEqual([restored.m1, restored.m2, restored.m3]);
  });

  test('the same endpoints serving a new cluster: the state says the cluster ID changed, for an hour', () => {
    const before = deriveRing(poll(1, [okProbe('m1', L), downProbe('m2'), downProbe('m3')]), null, ctx);
    const s = deriveRing(poll(2, [newProbe('m1'), newProbe('m2'), newProbe('m3')], { members: [newEntry('m1'), newEntry('m2'), newEntry('m3')] }), before, ctx);
    expect(s.clusterId).toBe(NEW);
    expect(s.clusterIdChanged).toEqual({ from: OLD, at: s.at });
    expect(s.splits).toEqual([]);
    expect(s.quorum).toMatchObject({ voters: 3, healthy: 3 });
    expect(s.warnings.find((w) => w.kind === 'cluster-id-changed')?.message).toMatch(/^The cluster ID changed from cdf818194e3a8c32 to 7b1e5a3c9d2f4e60 at 03:00:02 UTC: the same endpoints now serve a new cluster/);
    const later = deriveRing(poll(30, [newProbe('m1'), newProbe('m2'), newProbe('m3')], { members: [newEntry('m1'), newEntry('m2'), newEntry('m3')] }), s, ctx);
    expect(later.clusterIdChanged).toEqual(s.clusterIdChanged);
    const hourLater = deriveRing({ ...poll(31, [newProbe('m1'), newProbe('m2'), newProbe('m3')], { members: [newEntry('m1'), newEntry('m2'), newEntry('m3')] }), at: Date.parse(s.at) + 3_600_001 }, later, ctx);
    expect(hourLater.clusterIdChanged).toBeNull();
  });

  test('a tie (one old member, one restored) keeps the cluster Ringside knew', () => {
    const before = deriveRing(poll(1, [okProbe('m1', L), okProbe('m2', L), okProbe('m3', L)]), null, ctx);
    const s = deriveRing(poll(2, [okProbe('m1', '0'), newProbe('m2', '0'), downProbe('m3')]), before, ctx);
    expect(s.clusterId).toBe(OLD);
    expect(s.members.find((m) => m.name === 'm2')!.split).toEqual({ clusterId: NEW, memberId: restored.m2 });
  });
});

test('a cluster whose endpoints never answered says so, with what the first one said, not "not polled yet"', () => {
  const lost = deriveRing(poll(1, [downProbe('m1')], { members: null, alarms: null }), null, { bootId: 't', pollIntervalMs: 1000 });
  expect([lost.health, lost.summary]).toEqual(['unknown', 'no endpoint answers (http://127.0.0.1:2179: connection refused)']);
  const gone = deriveRing(poll(2, [downProbe('m1'), downProbe('m2'), downProbe('m3')]), null, { bootId: 't', pollIntervalMs: 1000 });
  expect(gone.summary).toBe('no member answers');
});
