import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Alert } from '@/lib/alerts/tracker';
import { parseExposition } from '@/lib/metrics/exposition';
import type { HistoryResponse } from '@/lib/query/keys';
import type { RingEvent, RingState } from '@/lib/ring/types';
import { EtcdRing } from '../harness/ring';
import { PrometheusServer, PROMTOOL, requirePrometheus } from '../support/prometheus';
import { RingsideServer } from '../support/ringside-server';

/** The last value of each member's series, by member name. */
function lastByName(h: HistoryResponse, key: 'revision' | 'dbSize'): Record<string, number | null> {
  return Object.fromEntries(h.members.map((m) => [m.name, [...h.series[key]![m.id]].reverse().find((v) => v !== null) ?? null]));
}

describe('member metrics, history, alerts and /api/metrics against a real 3-member ring', () => {
  let ring: EtcdRing;
  let server: RingsideServer;
  let seed: string;

  beforeAll(async () => {
    requirePrometheus();
    ring = await EtcdRing.start({ size: 3 });
    seed = ring.endpoints()[0];
    // Metrics from each member's own listener (--listen-metrics-urls), named per member in the config.
    const urls = Object.fromEntries(ring.members.map((m) => [m.name, m.metricsURL]));
    server = await RingsideServer.start({ hashCheckIntervalMs: 2000, clusters: [{ name: 'main', endpoints: [seed], metrics: { urls } }] });
  });
  afterAll(async () => {
    await server?.stop();
    await ring?.close();
  });

  const ringState = async () => (await server.json<RingState>('/api/clusters/main/ring')).body;
  const history = async (metric: string, range = '5m') => (await server.json<HistoryResponse>(`/api/clusters/main/history?metric=${metric}&range=${range}`)).body;

  test('every member is scraped from its configured /metrics and checked against its own ID', async () => {
    for (let i = 0; i < 20; i++) await ring.etcdctl(['put', `/scrape/${i}`, 'v']);
    let body!: RingState;
    await ring.waitFor(
      async () => {
        body = await ringState();
        // etcd measures each peer's round trip every few seconds; the first ones come soon after start.
        return body.members.length === 3 && body.members.every((m) => m.metrics?.walFsyncP99Ms != null && m.metrics.peers.length === 2);
      },
      { what: 'metrics with fsync and peer observations from all three members', timeoutMs: 40_000 },
    );
    for (const m of body.members) {
      expect(m.metricsError).toBeNull();
      expect(m.metricsURL).toBe(`${ring.member(m.name).metricsURL}/metrics`);
      expect(m.metrics!.memberId).toBe(m.id);
      expect(m.metrics!.quotaBytes).toBe(2 * 1024 ** 3);
      expect(m.metrics!.isLeader).toBe(m.isLeader);
      expect(m.metrics!.peers.map((p) => p.to).sort()).toEqual(body.members.filter((x) => x.id !== m.id).map((x) => x.id).sort());
    }
  });

  test('after etcdctl writes, the revision and db size series move on every member', async () => {
    await ring.waitFor(async () => Object.values(lastByName(await history('revision,dbSize'), 'dbSize')).every((v) => v !== null), { what: 'db size history' });
    const before = await history('revision,dbSize');
    const rev0 = lastByName(before, 'revision');
    const db0 = lastByName(before, 'dbSize');
    const value = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 40; i++) expect((await ring.etcdctl(['put', `/grow/${i}`, value])).code).toBe(0);

    let after!: HistoryResponse;
    await ring.waitFor(
      async () => {
        after = await history('revision,dbSize');
        const rev = lastByName(after, 'revision');
        const db = lastByName(after, 'dbSize');
        return Object.keys(rev0).every((n) => rev[n]! >= rev0[n]! + 40 && db[n]! > db0[n]!);
      },
      { what: 'revision +40 and a larger db on every member in the history' },
    );
    expect(after.source).toBe('raw');
    expect(after.stepMs).toBe(1000);
    expect(after.units).toEqual({ revision: 'revision', dbSize: 'bytes' });
    // Every member's series has a value at every poll of a healthy ring.
    for (const m of after.members) expect(after.series.revision![m.id].slice(-5).every((v) => v !== null)).toBe(true);
    // The longer ranges serve the same data downsampled.
    const hour = await history('dbSize', '1h');
    expect(hour.source).toBe('full');
    expect(hour.stepMs).toBe(10_000);
    expect(hour.agg.dbSize).toBe('max');
  });

  test('bad history queries are 400s naming the field', async () => {
    const bad = await server.json<{ error: { field: string; message: string } }>('/api/clusters/main/history?metric=fsync&range=5m');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ field: 'metric' });
    expect(bad.body.error.message).toContain('walFsyncP99Ms');
    expect((await server.json<{ error: { field: string } }>('/api/clusters/main/history?metric=revision&range=2d')).body.error.field).toBe('range');
    expect((await server.json('/api/clusters/nope/history?metric=revision')).status).toBe(404);
  });

  test('a killed member fires etcdMembersDown after its `for` (20 s at 1 s polls) and resolves after restart', async () => {
    // Any member but the configured seed endpoint.
    const victim = ring.members.find((m) => m.clientURL !== seed)!;
    const killedAt = Date.now();
    await ring.kill(victim.name);

    let pending!: Alert;
    await ring.waitFor(
      async () => {
        const { alerts } = (await server.json<{ alerts: Alert[] }>('/api/alerts?state=all')).body;
        pending = alerts.find((a) => a.rule === 'etcdMembersDown' && a.memberName === victim.name)!;
        return Boolean(pending);
      },
      { what: 'etcdMembersDown pending', timeoutMs: 10_000 },
    );
    expect(pending.state).toBe('pending');
    expect(pending.forMs).toBe(20_000);
    // Not among the firing alerts yet.
    expect((await server.json<{ alerts: Alert[] }>('/api/alerts')).body.alerts.filter((a) => a.rule === 'etcdMembersDown')).toEqual([]);

    let firing!: Alert;
    await ring.waitFor(
      async () => {
        firing = (await server.json<{ alerts: Alert[] }>('/api/alerts')).body.alerts.find((a) => a.rule === 'etcdMembersDown')!;
        return Boolean(firing);
      },
      { what: 'etcdMembersDown firing', timeoutMs: 40_000, intervalMs: 500 },
    );
    expect(firing).toMatchObject({ cluster: 'main', severity: 'critical', memberName: victim.name, state: 'firing' });
    const heldFor = Date.parse(firing.firingSince!) - Date.parse(firing.activeSince);
    expect(heldFor).toBeGreaterThanOrEqual(20_000);
    expect(heldFor).toBeLessThan(22_000);
    expect(Date.parse(firing.firingSince!) - killedAt).toBeGreaterThanOrEqual(20_000);
    const metrics = await (await fetch(`${server.url}/api/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`ringside_alert\\{[^}]*alertname="etcdMembersDown"[^}]*alertstate="firing"[^}]*member="${victim.name}"[^}]*\\} 1`));

    await ring.restart(victim.name);
    // Back and answering at once, but its peers' sent-failure rate (etcd-mixin's second way of
    // counting a member down) spans the scrapes around the restart: /metrics is scraped every 15 s
    // and the rate spans 30 s, so it clears within three scrape intervals.
    await ring.waitFor(async () => (await server.json<{ alerts: Alert[] }>('/api/alerts?state=all')).body.alerts.every((a) => a.rule !== 'etcdMembersDown'), {
      what: 'etcdMembersDown resolved',
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    const { events } = (await server.json<{ events: RingEvent[] }>('/api/clusters/main/events')).body;
    const kinds = events.filter((e) => e.rule === 'etcdMembersDown').map((e) => e.kind);
    expect(kinds).toEqual(['alert-resolved', 'alert-firing']);
  }, 120_000);

  test('/api/metrics passes Prometheus’ own parser and linter (promtool) and reads back right', async () => {
    await ring.waitFor(async () => (await ringState()).members.every((m) => m.reachable), { what: 'all members up' });
    await ring.waitFor(async () => /ringside_hashkv_consistent\{cluster="main"\} 1/.test(await (await fetch(`${server.url}/api/metrics`)).text()), {
      what: 'a HashKV verdict in /api/metrics',
    });
    const res = await fetch(`${server.url}/api/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();

    let lint = '';
    try {
      execFileSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    } catch (e) {
      const err = e as { status: number; stdout: string; stderr: string };
      // Exit 3 is lint remarks only; anything else (a parse error) fails here.
      expect(err.status, err.stderr + err.stdout).toBe(3);
      lint = err.stdout + err.stderr;
    }
    expect(lint).not.toMatch(/error|parsing/i);
    // The only remarks are about prom-client's built-in Node.js gauges, never Ringside's own metrics.
    for (const line of lint.split('\n').filter(Boolean)) expect(line).toMatch(/^ringside_nodejs_active_\w+_total non-counter/);

    const fams = parseExposition(text);
    const up = fams.get('ringside_member_up')!.samples;
    expect(up).toHaveLength(3);
    expect(up.every((s) => s.value === 1 && s.labels.cluster === 'main')).toBe(true);
    expect(fams.get('ringside_member_is_leader')!.samples.reduce((a, s) => a + s.value, 0)).toBe(1);
    expect(fams.get('ringside_cluster_has_quorum')!.samples[0].value).toBe(1);
    expect(fams.get('ringside_poll_duration_seconds')!.type).toBe('histogram');
    const revisions = fams.get('ringside_member_revision')!.samples.map((s) => s.value);
    expect(Math.min(...revisions)).toBeGreaterThan(40);
  });

  test('a real Prometheus scrapes Ringside and answers queries about the ring', async () => {
    const prom = await PrometheusServer.start('ringside', [new URL(server.url).host], '/api/metrics');
    try {
      let up: Awaited<ReturnType<PrometheusServer['query']>> = [];
      await ring.waitFor(
        async () => {
          up = await prom.query('ringside_member_up{cluster="main"} == 1');
          return up.length === 3;
        },
        { what: 'Prometheus to see three members up', timeoutMs: 20_000, intervalMs: 500 },
      );
      expect(up.map((r) => r.metric.member).sort()).toEqual(['m1', 'm2', 'm3']);
      expect(await prom.query('up{job="ringside"}')).toEqual([expect.objectContaining({ value: [expect.any(Number), '1'] })]);
      const leaders = await prom.query('sum(ringside_member_is_leader{cluster="main"})');
      expect(leaders[0].value[1]).toBe('1');
    } finally {
      await prom.stop();
    }
  });
});
