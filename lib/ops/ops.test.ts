import { describe, expect, test } from 'vitest';
import type { AuditEntry } from '../audit/types';
import { deriveRing } from '../ring/derive';
import { downProbe, ids, listEntry, okProbe, poll } from '../ring/fixtures';
import type { HashCheck } from '../ring/hashkv';
import type { RingState } from '../ring/types';
import { etcdServersFlag, restorePlan, startInstructions } from './instructions';
import { addChecks, blocking, corruptDisarmChecks, defragChecks, defragOrder, moveLeaderChecks, nextLeader, refusal, removalChecks, snapshotSource } from './preflight';
import { replacementView, type ReplacementInput } from './replacement';

const NOW = Date.UTC(2026, 10, 22, 3, 0, 30);
const leader = ids.m1;
const ring = (probes = [okProbe('m1', leader), okProbe('m2', leader), okProbe('m3', leader)], members = [listEntry('m1'), listEntry('m2'), listEntry('m3')]): RingState =>
  deriveRing(poll(1, probes, { members }), null, { bootId: 't', pollIntervalMs: 1000 });
const fresh = { newestAt: new Date(NOW - 5 * 60_000).toISOString(), maxAgeMs: 3_600_000, now: NOW };
const keys = (checks: { key: string; ok: boolean; severity: string }[]) => blocking(checks as never).map((c) => (c as { key: string }).key);

function hash(r: RingState, consistent: boolean | null, at = new Date(NOW).toISOString()): HashCheck {
  return {
    cluster: 'demo',
    revision: 42,
    checkedAt: at,
    consistent,
    leaderSide: null,
    summary: consistent ? 'all agree' : 'split',
    members: r.members.filter((m) => !m.isLearner).map((m) => ({ id: m.id, name: m.name, hash: 1, compactRevision: 0, verdict: 'agree' as const, reason: null, skip: null })),
  };
}

describe('removal preflight', () => {
  test('a dead member of a 3-member ring may be removed: quorum holds after', () => {
    const r = ring([okProbe('m1', leader), okProbe('m2', leader), downProbe('m3')]);
    const checks = removalChecks(r, ids.m3, fresh, null);
    expect(keys(checks)).toEqual([]);
    expect(checks.find((c) => c.key === 'quorum-after')!.message).toMatch(/2 of 2 voters healthy, 2 needed/);
  });

  test('a healthy member is refused while another is down, naming both', () => {
    const r = ring([okProbe('m1', leader), okProbe('m2', leader), downProbe('m3')]);
    const checks = removalChecks(r, ids.m2, fresh, null);
    expect(keys(checks)).toContain('others-healthy');
    expect(refusal(checks)).toMatch(/m2 is healthy while m3 is down/);
    expect(keys(checks)).toContain('quorum-after');
  });

  test('the healthy leader is refused until leadership moves; a learner pending blocks', () => {
    expect(keys(removalChecks(ring(), ids.m1, fresh, null))).toEqual(['not-leader']);
    const learner = listEntry('m3', { isLearner: true });
    const r = ring([okProbe('m1', leader), okProbe('m2', leader), okProbe('m3', leader, { isLearner: true })], [listEntry('m1'), listEntry('m2'), learner]);
    expect(keys(removalChecks(r, ids.m2, fresh, null))).toContain('no-learner');
    expect(refusal(removalChecks(r, ids.m3, fresh, null))).toMatch(/is a learner/);
  });

  test('a missing or stale snapshot blocks, saying how old', () => {
    const r = ring([okProbe('m1', leader), okProbe('m2', leader), downProbe('m3')]);
    expect(refusal(removalChecks(r, ids.m3, { ...fresh, newestAt: null }, null))).toMatch(/No snapshot of this cluster exists/);
    expect(refusal(removalChecks(r, ids.m3, { ...fresh, newestAt: new Date(NOW - 2 * 3_600_000).toISOString() }, null))).toMatch(/120 min old/);
  });

  test('without quorum nothing may be removed', () => {
    const r = ring([okProbe('m1', leader), downProbe('m2'), downProbe('m3')]);
    expect(keys(removalChecks(r, ids.m3, fresh, null))).toEqual(expect.arrayContaining(['quorum-now', 'others-healthy']));
  });

  test('an unknown member is refused', () => {
    expect(refusal(removalChecks(ring(), 'abc', fresh, null))).toMatch(/No member abc/);
  });
});

