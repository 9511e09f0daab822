import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashToken } from '@/lib/auth/password';
import type { ReplacementView } from '@/lib/ops/types';
import type { HashCheck } from '@/lib/ring/hashkv';
import type { RingState } from '@/lib/ring/types';
import { corruptFollower } from '../harness/corrupt';
import { startLauncher, type Launcher } from '../harness/launcher';
import { EtcdRing } from '../harness/ring';
import { OpsClient } from '../support/ops-client';
import { RingsideServer } from '../support/ringside-server';

const TOKEN = 'corrupt-token-0123456789abcdef01234567';

/** KubeOne's corruption guide, guided: find the member, replace it, confirm hashes, then disarm. */
describe('recovering from real corruption', () => {
  let ring: EtcdRing;
  let launcher: Launcher;
  let server: RingsideServer;
  let op: OpsClient;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-corrupt-'));
    ring = await EtcdRing.start({ size: 3, corruptionChecks: true });
    launcher = await startLauncher(ring);
    server = await RingsideServer.start({
      clusters: [{ name: 'c', endpoints: [ring.members[0].clientURL], launcher: launcher.url, metrics: { enabled: false } }],
      hashCheckIntervalMs: 1000,
      dataDir: path.join(dir, 'data'),
      extraYaml: ['auth:', '  users:', `    - { name: alice, role: operator, tokenHash: "${hashToken(TOKEN)}" }`, 'backups:', `  dir: ${path.join(dir, 'backups')}`].join('\n'),
    });
    op = new OpsClient(server.url, TOKEN);
  });
  afterAll(async () => {
    await server?.stop();
    await launcher?.close();
    await ring?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('CORRUPT stays armed until the diverged member is replaced and every hash agrees', async () => {
    const leader = await ring.leaderName();
    const victim = ring.members.find((m) => m.name !== leader)!.name;
    await corruptFollower(ring, victim);
    await ring.restart(victim, ['--experimental-initial-corrupt-check=false']);
    await ring.waitFor(async () => {
      const r = (await server.json<RingState>('/api/clusters/c/ring')).body;
      const h = (await server.json<HashCheck>('/api/clusters/c/hashkv')).body;
      return r.alarms.some((a) => a.alarm === 'CORRUPT') && h.consistent === false;
    }, { what: 'CORRUPT and a hash split', timeoutMs: 30_000 });

    const refused = await op.post('/api/clusters/c/alarms/disarm', { alarm: 'CORRUPT', confirm: 'c' });
    expect(refused.status).toBe(409);
    expect(JSON.stringify(refused.body)).toMatch(/HashKV disagrees/);

    const victimId = (await server.json<RingState>('/api/clusters/c/ring')).body.members.find((m) => m.name === victim)!.id;
    // Snapshots never come from the member whose data differs.
    const backup = await op.run('c', '/backups');
    expect(backup.state, JSON.stringify(backup)).toBe('succeeded');
    expect(backup.member!.name).not.toBe(victim);

    const pre = (await op.get<ReplacementView>(`/api/clusters/c/replacement?member=${victimId}`)).body;
    expect(pre.checks.find((c) => c.key === 'target-down')!.message).toMatch(/data disagrees with the majority/);
    expect(pre.checks.filter((c) => !c.ok && c.severity === 'block')).toEqual([]);
    const removed = await op.run('c', `/members/${victimId}/remove`, { confirm: victim });
    expect(removed.state, JSON.stringify(removed)).toBe('succeeded');
    const add = (await op.get<ReplacementView>('/api/clusters/c/replacement')).body;
    expect((await op.run('c', '/members', add.suggestion)).state).toBe('succeeded');
    const start = (await op.get<ReplacementView>('/api/clusters/c/replacement')).body;
    const launched = await op.run('c', `/members/${start.learner!.id}/launch`);
    expect(launched.state, JSON.stringify(launched)).toBe('succeeded');
    const promoted = await op.run('c', `/members/${start.learner!.id}/promote`);
    expect(promoted.state, JSON.stringify(promoted)).toBe('succeeded');

    const disarmed = await op.run('c', '/alarms/disarm', { alarm: 'CORRUPT', confirm: 'c' });
    expect(disarmed.state, JSON.stringify(disarmed)).toBe('succeeded');
    const after = (await server.json<RingState>('/api/clusters/c/ring')).body;
    expect(after.alarms).toEqual([]);
    expect((await ring.etcdctl(['put', '/after', 'ok'])).code).toBe(0);
  });
});
