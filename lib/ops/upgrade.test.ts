import { describe, expect, test } from 'vitest';
import { corruptCheckFlags } from '../k8s/flags';
import { deriveRing } from '../ring/derive';
import { downProbe, ids, listEntry, okProbe, poll } from '../ring/fixtures';
import { judgeHashes } from '../ring/hashkv';
import type { MemberProbe } from '../etcd/types';
import type { RingState } from '../ring/types';
import { upgradeView, type UpgradeInput, type VersionsReply } from './upgrade';

const NOW = Date.UTC(2026, 10, 22, 3, 0, 30);
const L = ids.m1; // m1 leads
const fresh = { newestAt: new Date(NOW - 5 * 60_000).toISOString(), maxAgeMs: 3_600_000, now: NOW };
const stale = { ...fresh, newestAt: new Date(NOW - 3 * 3_600_000).toISOString() };

/** A ring whose members run the given versions (null: down). */
function ringOf(versions: Record<'m1' | 'm2' | 'm3', string | null>, extra: Partial<Record<'m1' | 'm2' | 'm3', { raftAppliedIndex?: number }>> = {}): RingState {
  const probes: MemberProbe[] = (['m1', 'm2', 'm3'] as const).map((n) => (versions[n] ? okProbe(n, L, { version: versions[n]!, ...extra[n] }) : downProbe(n)));
  return deriveRing(poll(1, probes), null, { bootId: 't', pollIntervalMs: 1000 });
}

/** HashKV at the ring's revision, every reachable voter agreeing; each member's version recorded as it ran. */
const agreeing = (r: RingState) =>
  judgeHashes(r, 42, new Map(r.members.filter((m) => m.reachable).map((m) => [m.id, { ok: true as const, hash: 7, compactRevision: -1 }])), new Date(NOW));

/** /version of each reachable member: its own version, and the cluster's. */
function versionsOf(r: RingState, cluster: string, storage: (v: string) => string | null = () => null): Map<string, VersionsReply> {
  return new Map(r.members.map((m): [string, VersionsReply] => [m.id, m.version ? { server: m.version, cluster, storage: storage(m.version) } : { error: 'connection refused' }]));
}

function input(r: RingState, target: string, over: Partial<UpgradeInput> = {}): UpgradeInput {
  return { ring: r, target, hashes: [agreeing(r)], snapshot: fresh, versions: versionsOf(r, '3.4.0'), flags: new Map(), ...over };
}

const states = (v: ReturnType<typeof upgradeView>) => v.members.map((m) => `${m.name}:${m.state}`);
const blockers = (v: ReturnType<typeof upgradeView>) => v.checks.filter((c) => !c.ok && c.severity === 'block').map((c) => c.key);

