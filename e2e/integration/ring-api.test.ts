import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RingEvent, RingState } from '@/lib/ring/types';
import type { ClusterSummary } from '@/lib/ring/summary';
import { EtcdRing, parseJsonBig } from '../harness/ring';
import { RingsideServer } from '../support/ringside-server';

interface EtcdctlStatus {
  Endpoint: string;
  Status: { header: { member_id: string | number; revision: number }; leader: string | number; raftIndex: number };
}

/** `etcdctl endpoint status --cluster -w json`, with IDs in hex as the API shows them. */
async function etcdctlStatus(ring: EtcdRing) {
  const r = await ring.etcdctl(['endpoint', 'status', '--cluster', '-w', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return (parseJsonBig(r.stdout) as EtcdctlStatus[]).map((s) => ({
    endpoint: s.Endpoint,
    id: BigInt(s.Status.header.member_id).toString(16),
    leader: BigInt(s.Status.leader).toString(16),
    revision: Number(s.Status.header.revision),
  }));
}

describe('the ring API against a real 3-member ring', () => {
  let ring: EtcdRing;
  let server: RingsideServer;

  beforeAll(async () => {
    ring = await EtcdRing.start({ size: 3 });
    server = await RingsideServer.start({ clusters: [{ name: 'main', endpoints: [ring.endpoints()[0]] }] });
  });
  afterAll(async () => {
    await server?.stop();
    await ring?.close();
  });

  test('/ring agrees with etcdctl endpoint status on member IDs, leader and revisions', async () => {
    for (let i = 0; i < 5; i++) await ring.etcdctl(['put', `/ringside/k${i}`, 'v']);
    const truth = await etcdctlStatus(ring);
    // Quiet ring: every member converges on the same revision; wait until Ringside has seen it.
    const target = Math.max(...truth.map((t) => t.revision));
    let body!: RingState;
    await ring.waitFor(
      async () => {
        body = (await server.json<RingState>('/api/clusters/main/ring')).body;
        return body.members.every((m) => m.revision === target);
      },
      { what: `Ringside to see revision ${target} on every member` },
    );

    expect(body.members.map((m) => m.id).sort()).toEqual(truth.map((t) => t.id).sort());
    expect(body.leader).toBe(truth[0].leader);
    for (const t of truth) {
      const m = body.members.find((x) => x.id === t.id)!;
      expect(m.endpoint).toBe(t.endpoint);
      expect(m.revision).toBe(t.revision);
      expect(m.isLeader).toBe(t.id === t.leader);
      expect(m.name).toMatch(/^m\d$/);
      expect(m.version).toBe('3.4.23');
    }
    expect(body.quorum).toEqual({ voters: 3, healthy: 3, needed: 2, canLose: 1, hasQuorum: true });
    expect(body.health).toBe('healthy');
    expect(typeof body.at).toBe('string');
  });

  test('/clusters lists the cluster with its leader and margin; /healthz answers', async () => {
    const { status, body } = await server.json<{ clusters: ClusterSummary[] }>('/api/clusters');
    expect(status).toBe(200);
    expect(body.clusters).toHaveLength(1);
    expect(body.clusters[0]).toMatchObject({ name: 'main', health: 'healthy', quorum: { canLose: 1 } });
    expect(body.clusters[0].leader?.name).toBe(await ring.leaderName());
    expect((await server.json('/api/healthz')).status).toBe(200);
  });

  test('unknown cluster is a JSON 404, a malformed name a 400 naming the field', async () => {
    const missing = await server.json<{ error: { code: string; message: string } }>('/api/clusters/nope/ring');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toEqual({ code: 'NOT_FOUND', message: 'no cluster named "nope" is configured' });
    const bad = await server.json<{ error: { field: string; message: string } }>('/api/clusters/Bad_Name/stream');
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('name');
    expect(bad.body.error.message).toContain('"Bad_Name" is not a cluster name');
    const unknownRoute = await server.json<{ error: { code: string } }>('/api/nothing-here');
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.body.error.code).toBe('NOT_FOUND');
  });

  test('the stream sends the ring at once and a member-down event after a SIGKILL', async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${server.url}/api/clusters/main/stream`, { signal: ctrl.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    const frames: { event: string; data: unknown }[] = [];
    const readUntil = async (pred: () => boolean, ms: number) => {
      const deadline = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`stream: condition not met in ${ms} ms; got ${frames.map((f) => f.event).join(',')}`);
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buf += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) frames.push({ event, data: JSON.parse(data) });
        }
      }
    };
    try {
      await readUntil(() => frames.some((f) => f.event === 'ring'), 3000);
      const leader = await ring.leaderName();
      const follower = ring.members.find((m) => m.name !== leader)!;
      const killedAt = Date.now();
      await ring.kill(follower.name);
      await readUntil(() => frames.some((f) => f.event === 'ring-event' && (f.data as RingEvent).kind === 'member-down'), 10_000);
      const ev = frames.find((f) => f.event === 'ring-event')!.data as RingEvent;
      expect(ev).toMatchObject({ kind: 'member-down', memberName: follower.name, cluster: 'main' });
      expect(Date.now() - killedAt).toBeLessThan(10_000);
      await ring.restart(follower.name);
      await readUntil(() => frames.some((f) => f.event === 'ring-event' && (f.data as RingEvent).kind === 'member-up'), 10_000);
      const events = (await server.json<{ events: RingEvent[] }>('/api/clusters/main/events')).body.events;
      expect(events.map((e) => e.kind).slice(0, 2)).toEqual(['member-up', 'member-down']);
    } finally {
      ctrl.abort();
    }
  });
});