describe('other checks', () => {
  test('adding needs every voter healthy, a free name and peer URL, no learner', () => {
    const down = ring([okProbe('m1', leader), okProbe('m2', leader), downProbe('m3')]);
    expect(keys(addChecks(down, 'm4', 'http://127.0.0.1:2480'))).toEqual(['voters-healthy']);
    expect(keys(addChecks(ring(), 'm2', 'http://127.0.0.1:2180'))).toEqual(['peer-url-free', 'name-free']);
    expect(keys(addChecks(ring(), 'm4', 'http://127.0.0.1:2480'))).toEqual([]);
  });

  test('defragmentation goes followers first, leader last, and needs a fault margin', () => {
    const r = ring();
    expect(defragOrder(r, [...r.members].reverse()).map((m) => m.name)).toEqual(['m2', 'm3', 'm1']);
    expect(keys(defragChecks(r, r.members))).toEqual([]);
    const two = ring([okProbe('m1', leader), okProbe('m2', leader), downProbe('m3')]);
    expect(keys(defragChecks(two, two.members.slice(0, 2)))).toEqual(['margin']);
    expect(nextLeader(r)!.name).toMatch(/m2|m3/);
  });

  test('learners: never defragmented (they refuse the RPC), never a leadership target; one at a time, in words per version', () => {
    const learner = { ...listEntry('m3'), isLearner: true };
    const r = ring([okProbe('m1', leader), okProbe('m2', leader), okProbe('m3', leader, { isLearner: true })], [listEntry('m1'), listEntry('m2'), learner]);
    expect(keys(defragChecks(r, r.members.filter((m) => m.isLearner)))).toEqual(['no-learner-target']);
    expect(refusal(defragChecks(r, r.members))).toMatch(/m3 is a learner: etcd does not defragment a learner/);
    expect(keys(moveLeaderChecks(r, ids.m3))).toEqual(['target-voter']);
    expect(refusal(addChecks(r, 'm4', 'http://127.0.0.1:2480'))).toMatch(/etcd 3\.4 allows one at a time/);
    const r36 = ring([okProbe('m1', leader, { version: '3.6.14' }), okProbe('m2', leader, { version: '3.6.14' }), okProbe('m3', leader, { isLearner: true, version: '3.6.14' })], [listEntry('m1'), listEntry('m2'), learner]);
    expect(refusal(addChecks(r36, 'm4', 'http://127.0.0.1:2480'))).toMatch(/etcd 3\.6 allows as many as its --max-learners \(default 1\)/);
  });

  test('leadership moves only to a healthy voter that does not lead', () => {
    expect(keys(moveLeaderChecks(ring(), ids.m2))).toEqual([]);
    expect(keys(moveLeaderChecks(ring(), ids.m1))).toEqual(['target-not-leader']);
    expect(keys(moveLeaderChecks(ring([okProbe('m1', leader), okProbe('m2', leader), downProbe('m3')]), ids.m3))).toEqual(['target-healthy']);
  });

  test('CORRUPT is disarmed only when every voter agrees', () => {
    const r = deriveRing(poll(1, [okProbe('m1', leader), okProbe('m2', leader), okProbe('m3', leader)], { alarms: [{ memberId: '0', alarm: 'CORRUPT' }] }), null, { bootId: 't', pollIntervalMs: 1000 });
    expect(keys(corruptDisarmChecks(r, hash(r, true)))).toEqual([]);
    expect(keys(corruptDisarmChecks(r, hash(r, false)))).toEqual(['hashes-agree']);
    const partial = { ...hash(r, true), members: hash(r, true).members.slice(0, 2) };
    expect(refusal(corruptDisarmChecks(r, partial))).toMatch(/not compared every voter/);
    expect(keys(corruptDisarmChecks(ring(), hash(ring(), true)))).toEqual(['alarm']);
  });

  test('snapshots come from a healthy follower, never a HashKV suspect', () => {
    const r = ring();
    expect(snapshotSource(r)!.isLeader).toBe(false);
    const h = hash(r, false);
    h.members = h.members.map((m) => (m.name === 'm2' ? { ...m, verdict: 'mismatch' as const, reason: 'minority' } : m));
    h.leaderSide = 'majority';
    expect(snapshotSource(r, h)!.name).not.toBe('m2');
  });
});

