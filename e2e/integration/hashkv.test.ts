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