describe('3.4 -> 3.5 (the path the real 3.4.23 ring takes in the integration test)', () => {
  const r = ringOf({ m1: '3.4.23', m2: '3.4.23', m3: '3.4.23' });

  test('a healthy ring with a fresh snapshot: one member at a time, followers first, the leader last', () => {
    const v = upgradeView(input(r, '3.5.21'));
    expect(v).toMatchObject({ direction: 'upgrade', from: '3.4.23', unsupported: null, stage: 'preflight', blocked: null, clusterVersion: '3.4.0', currentId: ids.m2 });
    expect(states(v)).toEqual(['m2:next', 'm3:waiting', 'm1:waiting']);
    expect(v.steps.map((s) => s.title)).toEqual(['Stop etcd on m2', 'Replace its etcd binary with 3.5.21', 'Check its flags against the changes below', 'Start it on 3.5.21 with the same data dir']);
    expect(v.flagChanges).toContainEqual({ flag: '--logger=capnslog', replacement: '--logger=zap', note: 'etcd 3.5 refuses it' });
    // 3.5.21 is below 3.5.32, which 3.6 will ask for: a note, not a refusal.
    expect(v.checks.map((c) => c.key)).toEqual(['target-version', 'membership', 'healthy', 'margin', 'alarms', 'hashkv', 'snapshot', 'no-learner', 'auth', 'patch-level']);
  });

  test('refused while a member is down, or the snapshot is stale: the next step is withheld', () => {
    const down = upgradeView(input(ringOf({ m1: '3.4.23', m2: '3.4.23', m3: null }), '3.5.21'));
    expect(blockers(down)).toEqual(['healthy', 'margin', 'hashkv']);
    expect(down.blocked).toMatch(/^m3 is not a healthy voter \(connection refused\): bring it back before starting\./);
    expect(down.steps).toEqual([]);
    expect(down.checks.find((c) => c.key === 'patch-level')!.message).toMatch(/; m1 and m2 run 3\.4\.23\.$/);
    const old = upgradeView(input(r, '3.5.21', { snapshot: stale }));
    expect(blockers(old)).toEqual(['snapshot']);
    expect(old.blocked).toBe('The newest snapshot is 180 min old; take one now (at most 60 min old is required).');
    expect(old.steps).toEqual([]);
  });

  test('m2 replaced and verified: done; m3 is next. m2 back but not yet hashed on the target: verifying, and m3 waits', () => {
    const mid = ringOf({ m1: '3.4.23', m2: '3.5.21', m3: '3.4.23' });
    const v = upgradeView(input(mid, '3.5.21'));
    expect(v.stage).toBe('members');
    expect(states(v)).toEqual(['m2:done', 'm3:next', 'm1:waiting']);
    expect(v.steps[0].title).toBe('Stop etcd on m3');
    // The last check ran while m2 was still 3.4.23: not a verification of the new binary.
    const before = agreeing(ringOf({ m1: '3.4.23', m2: '3.4.23', m3: '3.4.23' }));
    const w = upgradeView(input(mid, '3.5.21', { hashes: [before] }));
    expect(states(w)).toEqual(['m2:verifying', 'm3:waiting', 'm1:waiting']);
    expect(w.steps).toEqual([]);
  });

  test('the member being replaced is down: Ringside waits for it, and does not count it against the ring', () => {
    const v = upgradeView(input(ringOf({ m1: '3.4.23', m2: null, m3: '3.4.23' }), '3.5.21'));
    // Before any member runs 3.5.21 the ring is still in preflight: a down member blocks.
    expect(blockers(v)).toContain('healthy');
    // Once one member runs the target, the member being done may be down; m2, verified before m3
    // stopped, stays verified although the newest check could not include m3.
    const verifiedM2 = agreeing(ringOf({ m1: '3.4.23', m2: '3.5.21', m3: '3.4.23' }));
    const mid = ringOf({ m1: '3.4.23', m2: '3.5.21', m3: null });
    const w = upgradeView(input(mid, '3.5.21', { hashes: [verifiedM2, agreeing(mid)] }));
    expect(states(w)).toEqual(['m2:done', 'm3:restarting', 'm1:waiting']);
    expect(w.members[1].detail).toBe('does not answer (connection refused): Ringside waits for m3 to start on 3.5.21');
    expect(blockers(w)).toEqual([]);
  });

  test('back on the target but behind the leader: catching up', () => {
    const mid = ringOf({ m1: '3.4.23', m2: '3.5.21', m3: '3.4.23' }, { m2: { raftAppliedIndex: 10 } });
    const r2 = { ...mid, members: mid.members.map((m) => (m.isLeader ? { ...m, raftIndex: 5000 } : m)) };
    expect(states(upgradeView(input(r2, '3.5.21')))).toEqual(['m2:catching-up', 'm3:waiting', 'm1:waiting']);
  });

  test('the leader last: leadership handed to a follower first', () => {
    const mid = ringOf({ m1: '3.4.23', m2: '3.5.21', m3: '3.5.21' });
    const v = upgradeView(input(mid, '3.5.21'));
    expect(states(v)).toEqual(['m2:done', 'm3:done', 'm1:next']);
    expect(v.steps[0].title).toBe('Move leadership away from m1 first');
    expect(v.moveLeaderTo?.name).toMatch(/m2|m3/);
  });

  test('every member on the target: done', () => {
    const all = ringOf({ m1: '3.5.21', m2: '3.5.21', m3: '3.5.21' });
    const v = upgradeView(input(all, '3.5.21', { versions: versionsOf(all, '3.5.0') }));
    expect(v).toMatchObject({ stage: 'done', direction: 'none', blocked: null, clusterVersion: '3.5.0', currentId: null });
    expect(states(v)).toEqual(['m1:done', 'm2:done', 'm3:done']);
  });
});

