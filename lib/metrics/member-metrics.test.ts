import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { METRIC_FAMILIES } from '../model/etcd-versions';
import { METRICS_V3_5_33, METRICS_V3_6_14 } from '../model/testdata/etcd-sources/metrics';
import { MetricsTracker, readEtcdScrape } from './member-metrics';

const fixture = (name: string) => readFileSync(path.join(__dirname, 'testdata', name), 'utf8');
const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

// Real scrapes of one leader: after a few writes, after 300 more, after a restart and 20 writes.
const A = fixture('etcd-3.4.23-leader.prom');
const B = fixture('etcd-3.4.23-leader-later.prom');
const C = fixture('etcd-3.4.23-leader-restarted.prom');

describe('readEtcdScrape on real etcd 3.4.23 output', () => {
  test('reads identity, flags, sizes and histograms', () => {
    const s = readEtcdScrape(A, T0);
    expect(s).toMatchObject({
      memberId: 'a8a17421b46f9558',
      version: '3.4.23',
      hasLeader: true,
      isLeader: true,
      dbSize: 20480,
      dbSizeInUse: 20480,
      quotaBytes: 2147483648,
      proposalsPending: 0,
      counters: { proposalsFailed: 0, leaderChanges: 1, slowApplies: 0, heartbeatFailures: 0 },
    });
    expect(s.walFsync?.map((b) => b.count).slice(0, 4)).toEqual([27, 29, 29, 29]);
    expect([...s.peerRtt.keys()].sort()).toEqual(['5375444ee366b783', '5b74a9b43717500']);
    expect(s.processStart).toBe(1795443109.85);
  });
});