describe('start instructions', () => {
  test('name the new member, initial-cluster with everyone, state existing', () => {
    const r = ring([okProbe('m1', leader), okProbe('m2', leader)], [listEntry('m1'), listEntry('m2'), { id: 'abc', name: '', peerURLs: ['http://127.0.0.1:2380'], clientURLs: [], isLearner: true }]);
    const s = startInstructions(r, { id: 'abc', name: 'm3', peerURL: 'http://127.0.0.1:2380', clientURL: 'http://127.0.0.1:2379' }, false, '3.4.23');
    expect(s.initialCluster).toBe('m1=http://127.0.0.1:2180,m2=http://127.0.0.1:2280,m3=http://127.0.0.1:2380');
    expect(s.flags).toContain('--initial-cluster-state=existing');
    expect(s.flags).toContain('--name=m3');
    expect(s.env).toContain('ETCD_INITIAL_CLUSTER_STATE=existing');
    expect(s.env).toContain(`ETCD_INITIAL_CLUSTER=${s.initialCluster}`);
    expect(s.configYaml).toContain('initial-cluster-state: existing');
    expect(s.configYaml).toContain(`initial-cluster: ${s.initialCluster}`);
    expect(s.flags).not.toContain('cert-file');
  });

  test.each([
    // Flag names checked against etcd's flag sets at these tags (lib/model/etcd-versions.test.ts).
    [
      '3.4.23',
      ['--experimental-initial-corrupt-check=true', '--experimental-corrupt-check-time=240m'],
      ['ETCD_EXPERIMENTAL_INITIAL_CORRUPT_CHECK=true', 'ETCD_EXPERIMENTAL_CORRUPT_CHECK_TIME=240m'],
      ['experimental-initial-corrupt-check: true', 'experimental-corrupt-check-time: 14400000000000 # 240m, in nanoseconds'],
    ],
    [
      '3.5.33 (not run here)',
      ['--experimental-initial-corrupt-check=true', '--experimental-corrupt-check-time=240m', '--experimental-compact-hash-check-enabled=true'],
      ['ETCD_EXPERIMENTAL_COMPACT_HASH_CHECK_ENABLED=true'],
      ['experimental-compact-hash-check-enabled: true'],
    ],
    [
      '3.6.14 (not run here)',
      ['--feature-gates=InitialCorruptCheck=true,CompactHashCheck=true', '--corrupt-check-time=240m'],
      ['ETCD_FEATURE_GATES=InitialCorruptCheck=true,CompactHashCheck=true', 'ETCD_CORRUPT_CHECK_TIME=240m'],
      ['feature-gates: InitialCorruptCheck=true,CompactHashCheck=true', 'corrupt-check-time: 14400000000000 # 240m, in nanoseconds'],
    ],
  ])('etcd %s: the corruption checks in its own spelling, flags, variables and config file', (label, flags, env, yaml) => {
    const s = startInstructions(ring(), { name: 'm4', peerURL: 'http://10.0.0.4:2380', clientURL: 'http://10.0.0.4:2379' }, false, label.split(' ')[0]);
    for (const f of flags) expect(s.flags).toContain(f);
    for (const e of env) expect(s.env.split('\n')).toContain(e);
    for (const y of yaml) expect(s.configYaml.split('\n')).toContain(y);
    expect(s.version).toBe(label.split(' ')[0]);
    if (label.startsWith('3.6')) expect(s.flags).not.toContain('experimental');
  });

  test('TLS rings get placeholders for the certificate files', () => {
    const s = startInstructions(ring(), { name: 'm4', peerURL: 'https://10.0.0.4:2380', clientURL: 'https://10.0.0.4:2379' }, true, '3.4.23');
    expect(s.flags).toContain('--peer-cert-file=/etc/etcd/pki/peer.crt');
    expect(s.configYaml).toContain('client-transport-security:');
    expect(s.env).toContain('ETCD_CLIENT_CERT_AUTH=true');
  });

  test('--etcd-servers lists every voter; the restore plan has one command per member', () => {
    expect(etcdServersFlag(ring())).toBe('http://127.0.0.1:2179,http://127.0.0.1:2279,http://127.0.0.1:2379');
    const plan = restorePlan(ring(), { file: '/b/demo.db.enc', encrypted: true, cluster: 'demo', takenAt: '2026-11-22T03:00:00.000Z', version: '3.4.23', kubernetes: false });
    expect(plan.commands.map((c) => c.member)).toEqual(['m1', 'm2', 'm3']);
    expect(plan.commands[1].command).toContain('snapshot restore /b/demo.db');
    expect(plan.commands[1].command).toContain('--name=m2');
    expect(plan.commands[1].command).toContain('--initial-advertise-peer-urls=http://127.0.0.1:2280');
    expect(plan.steps[0]).toMatch(/decrypt-snapshot/);
    expect(plan.commands[1].command).toContain('--data-dir=/var/lib/etcd-restored-m2');
  });

  // Issue 11: what a member calls itself reaches a root shell and etcd's config file as data.
  const hostile = ring(undefined, [listEntry('m1', { name: '../../../../etc/cron.d/x' }), listEntry('m2', { name: "it's `id`" }), listEntry('m3', { name: 'm3$(touch${IFS}pwned)' })]);

  test('start instructions quote hostile names for sh and YAML, and leave plain values readable', () => {
    const s = startInstructions(hostile, { name: 'm4✓', peerURL: 'http://127.0.0.1:2480', clientURL: 'http://127.0.0.1:2479' }, false, '3.4.23');
    expect(s.initialCluster).toBe("../../../../etc/cron.d/x=http://127.0.0.1:2180,it's `id`=http://127.0.0.1:2280,m3$(touch${IFS}pwned)=http://127.0.0.1:2380,m4✓=http://127.0.0.1:2480");
    expect(s.flags).toContain("  --name='m4✓' \\");
    expect(s.flags).toContain("  --initial-cluster='../../../../etc/cron.d/x=http://127.0.0.1:2180,it'\\''s `id`=http://127.0.0.1:2280,m3$(touch${IFS}pwned)=http://127.0.0.1:2380,m4✓=http://127.0.0.1:2480' \\");
    expect(s.flags).toContain('  --initial-cluster-state=existing \\');
    expect(s.env).toContain("ETCD_NAME='m4✓'");
    expect(s.env).toContain('ETCD_LISTEN_CLIENT_URLS=http://127.0.0.1:2479');
    expect(s.configYaml).toContain('name: "m4✓"');
    expect(s.configYaml).toContain('initial-cluster: "../../../../etc/cron.d/x=http://127.0.0.1:2180,it\'s `id`=http://127.0.0.1:2280,m3$(touch${IFS}pwned)=http://127.0.0.1:2380,m4✓=http://127.0.0.1:2480"');
    expect(s.configYaml).toContain('data-dir: /var/lib/etcd');
  });

  test('restore commands quote every value and never make a data dir of a raw name', () => {
    const plan = restorePlan(hostile, { file: '/backups/my cluster/c.db', encrypted: false, cluster: 'demo', takenAt: '2026-11-22T03:00:00.000Z', version: '3.4.23', kubernetes: false });
    expect(plan.commands.map((c) => c.member)).toEqual(['../../../../etc/cron.d/x', "it's `id`", 'm3$(touch${IFS}pwned)']);
    const [traversal, quote, injection] = plan.commands.map((c) => c.command);
    expect(traversal).toContain("snapshot restore '/backups/my cluster/c.db' \\");
    expect(traversal).toContain('--name=../../../../etc/cron.d/x \\'); // harmless to sh, so unquoted
    expect(traversal).toContain(`--data-dir=/var/lib/etcd-restored-_.._.._.._etc_cron.d_x-${ids.m1}`);
    expect(quote).toContain("--name='it'\\''s `id`' \\");
    expect(quote).toContain(`--data-dir=/var/lib/etcd-restored-it_s_id_-${ids.m2}`);
    expect(injection).toContain("--name='m3$(touch${IFS}pwned)' \\");
    expect(injection).toContain('--initial-advertise-peer-urls=http://127.0.0.1:2380 \\');
    expect(injection).toContain('--initial-cluster-token=demo-restore-20261122030000 \\');
  });
});