describe('3.5 -> 3.6 (built from the 3.6 guide and sources; not run here)', () => {
  const KUBEONE = corruptCheckFlags(['etcd', '--experimental-corrupt-check-time=240m', '--experimental-initial-corrupt-check=true']).flags;

  test('refused until every 3.5 member runs the patch the guide requires', () => {
    const v = upgradeView(input(ringOf({ m1: '3.5.33', m2: '3.5.21', m3: '3.5.33' }), '3.6.14'));
    expect(blockers(v)).toEqual(['patch-level']);
    expect(v.blocked).toContain('m2 (3.5.21): the 3.5 -> 3.6 guide requires 3.5.32+');
  });

  test("KubeOne's flags on the members: each step gives the exact replacement; the v2 store is checked while stopped", () => {
    const r = ringOf({ m1: '3.5.33', m2: '3.5.33', m3: '3.5.33' });
    const v = upgradeView(input(r, '3.6.14', { flags: new Map(r.members.map((m) => [m.id, KUBEONE])) }));
    expect(v.blocked).toBeNull();
    expect(v.members[0].flags.map((f) => [f.flag, f.replacement])).toEqual([
      ['--experimental-corrupt-check-time=240m', '--corrupt-check-time=240m'],
      ['--experimental-initial-corrupt-check=true', '--feature-gates=InitialCorruptCheck=true'],
    ]);
    expect(v.steps.map((s) => s.title)).toEqual([
      'Stop etcd on m2',
      'While it is stopped: check its v2 store (if --enable-v2 was ever set)',
      'Replace its etcd binary with 3.6.14',
      'Change these flags before starting it',
      'Start it on 3.6.14 with the same data dir',
    ]);
    expect(v.steps[1].commands).toEqual(['etcdutl check v2store --data-dir /var/lib/etcd']);
    expect(v.steps[3].commands).toEqual(['--experimental-corrupt-check-time=240m  ->  --corrupt-check-time=240m', '--experimental-initial-corrupt-check=true  ->  --feature-gates=InitialCorruptCheck=true']);
    expect(v.checks.find((c) => c.key === 'v2store')).toMatchObject({ ok: true, severity: 'warn' });
  });

  test('--enable-v2 on a member blocks: 3.6 refuses it', () => {
    const r = ringOf({ m1: '3.5.33', m2: '3.5.33', m3: '3.5.33' });
    const v = upgradeView(input(r, '3.6.14', { flags: new Map([[ids.m2, [{ name: 'enable-v2', value: 'true' }]]]) }));
    expect(blockers(v)).toEqual(['v2store']);
  });
});