describe('MetricsTracker', () => {
  test('the first scrape has no rates or quantiles yet', () => {
    const m = new MetricsTracker().update(readEtcdScrape(A, T0));
    expect(m.walFsyncP99Ms).toBeNull();
    expect(m.backendCommitP99Ms).toBeNull();
    expect(m.proposalsFailed15m).toBeNull();
    expect(m.quotaUsedPct).toBeCloseTo((20480 / 2147483648) * 100, 10);
  });

  test('p99 from bucket deltas between scrapes, through a restart, as the window slides', () => {
    const t = new MetricsTracker();
    t.update(readEtcdScrape(A, T0));

    // A -> B. Commit increases [37, 53, 54, 54, ...]: rank 0.99 * 54 = 53.46 falls in (2 ms, 4 ms],
    // which holds 1; 53.46 - 53 = 0.46 of it: 2 + 2 * 0.46 = 2.92 ms.
    // WAL fsync increases [295, 299, 300, ...]: rank 297 in (1 ms, 2 ms] holding 4, 2 of them: 1.5 ms.
    const b = t.update(readEtcdScrape(B, T0 + 10_000));
    expect(b.backendCommitP99Ms).toBeCloseTo(2.92, 9);
    expect(b.walFsyncP99Ms).toBeCloseTo(1.5, 9);
    expect(b.restarted).toBe(false);

    // B -> C: the member restarted (new process_start_time_seconds), so C's counts are all new.
    // Fsync over the 30 s window: (B - A) + C = [318, 322, 323, ...]; rank 319.77 in
    // (1 ms, 2 ms] holding 4: 1 + 1.77 / 4 = 1.4425 ms.
    const c = t.update(readEtcdScrape(C, T0 + 20_000));
    expect(c.restarted).toBe(true);
    expect(c.walFsyncP99Ms).toBeCloseTo(1.4425, 9);

    // 45 s in, the A -> B increase has left the 30 s window: only C's counts remain.
    // Fsync [23, 23, ...]: rank 22.77 in (0, 1 ms]: 0.99 ms. Commit [8, 8, ...]: rank 7.92: 0.99 ms.
    const later = t.update(readEtcdScrape(C, T0 + 45_000));
    expect(later.walFsyncP99Ms).toBeCloseTo(0.99, 9);
    expect(later.backendCommitP99Ms).toBeCloseTo(0.99, 9);

    // Nothing observed for a whole window: no p99 rather than a made-up zero.
    expect(t.update(readEtcdScrape(C, T0 + 80_000)).walFsyncP99Ms).toBeNull();
  });

  const scrape = (at: number, o: { start?: number; failed?: number; leaderChanges?: number; sent?: number; rtt?: number[] } = {}) =>
    readEtcdScrape(
      [
        `process_start_time_seconds ${o.start ?? 100}`,
        '# TYPE etcd_server_proposals_failed_total counter',
        `etcd_server_proposals_failed_total ${o.failed ?? 0}`,
        `etcd_server_leader_changes_seen_total ${o.leaderChanges ?? 1}`,
        `etcd_network_peer_sent_failures_total{To="b2"} ${o.sent ?? 0}`,
        '# TYPE etcd_network_peer_round_trip_time_seconds histogram',
        ...[0.1, 0.2, Infinity].map((le, i) => `etcd_network_peer_round_trip_time_seconds_bucket{To="b2",le="${le === Infinity ? '+Inf' : le}"} ${o.rtt?.[i] ?? 0}`),
      ].join('\n'),
      at,
    );

  test('15-minute counts add increases, survive a restart, and forget what is older', () => {
    const t = new MetricsTracker();
    t.update(scrape(T0, { failed: 10 }));
    expect(t.update(scrape(T0 + 1000, { failed: 13 })).proposalsFailed15m).toBe(3);
    // Restarted at 2 s with 2 failures since: 3 + 2, although the counter went from 13 to 2.
    expect(t.update(scrape(T0 + 2000, { failed: 2, start: 200 })).proposalsFailed15m).toBe(5);
    // A restart whose counter already passed the old value is still a reset (start time changed).
    expect(t.update(scrape(T0 + 3000, { failed: 20, start: 300 })).proposalsFailed15m).toBe(25);
    // 15 minutes after the first increase it has left the window: 25 - 3.
    expect(t.update(scrape(T0 + 1000 + 15 * 60_000, { failed: 20, start: 300 })).proposalsFailed15m).toBe(22);
  });

  test('peer send failures as a rate over the last 4 scrapes, so a peer that is back is soon clear', () => {
    const t = new MetricsTracker(1000);
    t.update(scrape(T0, { sent: 0 }));
    // 2 failures a second for 3 s...
    for (let s = 1; s <= 3; s++) t.update(scrape(T0 + s * 1000, { sent: 2 * s }));
    expect(t.update(scrape(T0 + 4000, { sent: 8 })).peers).toEqual([{ to: 'b2', rttP99Ms: null, sentFailuresPerSec: expect.closeTo(2, 12) }]);
    // ...then none: 4 s later the rate is 0 again.
    for (let s = 5; s <= 7; s++) t.update(scrape(T0 + s * 1000, { sent: 8 }));
    expect(t.update(scrape(T0 + 8000, { sent: 8 })).peers[0].sentFailuresPerSec).toBe(0);
  });

  test('at a 15 s scrape the rate spans the real time between the scrapes in its 30 s window, not a nominal one', () => {
    const t = new MetricsTracker(15_000);
    // One failure a second, scraped with jitter (a slow scrape, a late one).
    const at = [0, 14, 31, 44, 61, 75];
    const rates = at.map((s) => t.update(scrape(T0 + s * 1000, { sent: s })).peers[0]?.sentFailuresPerSec ?? null);
    expect(rates[0]).toBeNull();
    // E.g. 30 failures over the 30 s from the scrape at 31 to the one at 61 (a nominal 30 s from 44 would say 1.31/s).
    for (const r of rates.slice(1)) expect(r).toBeCloseTo(1, 12);
  });

  test('at a 15 s scrape a peer that is back is clear within 30 s and a scrape, not a minute (four intervals)', () => {
    const t = new MetricsTracker(15_000);
    // Failing until 30 s, then back.
    for (const s of [0, 15, 30]) t.update(scrape(T0 + s * 1000, { sent: s }));
    const after = [45, 60, 75].map((s) => t.update(scrape(T0 + s * 1000, { sent: 30 })).peers[0].sentFailuresPerSec);
    expect(after[0]).toBeGreaterThan(0.01);
    expect(after[2]).toBe(0);
  });

  test('peer RTT p99 per peer over its own longer window', () => {
    const t = new MetricsTracker();
    t.update(scrape(T0, { rtt: [0, 0, 0] }));
    // Two round trips: one under 0.1 s, one in (0.1, 0.2]: rank 1.98 -> 0.1 + 0.1 * 0.98 = 0.198 s.
    const m = t.update(scrape(T0 + 30_000, { rtt: [1, 2, 2] }));
    expect(m.peers).toEqual([{ to: 'b2', rttP99Ms: expect.closeTo(198, 9), sentFailuresPerSec: 0 }]);
    expect(m.peerRttP99Ms).toBeCloseTo(198, 9);
    // Still within 5 minutes: the same answer without new observations.
    expect(t.update(scrape(T0 + 200_000, { rtt: [1, 2, 2] })).peerRttP99Ms).toBeCloseTo(198, 9);
  });
});

