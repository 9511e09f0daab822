import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashToken } from '@/lib/auth/password';
import type { AuditEntry } from '@/lib/audit/types';
import type { ReplacementView, StoredSnapshot } from '@/lib/ops/types';
import type { RingState } from '@/lib/ring/types';
import { startLauncher, type Launcher } from '../harness/launcher';
import { EtcdRing } from '../harness/ring';
import { OpsClient } from '../support/ops-client';
import { RingsideServer } from '../support/ringside-server';

const OPERATOR = 'op-token-0123456789abcdef0123456789abcdef';
const VIEWER = 'viewer-token-0123456789abcdef0123456789ab';

describe('guided member replacement through the API, on a real ring', () => {
  let ring: EtcdRing;
  let launcher: Launcher;
  let server: RingsideServer;
  let op: OpsClient;
  let dir: string;
  let options: Parameters<typeof RingsideServer.start>[0];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-ops-'));
    ring = await EtcdRing.start({ size: 3 });
    launcher = await startLauncher(ring);
    options = {
      clusters: [{ name: 'c', endpoints: [ring.members[0].clientURL], launcher: launcher.url, metrics: { enabled: false } }],
      hashCheckIntervalMs: 2000,
      dataDir: path.join(dir, 'data'),
      extraYaml: [
        'auth:',
        '  users:',
        `    - { name: alice, role: operator, tokenHash: "${hashToken(OPERATOR)}" }`,
        `    - { name: victor, role: viewer, tokenHash: "${hashToken(VIEWER)}" }`,
        'backups:',
        `  dir: ${path.join(dir, 'backups')}`,
        '  keep: 2',
      ].join('\n'),
    };
    server = await RingsideServer.start(options);
    op = new OpsClient(server.url, OPERATOR);
  });
  afterAll(async () => {
    await server?.stop();
    await launcher?.close();
    await ring?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const ringState = async () => (await server.json<RingState>('/api/clusters/c/ring')).body;
  const idOf = async (name: string) => (await ringState()).members.find((m) => m.name === name)!.id;
  const view = async (member?: string) => (await op.get<ReplacementView>(`/api/clusters/c/replacement${member ? `?member=${member}` : ''}`)).body;

  test('replace a killed member: refusals first, then remove, add, launch, promote, verified', async () => {
    const m2 = await idOf('m2');
    const m3 = await idOf('m3');
    await ring.kill('m3');
    await ring.waitFor(async () => (await ringState()).members.find((m) => m.id === m3)?.reachable === false, { what: 'm3 down' });

    // No snapshot yet: the preflight says so and the removal is refused.
    let v = await view(m3);
    expect(v.step).toBe('preflight');
    expect(v.checks.find((c) => c.key === 'snapshot')!.ok).toBe(false);
    const noSnap = await op.post(`/api/clusters/c/members/${m3}/remove`, { confirm: 'm3' });
    expect(noSnap.status).toBe(409);
    expect(JSON.stringify(noSnap.body)).toMatch(/No snapshot of this cluster exists/);

    const backup = await op.run('c', '/backups');
    expect(backup.state).toBe('succeeded');
    const stored = (await op.get<{ snapshots: StoredSnapshot[] }>('/api/clusters/c/backups')).body.snapshots;
    expect(stored).toHaveLength(1);
    const etcdctlStatus = JSON.parse(execFileSync('/usr/bin/etcdctl', ['snapshot', 'status', stored[0].file, '-w', 'json'], { encoding: 'utf8' }));
    expect(stored[0].status).toEqual({ hash: etcdctlStatus.hash.toString(16), revision: etcdctlStatus.revision, totalKey: etcdctlStatus.totalKey, totalSize: etcdctlStatus.totalSize });
    expect(stored[0].restore.commands.map((c) => c.member).sort()).toEqual(['m1', 'm2', 'm3']);

    // A healthy member while another is down: refused, naming why. A wrong confirmation: 400.
    const healthy = await op.post(`/api/clusters/c/members/${m2}/remove`, { confirm: 'm2' });
    expect(healthy.status).toBe(409);
    expect(JSON.stringify(healthy.body)).toMatch(/m2 is healthy while m3 is down/);
    expect((await op.post(`/api/clusters/c/members/${m3}/remove`, { confirm: 'm2' })).status).toBe(400);
    expect((await new OpsClient(server.url, VIEWER).post(`/api/clusters/c/members/${m3}/remove`, { confirm: 'm3' })).status).toBe(403);

    v = await view(m3);
    expect(v.checks.filter((c) => !c.ok && c.severity === 'block')).toEqual([]);
    const removed = await op.run('c', `/members/${m3}/remove`, { confirm: 'm3' });
    expect(removed.state, JSON.stringify(removed)).toBe('succeeded');

    v = await view();
    expect(v.step).toBe('add');
    expect(v.suggestion!.name).toBe('m3');
    const added = await op.run('c', '/members', v.suggestion);
    expect(added.state, JSON.stringify(added)).toBe('succeeded');

    v = await view();
    expect(v.step).toBe('start');
    expect(v.instructions!.flags).toContain('--initial-cluster-state=existing');
    expect(v.instructions!.initialCluster.split(',')).toHaveLength(3);
    const learnerId = v.learner!.id;
    const launched = await op.run('c', `/members/${learnerId}/launch`);
    expect(launched.state, JSON.stringify(launched)).toBe('succeeded');

    v = await view();
    expect(['catch-up', 'promote']).toContain(v.step);
    const promoted = await op.run('c', `/members/${learnerId}/promote`);
    expect(promoted.state, JSON.stringify(promoted)).toBe('succeeded');
    expect(promoted.details).toMatchObject({ verified: true });

    await ring.waitFor(async () => (await view()).step === 'done', { what: 'the wizard to say done', timeoutMs: 20_000 });
    v = await view();
    expect(v.etcdServers!.split(',')).toHaveLength(3);
    const state = await ringState();
    expect(state.members.filter((m) => !m.isLearner && m.reachable)).toHaveLength(3);

    const audit = (await op.get<{ entries: AuditEntry[] }>('/api/clusters/c/audit')).body.entries;
    const done = audit.filter((e) => e.result === 'ok').map((e) => e.action);
    expect(done).toEqual(expect.arrayContaining(['snapshot-backup', 'member-remove', 'member-add', 'member-launch', 'member-promote']));
    const refused = audit.filter((e) => e.result === 'refused');
    expect(refused.map((e) => e.error).join(' ')).toMatch(/healthy while m3 is down/);
    expect(audit.every((e) => e.user === 'alice')).toBe(true);
    // The file on disk is the same log, one JSON line per entry.
    const lines = readFileSync(path.join(dir, 'data', 'audit.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBe(audit.length);
  });

  test('rolling defragment: followers first, leadership moved before the leader', async () => {
    const before = await ringState();
    const leader = before.members.find((m) => m.isLeader)!;
    const result = await op.run('c', '/defragment');
    expect(result.state, JSON.stringify(result)).toBe('succeeded');
    const names = result.steps.map((s) => s.name);
    const moveAt = names.findIndex((n) => n.startsWith(`Move leadership from ${leader.name}`));
    const leaderDefragAt = names.indexOf(`Defragment ${leader.name}`);
    expect(moveAt).toBeGreaterThan(0);
    expect(leaderDefragAt).toBeGreaterThan(moveAt);
    expect(names.filter((n) => n.startsWith('Defragment '))).toHaveLength(3);
    expect(result.steps.find((s) => s.name === `Defragment ${leader.name}`)!.detail).toMatch(/db .* → .* \(.* in use\)/);
  });

  test('move the leader to a chosen voter, and refuse a learner or the leader itself', async () => {
    const s = await ringState();
    const follower = s.members.find((m) => !m.isLeader)!;
    const moved = await op.run('c', '/move-leader', { to: follower.id });
    expect(moved.state).toBe('succeeded');
    expect((await ringState()).leader).toBe(follower.id);
    const again = await op.post('/api/clusters/c/move-leader', { to: follower.id });
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toMatch(/already leads/);
    expect((await op.post('/api/clusters/c/move-leader', { to: 'zz' })).status).toBe(400);
  });

  test('Ringside restarted mid-way resumes the replacement at the step the ring is at', async () => {
    const m2 = await idOf('m2');
    await ring.kill('m2');
    await ring.waitFor(async () => (await ringState()).members.find((m) => m.id === m2)?.reachable === false, { what: 'm2 down' });
    expect((await op.run('c', `/members/${m2}/remove`, { confirm: 'm2' })).state).toBe('succeeded');
    expect((await op.run('c', '/members', (await view()).suggestion)).state).toBe('succeeded');
    expect((await view()).step).toBe('start');

    await server.stop();
    server = await RingsideServer.start(options);
    op = new OpsClient(server.url, OPERATOR);
    await ring.waitFor(async () => (await op.get<ReplacementView>('/api/clusters/c/replacement')).status === 200, { what: 'the new server to know the ring' });
    const v = await view();
    expect(v.step).toBe('start');
    expect(v.instructions!.name).toBe('m2');
    expect((await op.run('c', `/members/${v.learner!.id}/launch`)).state).toBe('succeeded');
    expect((await op.run('c', `/members/${v.learner!.id}/promote`)).state).toBe('succeeded');
    await ring.waitFor(async () => (await view()).step === 'done', { what: 'done after the restart', timeoutMs: 20_000 });
  });
});
