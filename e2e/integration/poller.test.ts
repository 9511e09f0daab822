import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ClusterMonitor } from '@/lib/monitor/cluster-monitor';
import type { RingEvent } from '@/lib/ring/types';
import { EtcdRing } from '../harness/ring';

describe('the poller on a real ring', () => {
  let ring: EtcdRing;
  let monitor: ClusterMonitor;
  const timeoutMs = 600;

  beforeAll(async () => {
    ring = await EtcdRing.start({ size: 3 });
    monitor = new ClusterMonitor({ name: 'p', endpoints: [ring.endpoints()[0]] }, { pollIntervalMs: 1000, requestTimeoutMs: timeoutMs });
  });
  afterAll(async () => {
    await monitor?.stop();
    await ring?.close();
  });

  test('discovers every member from one endpoint in the first poll', async () => {
    const s = await monitor.pollNow();
    expect(s.members).toHaveLength(3);
    expect(s.members.every((m) => m.reachable)).toBe(true);
    expect(s.leader).not.toBeNull();
  });

  test('a frozen (SIGSTOP) member costs the poll at most its deadline; the others still report', async () => {
    const leader = await ring.leaderName();
    const frozen = ring.members.find((m) => m.name !== leader)!;
    ring.freeze(frozen.name);
    try {
      await monitor.pollNow(); // the first poll after the freeze may catch a half-open connection
      const durations: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        const s = await monitor.pollNow();
        durations.push(performance.now() - t0);
        const f = s.members.find((m) => m.name === frozen.name)!;
        expect(f.reachable).toBe(false);
        expect(f.error).toMatch(/timed out/);
        expect(s.members.filter((m) => m.reachable)).toHaveLength(2);
        expect(s.quorum.hasQuorum).toBe(true);
      }
      // Deadline plus scheduling slack on a shared machine; without per-call deadlines this would hang.
      expect(Math.max(...durations)).toBeLessThan(timeoutMs + 400);
    } finally {
      ring.thaw(frozen.name);
    }
    await ring.waitFor(async () => (await monitor.pollNow()).members.every((m) => m.reachable), { what: 'thawed member back' });
  });

  test('a member added (as a learner) and later removed appears and disappears without a restart', async () => {
    const events: RingEvent[] = [];
    const off = monitor.subscribe((msg) => msg.type === 'ring-event' && events.push(msg.event));
    const learner = await ring.addMember({ learner: true });
    await ring.waitFor(async () => {
      const s = await monitor.pollNow();
      const m = s.members.find((x) => x.name === learner.name);
      return Boolean(m?.reachable && m.isLearner);
    }, { what: 'the learner to appear reachable', timeoutMs: 30_000 });
    let s = monitor.ring!;
    expect(s.members).toHaveLength(4);
    expect(s.quorum.voters).toBe(3);

    const id = s.members.find((m) => m.name === learner.name)!.id;
    // Not through the learner: it refuses the RPC.
    const rm = await ring.etcdctl(['member', 'remove', id], { endpoints: [ring.members[0].clientURL] });
    expect(rm.code, rm.stderr).toBe(0);
    await ring.waitFor(async () => (await monitor.pollNow()).members.length === 3, { what: 'the removed member to disappear' });
    s = monitor.ring!;
    expect(s.members.some((m) => m.id === id)).toBe(false);
    off();
    expect(events.map((e) => e.kind)).toContain('member-added');
    expect(events.filter((e) => e.kind === 'member-removed').map((e) => e.memberId)).toEqual([id]);
  });
});