describe('3.6 -> 3.5 through the downgrade API (built from downgrade_3_6.md; not run here)', () => {
  const r = ringOf({ m1: '3.6.14', m2: '3.6.14', m3: '3.6.14' });
  const storage = (s: string) => () => s;

  test('first the API: validate, enable; then the storage version migrates; only then members, the leader last', () => {
    const before = upgradeView(input(r, '3.5.33', { versions: versionsOf(r, '3.6.0', storage('3.6.0')) }));
    expect(before).toMatchObject({ direction: 'downgrade', stage: 'preflight', downgrade: { enabled: false, migrated: false, commands: ['etcdctl downgrade validate 3.5', 'etcdctl downgrade enable 3.5'] } });
    const enabling = upgradeView(input(r, '3.5.33', { versions: versionsOf(r, '3.5.0', storage('3.6.0')) }));
    expect(enabling).toMatchObject({ stage: 'enable-downgrade', downgrade: { enabled: true, migrated: false }, steps: [] });
    const migrated = upgradeView(input(r, '3.5.33', { versions: versionsOf(r, '3.5.0', storage('3.5.0')) }));
    expect(migrated).toMatchObject({ stage: 'members', downgrade: { enabled: true, migrated: true }, currentId: ids.m2 });
    expect(states(migrated)).toEqual(['m2:next', 'm3:waiting', 'm1:waiting']);
  });

  test('mid-way: the members already on 3.5 are done, the next goes; the move stays a downgrade from 3.6', () => {
    const mid = ringOf({ m1: '3.6.14', m2: '3.5.33', m3: '3.6.14' });
    const v = upgradeView(input(mid, '3.5.33', { versions: versionsOf(mid, '3.5.0', (x) => (x.startsWith('3.6') ? '3.5.0' : null)) }));
    expect(v).toMatchObject({ direction: 'downgrade', from: '3.6.14', stage: 'members', currentId: ids.m3 });
    expect(states(v)).toEqual(['m2:done', 'm3:next', 'm1:waiting']);
  });

  test("3.6's flags back to 3.5's spelling", () => {
    const flags = corruptCheckFlags(['etcd', '--feature-gates=InitialCorruptCheck=true', '--corrupt-check-time=240m']).flags;
    const v = upgradeView(input(r, '3.5.33', { versions: versionsOf(r, '3.5.0', storage('3.5.0')), flags: new Map(r.members.map((m) => [m.id, flags])) }));
    expect(v.steps.find((s) => s.title === 'Change these flags before starting it')?.commands).toEqual([
      '--feature-gates=InitialCorruptCheck=true  ->  --experimental-initial-corrupt-check=true',
      '--corrupt-check-time=240m  ->  --experimental-corrupt-check-time=240m',
    ]);
  });
});

describe('moves etcd does not support, or Ringside does not guide', () => {
  test.each([
    ['3.4.23', '3.6.14', /one minor at a time: from 3\.4\.23, go to 3\.5 first/],
    ['3.5.33', '3.4.45', /etcd 3\.5 has no downgrade through its API/],
    ['3.6.14', '3.7.0', /Ringside knows etcd 3\.4 to 3\.6/],
  ])('%s -> %s', (from, to, why) => {
    const v = upgradeView(input(ringOf({ m1: from, m2: from, m3: from }), to));
    expect(v.unsupported).toMatch(why);
    expect(v.checks).toEqual([{ key: 'path', ok: false, severity: 'block', message: v.unsupported }]);
    expect(v.steps).toEqual([]);
  });

  test('a target with the 3.5.0-3.5.2 data-loss bug', () => {
    expect(blockers(upgradeView(input(ringOf({ m1: '3.4.23', m2: '3.4.23', m3: '3.4.23' }), '3.5.2')))).toEqual(['target-version']);
  });

  test('a pending learner blocks (3.5 -> 3.6 fails with "too many learner members")', () => {
    const withLearner = deriveRing(
      poll(1, [okProbe('m1', L, { version: '3.5.33' }), okProbe('m2', L, { version: '3.5.33' }), okProbe('m3', L, { version: '3.5.33', isLearner: true })], {
        members: [listEntry('m1'), listEntry('m2'), { ...listEntry('m3'), isLearner: true }],
      }),
      null,
      { bootId: 't', pollIntervalMs: 1000 },
    );
    expect(blockers(upgradeView(input(withLearner, '3.6.14')))).toContain('no-learner');
  });
});