describe('metric names by version (families from etcd\'s sources at the tags: lib/model/testdata/etcd-sources/metrics.ts)', () => {
  test('real 3.4.23: every charted family served, the cluster version read', () => {
    const s = readEtcdScrape(A, T0);
    expect(s.missing).toEqual([]);
    expect(s.clusterVersion).toBe('3.4');
  });

  /**
   * A 3.5/3.6-shaped /metrics: only families defined at that tag (3.5 dropped
   * etcd_debugging_mvcc_db_total_size_in_bytes), one sample each. Built, not scraped: no 3.5 or
   * 3.6 member runs here.
   */
  const shaped = (metrics: Readonly<Record<string, string>>, clusterVersion: string) => {
    const lines: string[] = ['process_start_time_seconds 100'];
    for (const { names } of Object.values(METRIC_FAMILIES)) {
      const name = names.find((n) => n in metrics);
      if (!name) continue;
      if (/duration_seconds|round_trip_time/.test(name)) {
        lines.push(`# TYPE ${name} histogram`, `${name}_bucket{${name.includes('round_trip') ? 'To="b2",' : ''}le="0.001"} 1`, `${name}_bucket{${name.includes('round_trip') ? 'To="b2",' : ''}le="+Inf"} 1`);
      } else if (name === 'etcd_cluster_version') lines.push(`${name}{cluster_version="${clusterVersion}"} 1`);
      else if (name === 'etcd_network_peer_sent_failures_total') lines.push(`${name}{To="b2"} 0`);
      else if (name === 'etcd_server_id') lines.push(`${name}{server_id="a8a17421b46f9558"} 1`);
      else if (name === 'etcd_server_version') lines.push(`${name}{server_version="x"} 1`);
      else lines.push(`${name} 1`);
    }
    return lines.join('\n');
  };

  test.each([
    ['3.5.33 (built from its sources, not run here)', METRICS_V3_5_33, '3.5'],
    ['3.6.14 (built from its sources, not run here)', METRICS_V3_6_14, '3.6'],
  ] as const)('%s: every chart has its family, db size from etcd_mvcc_*', (_, metrics, cv) => {
    expect(metrics).not.toHaveProperty('etcd_debugging_mvcc_db_total_size_in_bytes');
    const t = new MetricsTracker();
    const first = t.update(readEtcdScrape(shaped(metrics, cv), T0));
    expect(first.missing).toBeUndefined();
    expect(first.clusterVersion).toBe(cv);
    expect(first).toMatchObject({ dbSize: 1, dbSizeInUse: 1, quotaBytes: 1, proposalsPending: 1, hasLeader: true });
    const second = t.update(readEtcdScrape(shaped(metrics, cv), T0 + 1000));
    expect(second.leaderChanges15m).toBe(0);
  });

  test('a family a member does not serve is named, so its chart can say so instead of staying empty', () => {
    const text = shaped(METRICS_V3_6_14, '3.6').split('\n').filter((l) => !l.includes('etcd_network_peer_round_trip_time_seconds')).join('\n');
    expect(new MetricsTracker().update(readEtcdScrape(text, T0)).missing).toEqual(['peerRtt']);
  });
});
