// Issue 16: the rolling-upgrade plan on a real etcd 3.4.23 ring (the only version here): it refuses
// while a member is down or the snapshot is stale, hands out one member at a time, and tracks the
// ring's real versions; the restore tool the version model picks for 3.4 is etcdctl, run here.
// Members on 3.5 or 3.6 cannot run here: their behaviour is tested from etcd's sources in the unit
// tests (lib/ops/upgrade.test.ts, lib/model/etcd-versions.test.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashToken } from '@/lib/auth/password';
import { restoreToolFor } from '@/lib/ops/restore-commands';
import type { StoredSnapshot, UpgradeView } from '@/lib/ops/types';
import { shellQuote } from '@/lib/text/shell';
import type { RingState } from '@/lib/ring/types';
import { EtcdRing } from '../harness/ring';
import { OpsClient } from '../support/ops-client';
import { RingsideServer } from '../support/ringside-server';

const OPERATOR = 'op-token-upgrade-0123456789abcdef012345';
const ETCDCTL = process.env.RINGSIDE_ETCDCTL_BIN || '/usr/bin/etcdctl';

describe('the upgrade plan on a real etcd 3.4.23 ring', () => {
  let ring: EtcdRing;
  let server: RingsideServer;
  let op: OpsClient;
  let dir: string;

  const auth = ['auth:', '  users:', `    - { name: alice, role: operator, tokenHash: "${hashToken(OPERATOR)}" }`];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-upgrade-'));
    ring = await EtcdRing.start({ size: 3 });
    server = await RingsideServer.start({
      clusters: [{ name: 'c', endpoints: [ring.members[0].clientURL], metrics: { enabled: false } }],
      hashCheckIntervalMs: 1000,
      dataDir: path.join(dir, 'data'),
      extraYaml: [...auth, 'backups:', `  dir: ${path.join(dir, 'backups')}`].join('\n'),
    });
    op = new OpsClient(server.url, OPERATOR);
  });
  afterAll(async () => {
    await server?.stop();
    await ring?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const plan = async (to: string, s = server) => {
    const r = await new OpsClient(s.url, OPERATOR).get<UpgradeView>(`/api/clusters/c/upgrade?to=${to}`);
    expect(r.status).toBe(200);
    return r.body;
  };
  const ringState = async () => (await server.json<RingState>('/api/clusters/c/ring')).body;
  const blockers = (v: UpgradeView) => v.checks.filter((c) => !c.ok && c.severity === 'block').map((c) => c.key);

  test('a target that is not a version is a 400 naming the field', async () => {
    for (const [q, field, message] of [
      ['', 'to', 'to: required (string)'],
      ['?to=3.5', 'to', 'to: "3.5" is not an etcd version X.Y.Z, e.g. 3.5.21'],
      ['?to=3.5.21&x=1', 'x', 'x: unknown query parameter "x"'],
    ] as const) {
      const r = await op.get<{ error: { message: string; field: string } }>(`/api/clusters/c/upgrade${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error).toMatchObject({ field, message });
    }
    expect((await op.get('/api/clusters/nope/upgrade?to=3.5.21')).status).toBe(404);
  });

  test("the ring's real versions: every member's status and /version (etcd 3.4.23, cluster version 3.4.0)", async () => {
    await ring.waitFor(async () => (await ringState()).members.every((m) => m.reachable && m.version), { what: 'every member polled' });
    const v = await plan('3.5.21');
    expect(v).toMatchObject({ from: '3.4.23', direction: 'upgrade', unsupported: null, clusterVersion: '3.4.0' });
    expect(v.members.map((m) => [m.version, m.clusterVersion, m.storageVersion])).toEqual([
      ['3.4.23', '3.4.0', null],
      ['3.4.23', '3.4.0', null],
      ['3.4.23', '3.4.0', null],
    ]);
    // What /version really answers on 3.4.23 (no storage version before 3.6).
    const raw = await (await fetch(`${ring.members[0].clientURL}/version`)).json();
    expect(raw).toEqual({ etcdserver: '3.4.23', etcdcluster: '3.4.0' });
    // Already there, and a patch: the same plan reads both.
    expect(await plan('3.4.23')).toMatchObject({ direction: 'none', stage: 'done', blocked: null });
    expect((await plan('3.4.30')).direction).toBe('patch');
    // Two minors at once is not an upgrade etcd supports.
    expect((await plan('3.6.0')).unsupported).toMatch(/one minor at a time: from 3\.4\.23, go to 3\.5 first/);
  });

  test('refused without a snapshot; with one, one member at a time: a follower first, the leader last', async () => {
    const before = await plan('3.5.21');
    expect(blockers(before)).toEqual(['snapshot']);
    expect(before.blocked).toBe('No snapshot of this cluster exists; take one now (at most 60 min old is required).');
    expect(before.steps).toEqual([]);

    expect((await op.run('c', '/backups')).state).toBe('succeeded');
    await ring.waitFor(async () => (await plan('3.5.21')).blocked === null, { what: 'the preflight to pass' });
    const v = await plan('3.5.21');
    const leader = (await ringState()).members.find((m) => m.isLeader)!;
    expect(v.stage).toBe('preflight');
    expect(v.members.filter((m) => m.state === 'next')).toHaveLength(1);
    expect(v.members.filter((m) => m.state === 'waiting')).toHaveLength(2);
    expect(v.members[0].isLeader).toBe(false);
    expect(v.members.at(-1)!.id).toBe(leader.id);
    expect(v.currentId).toBe(v.members[0].id);
    expect(v.steps.map((s) => s.title)).toEqual([
      `Stop etcd on ${v.members[0].name}`,
      'Replace its etcd binary with 3.5.21',
      'Check its flags against the changes below',
      'Start it on 3.5.21 with the same data dir',
    ]);
    expect(v.flagChanges.map((c) => c.flag)).toContain('--logger=capnslog');
    expect(v.checks.find((c) => c.key === 'hashkv')).toMatchObject({ ok: true, message: expect.stringMatching(/agrees on all 3 voters/) });
  });

  test('refused while a member is down, naming it; back once it returns and the hashes agree', async () => {
    await ring.kill('m3');
    await ring.waitFor(async () => blockers(await plan('3.5.21')).includes('healthy'), { what: 'the plan to see m3 down' });
    const down = await plan('3.5.21');
    expect(down.blocked).toMatch(/m3 is not a healthy voter/);
    expect(down.steps).toEqual([]);
    await ring.restart('m3');
    await ring.waitFor(async () => (await plan('3.5.21')).blocked === null, { what: 'the plan to pass again after m3 returned' });
  });

  test('refused when the newest snapshot is older than the limit', async () => {
    // A second Ringside on the same ring whose audit log's newest snapshot is two hours old.
    const data = path.join(dir, 'stale-data');
    mkdirSync(data, { recursive: true });
    const takenAt = new Date(Date.now() - 2 * 3_600_000).toISOString();
    writeFileSync(
      path.join(data, 'audit.jsonl'),
      `${JSON.stringify({ id: 'old', at: takenAt, user: 'alice', via: 'token', cluster: 'c', action: 'snapshot-backup', params: {}, result: 'ok', durationMs: 900, details: { takenAt } })}\n`,
    );
    const other = await RingsideServer.start({ clusters: [{ name: 'c', endpoints: ring.endpoints(), metrics: { enabled: false } }], hashCheckIntervalMs: 1000, dataDir: data, extraYaml: auth.join('\n') });
    try {
      await ring.waitFor(async () => (await plan('3.5.21', other)).checks.find((c) => c.key === 'hashkv')?.ok === true, { what: 'the second Ringside to compare hashes' });
      const v = await plan('3.5.21', other);
      expect(blockers(v)).toEqual(['snapshot']);
      expect(v.blocked).toBe('The newest snapshot is 120 min old; take one now (at most 60 min old is required).');
      expect(v.steps).toEqual([]);
    } finally {
      await other.stop();
    }
  });

  test("the restore the version model picks for 3.4.23 is etcdctl's, and it restores the stored snapshot", async () => {
    const { body } = await op.get<{ snapshots: StoredSnapshot[] }>('/api/clusters/c/backups');
    const snap = body.snapshots[0];
    const state = await ringState();
    const member = state.members.find((m) => m.name === 'm1')!;
    const tool = restoreToolFor(member.version, { kubernetes: false });
    expect(tool).toMatchObject({ kind: 'etcdctl', restore: 'ETCDCTL_API=3 etcdctl snapshot restore', bumpRevision: null, status: 'ETCDCTL_API=3 etcdctl snapshot status' });
    const dataDir = path.join(dir, 'restored-m1');
    const initialCluster = state.members.map((m) => `${m.name}=${m.peerURLs[0]}`).join(',');
    const command = [
      `${tool.restore.replace('etcdctl', shellQuote(ETCDCTL))} ${shellQuote(snap.file)}`,
      `--name=${shellQuote(member.name)}`,
      `--initial-cluster=${shellQuote(initialCluster)}`,
      '--initial-cluster-token=upgrade-test',
      `--initial-advertise-peer-urls=${shellQuote(member.peerURLs[0])}`,
      `--data-dir=${shellQuote(dataDir)}`,
    ].join(' ');
    const r = spawnSync('bash', ['-c', command], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(path.join(dataDir, 'member', 'snap', 'db'))).toBe(true);
    const status = JSON.parse(execFileSync('bash', ['-c', `${tool.status.replace('etcdctl', shellQuote(ETCDCTL))} ${shellQuote(snap.file)} -w json`], { encoding: 'utf8' }));
    expect(status.revision).toBe(snap.status!.revision);
  });
});