describe('the replacement wizard resumes from the ring and the audit log', () => {
  const audit = (action: string, details: Record<string, unknown>, at = NOW - 10_000): AuditEntry => ({
    id: action, at: new Date(at).toISOString(), user: 'alice', via: 'password', cluster: 'demo', action, params: {}, result: 'ok', durationMs: 1, details: { replacementId: 'r1', ...details },
  });
  const removed = { id: ids.m3, name: 'm3', peerURLs: ['http://127.0.0.1:2380'], clientURLs: ['http://127.0.0.1:2379'] };
  const base = (r: RingState, entries: AuditEntry[], targetId: string | null = null): ReplacementInput => ({ ring: r, audit: entries, hash: null, snapshot: fresh, targetId, tls: false, canLaunch: true });

  test('choose, then preflight for the picked member', () => {
    expect(replacementView(base(ring(), [])).step).toBe('choose');
    const v = replacementView(base(ring([okProbe('m1', leader), okProbe('m2', leader), downProbe('m3')]), [], ids.m3));
    expect(v.step).toBe('preflight');
    expect(v.target!.name).toBe('m3');
    expect(blocking(v.checks)).toEqual([]);
  });

  test('after the removal: add, suggesting the same name and peer URL', () => {
    const r = ring([okProbe('m1', leader), okProbe('m2', leader)], [listEntry('m1'), listEntry('m2')]);
    const v = replacementView(base(r, [audit('member-remove', { removed })], ids.m1));
    expect(v.step).toBe('add');
    expect(v.suggestion).toEqual({ name: 'm3', peerURL: 'http://127.0.0.1:2380', clientURL: 'http://127.0.0.1:2379' });
  });

  test('after the add: start (unstarted), catch-up, promote, by the learner\'s raft index', () => {
    const entries = [audit('member-add', { added: { id: 'abc', name: 'm3', peerURL: 'http://127.0.0.1:2380', clientURL: 'http://127.0.0.1:2379' } }), audit('member-remove', { removed })];
    const unstarted = { id: 'abc', name: '', peerURLs: ['http://127.0.0.1:2380'], clientURLs: [], isLearner: true };
    const r1 = ring([okProbe('m1', leader), okProbe('m2', leader)], [listEntry('m1'), listEntry('m2'), unstarted]);
    const v1 = replacementView(base(r1, entries));
    expect(v1.step).toBe('start');
    expect(v1.instructions!.name).toBe('m3');
    expect(v1.instructions!.initialCluster).toContain('m3=http://127.0.0.1:2380');

    const started = { ...unstarted, name: 'm3', clientURLs: ['http://127.0.0.1:2379'] };
    const learnerProbe = (raftIndex: number) => okProbe('m3', leader, { isLearner: true, raftIndex, memberId: 'abc' });
    const r2 = ring([okProbe('m1', leader, { raftIndex: 5000 }), okProbe('m2', leader, { raftIndex: 5000 }), learnerProbe(100)], [listEntry('m1'), listEntry('m2'), started]);
    const v2 = replacementView(base(r2, entries));
    expect(v2.step).toBe('catch-up');
    expect(v2.learner).toMatchObject({ raftIndex: 100, leaderRaftIndex: 5000 });
    const r3 = ring([okProbe('m1', leader, { raftIndex: 5000 }), okProbe('m2', leader, { raftIndex: 5000 }), learnerProbe(4990)], [listEntry('m1'), listEntry('m2'), started]);
    expect(replacementView(base(r3, entries)).step).toBe('promote');
    // etcd's rule is 90% of the leader's progress (isLearnerReady, readyPercent 0.9): 4499 of 5000 is not yet, 4500 is.
    const at = (i: number) => replacementView(base(ring([okProbe('m1', leader, { raftIndex: 5000 }), okProbe('m2', leader, { raftIndex: 5000 }), learnerProbe(i)], [listEntry('m1'), listEntry('m2'), started]), entries)).step;
    expect([at(4499), at(4500)]).toEqual(['catch-up', 'promote']);
  });

  test('after the promotion: verify until every voter agrees after it, then done with --etcd-servers', () => {
    const promoteAt = NOW - 5_000;
    const entries = [
      audit('member-promote', {}, promoteAt),
      audit('member-add', { added: { id: ids.m3, name: 'm3', peerURL: 'http://127.0.0.1:2380', clientURL: 'http://127.0.0.1:2379' } }),
      audit('member-remove', { removed: { ...removed, id: 'old' } }),
    ];
    const r = ring();
    expect(replacementView(base(r, entries)).step).toBe('verify');
    expect(replacementView({ ...base(r, entries), hash: hash(r, true, new Date(promoteAt - 1000).toISOString()) }).step).toBe('verify');
    const done = replacementView({ ...base(r, entries), hash: hash(r, true) });
    expect(done.step).toBe('done');
    expect(done.etcdServers).toBe('http://127.0.0.1:2179,http://127.0.0.1:2279,http://127.0.0.1:2379');
  });

  test('a learner added by hand is finished by the wizard, with a note', () => {
    const learner = { id: 'abc', name: '', peerURLs: ['http://10.0.0.9:2380'], clientURLs: [], isLearner: true };
    const v = replacementView(base(ring([okProbe('m1', leader), okProbe('m2', leader), okProbe('m3', leader)], [listEntry('m1'), listEntry('m2'), listEntry('m3'), learner]), []));
    expect(v.step).toBe('start');
    expect(v.notes[0]).toMatch(/added outside this wizard/);
  });
});
