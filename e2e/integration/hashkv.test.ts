import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Alert } from '@/lib/alerts/tracker';
import type { HashCheck } from '@/lib/ring/hashkv';
import type { RingState } from '@/lib/ring/types';
import { corruptFollower } from '../harness/corrupt';
import { EtcdRing } from '../harness/ring';
import { RingsideServer } from '../support/ringside-server';

type HashBody = HashCheck & { history: { consistent: boolean | null }[] };

describe('HashKV agreement on a real ring', () => {
  let ring: EtcdRing;
  let server: RingsideServer;

  beforeAll(async () => {
    ring = await EtcdRing.start({ size: 3, corruptionChecks: true });
    server = await RingsideServer.start({ clusters: [{ name: 'c', endpoints: [ring.endpoints()[0]] }], hashCheckIntervalMs: 1000 });
  });
  afterAll(async () => {
    await server?.stop();
    await ring?.close();
  });

  test('healthy members agree at a common revision, even under writes', async () => {
    const writes = (async () => {
      for (let i = 0; i < 40; i++) await ring.etcdctl(['put', `/load/${i}`, `v${i}`]);
    })();
    let body!: HashBody;
    await ring.waitFor(async () => {
      body = (await server.json<HashBody>('/api/clusters/c/hashkv')).body;
      return body.history.filter((h) => h.consistent === true).length >= 3;
    }, { what: 'three agreeing checks', timeoutMs: 30_000 });
    await writes;
    expect(body.history.every((h) => h.consistent !== false)).toBe(true);
    expect(body.members.map((m) => m.verdict)).toEqual(['agree', 'agree', 'agree']);
    expect(body.members.every((m) => typeof m.hash === 'number')).toBe(true);
  });

  test('a corrupted follower is MISMATCH alone, within 20 s, next to the CORRUPT alarm', async () => {
    const leader = await ring.leaderName();
    const victim = ring.members.find((m) => m.name !== leader)!.name;
    await corruptFollower(ring, victim);
    const restartedAt = Date.now();
    await ring.restart(victim, ['--experimental-initial-corrupt-check=false']);

    let check!: HashBody;
    await ring.waitFor(async () => {
      check = (await server.json<HashBody>('/api/clusters/c/hashkv')).body;
      return check.consistent === false;
    }, { what: 'a hash mismatch', timeoutMs: 20_000 });
    expect(Date.now() - restartedAt).toBeLessThan(20_000);
    const mismatched = check.members.filter((m) => m.verdict === 'mismatch').map((m) => m.name);
    expect(mismatched).toEqual([victim]);
    expect(check.leaderSide).toBe('majority');

    let ringState!: RingState;
    await ring.waitFor(async () => {
      ringState = (await server.json<RingState>('/api/clusters/c/ring')).body;
      return ringState.alarms.some((a) => a.alarm === 'CORRUPT');
    }, { what: 'the CORRUPT alarm', timeoutMs: 20_000 - (Date.now() - restartedAt) });
    expect(ringState.health).toBe('alarm');

    // What etcd-mixin cannot alert on: both fire at once, in Ringside's alerts and its /api/metrics.
    let alerts: Alert[] = [];
    await ring.waitFor(async () => {
      alerts = (await server.json<{ alerts: Alert[] }>('/api/alerts')).body.alerts;
      return ['ringsideHashMismatch', 'ringsideCorruptAlarm'].every((r) => alerts.some((a) => a.rule === r));
    }, { what: 'ringsideHashMismatch and ringsideCorruptAlarm firing', timeoutMs: 5000 });
    const mismatch = alerts.find((a) => a.rule === 'ringsideHashMismatch')!;
    expect(mismatch).toMatchObject({ severity: 'critical', forMs: 0 });
    expect(mismatch.message).toContain(`${victim} differs`);
    const metrics = await (await fetch(`${server.url}/api/metrics`)).text();
    expect(metrics).toContain('ringside_hashkv_consistent{cluster="c"} 0');
    expect(metrics).toMatch(new RegExp(`ringside_member_hashkv_mismatch\\{cluster="c",member="${victim}",[^}]*\\} 1`));
    expect(metrics).toMatch(/ringside_alarm_active\{cluster="c",alarm="CORRUPT",member_id="0"\} 1/);
  });
});

describe('HashKV runs at once when a member comes back or membership changes, not a full interval later', () => {
  let ring: EtcdRing;
  let server: RingsideServer;
  // Five minutes: any check in the next few seconds was pulled forward by what happened.
  const INTERVAL = 300_000;

  beforeAll(async () => {
    ring = await EtcdRing.start({ size: 3 });
    server = await RingsideServer.start({ clusters: [{ name: 'c', endpoints: ring.endpoints(), metrics: { enabled: false } }], hashCheckIntervalMs: INTERVAL });
  });
  afterAll(async () => {
    await server?.stop();
    await ring?.close();
  });

  const hashes = async () => (await server.json<HashBody>('/api/clusters/c/hashkv')).body;

  test('the first check follows the first poll; a member back up is checked at once', async () => {
    let check!: HashBody;
    await ring.waitFor(async () => {
      check = await hashes();
      return check.members?.filter((m) => m.verdict === 'agree').length === 3;
    }, { what: 'a first check with three agreeing members', timeoutMs: 15_000 });
    const first = check.checkedAt;

    const leader = await ring.leaderName();
    const victim = ring.members.find((m) => m.name !== leader)!.name;
    await ring.kill(victim);
    await ring.waitFor(async () => (await server.json<RingState>('/api/clusters/c/ring')).body.members.some((m) => m.name === victim && !m.reachable), { what: `${victim} seen down`, timeoutMs: 10_000 });
    // Down is not a reason to hash again: the interval's check will skip it.
    expect((await hashes()).checkedAt).toBe(first);

    await ring.restart(victim);
    await ring.waitFor(async () => {
      check = await hashes();
      return check.checkedAt !== first && check.members.some((m) => m.name === victim && m.verdict === 'agree');
    }, { what: `a check that includes ${victim} again, long before the ${INTERVAL / 60_000} minute interval`, timeoutMs: 20_000 });
    expect(check.consistent).toBe(true);
  });

  test('a learner added is checked at once (and skipped as a learner, never passed)', async () => {
    const before = (await hashes()).checkedAt;
    const learner = await ring.addMember({ learner: true });
    let check!: HashBody;
    await ring.waitFor(async () => {
      check = await hashes();
      return check.checkedAt !== before && check.members.some((m) => m.name === learner.name);
    }, { what: `a check that lists the learner ${learner.name}`, timeoutMs: 20_000 });
    expect(check.members.find((m) => m.name === learner.name)).toMatchObject({ verdict: 'skipped', skip: 'learner' });
  });
});
