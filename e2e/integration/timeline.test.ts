import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashToken } from '@/lib/auth/password';
import type { TimelineEntry } from '@/lib/timeline/types';
import { EtcdRing } from '../harness/ring';
import { OpsClient } from '../support/ops-client';
import { RingsideServer } from '../support/ringside-server';

const TOKEN = 'timeline-token-0123456789abcdef0123456789';

describe('the incident timeline on a real ring', () => {
  let ring: EtcdRing;
  let server: RingsideServer;
  let dir: string;
  let options: Parameters<typeof RingsideServer.start>[0];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-timeline-'));
    ring = await EtcdRing.start({ size: 3 });
    options = {
      // Every member as a seed: the member killed below may be the first one.
      clusters: [{ name: 'c', endpoints: ring.members.map((m) => m.clientURL), metrics: { enabled: false } }],
      dataDir: path.join(dir, 'data'),
      extraYaml: ['auth:', '  users:', `    - { name: alice, role: operator, tokenHash: "${hashToken(TOKEN)}" }`, 'backups:', `  dir: ${path.join(dir, 'backups')}`].join('\n'),
    };
    server = await RingsideServer.start(options);
  });
  afterAll(async () => {
    await server?.stop();
    await ring?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const timeline = async (query = 'cluster=c&last=1h') => (await server.json<{ entries: TimelineEntry[] }>(`/api/timeline?${query}`)).body.entries;
  const kinds = (es: TimelineEntry[]) => es.map((e) => `${e.kind}${e.memberName ? `:${e.memberName}` : ''}`);

  test('a kill, a leader change and a snapshot action, in order, kept across a restart and a kill -9', async () => {
    await ring.waitFor(async () => (await server.json<{ leader: string | null }>('/api/clusters/c/ring')).body.leader !== null, { what: 'a leader' });
    const leader = (await ring.leaderName())!;
    const follower = ring.members.find((m) => m.name !== leader)!.name;
    await ring.kill(follower);
    await ring.waitFor(async () => kinds(await timeline()).includes(`member-down:${follower}`), { what: 'member-down in the timeline' });
    await ring.kill(leader);
    await ring.restart(follower);
    await ring.waitFor(async () => kinds(await timeline()).some((k) => k.startsWith('leader-changed')), { what: 'leader-changed', timeoutMs: 30_000 });
    // The first leader-changed can be "no leader"; a snapshot needs the ring led again.
    await ring.waitFor(async () => (await server.json<{ quorum: { hasQuorum: boolean } }>('/api/clusters/c/ring')).body.quorum.hasQuorum, { what: 'quorum again', timeoutMs: 30_000 });
    const snap = await new OpsClient(server.url, TOKEN).run('c', '/backups');
    expect(snap.state, JSON.stringify(snap)).toBe('succeeded');
    await ring.waitFor(async () => kinds(await timeline()).some((k) => k.startsWith('action')), { what: 'the action' });

    const before = await timeline();
    const order = kinds(before);
    const down = order.indexOf(`member-down:${follower}`);
    const change = order.findIndex((k) => k.startsWith('leader-changed'));
    const action = order.findIndex((k) => k.startsWith('action'));
    expect(down).toBeGreaterThanOrEqual(0);
    expect(change).toBeGreaterThan(down);
    expect(action).toBeGreaterThan(change);
    expect(before[action].message).toMatch(/^alice saved a snapshot of m\d$/);
    expect(before.map((e) => e.at)).toEqual([...before.map((e) => e.at)].sort());

    // A clean restart, then a kill -9 right after the next event: at most the last flush is lost.
    await server.stop();
    server = await RingsideServer.start(options);
    expect(kinds(await timeline())).toEqual(expect.arrayContaining(kinds(before)));
    // The new process must have seen the old leader down before it comes back, or there is no "up".
    await ring.waitFor(
      async () => (await server.json<{ members: { name: string; reachable: boolean }[] }>('/api/clusters/c/ring')).body.members?.some((m) => m.name === leader && !m.reachable),
      { what: `the restarted Ringside to see ${leader} down` },
    );
    await ring.restart(leader);
    await ring.waitFor(async () => kinds(await timeline()).includes(`member-up:${leader}`), { what: 'member-up after the restart' });
    await new Promise((r) => setTimeout(r, 600)); // more than one flush interval (250 ms)
    await server.crash();
    server = await RingsideServer.start(options);
    const after = kinds(await timeline());
    expect(after).toEqual(expect.arrayContaining([...kinds(before), `member-up:${leader}`]));

    // Filters and a permalink window.
    expect(kinds(await timeline(`cluster=c&last=1h&kind=action`)).every((k) => k.startsWith('action'))).toBe(true);
    expect(kinds(await timeline(`cluster=c&last=1h&member=${follower}`)).every((k) => k.endsWith(`:${follower}`))).toBe(true);
    const at = Date.parse(before[down].at);
    expect(kinds(await timeline(`cluster=c&from=${new Date(at).toISOString()}&to=${new Date(at).toISOString()}`))).toContain(`member-down:${follower}`);
    expect((await server.json('/api/timeline?kind=nope')).status).toBe(400);
    expect((await server.json('/api/timeline?cluster=zzz')).status).toBe(404);
  });
});
