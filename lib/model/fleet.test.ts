import { describe, expect, test } from 'vitest';
import type { ClusterSummary } from '../ring/summary';
import { nocFocus, nocGrid, nocStatus, sortFleet } from './fleet';

const NOW = Date.UTC(2026, 10, 23, 3, 0, 10);
function summary(name: string, change: Partial<ClusterSummary> = {}): ClusterSummary {
  return {
    name,
    endpoints: [],
    tls: false,
    at: new Date(NOW - 500).toISOString(),
    health: 'healthy',
    summary: 'all 3 members healthy',
    leader: { id: 'a', name: 'm1' },
    raftTerm: 2,
    quorum: { voters: 3, healthy: 3, needed: 2, canLose: 1, hasQuorum: true },
    members: { total: 3, reachable: 3, learners: 0 },
    alarms: [],
    warnings: 0,
    pollIntervalMs: 1000,
    alerts: [],
    hash: { consistent: true, revision: 9, checkedAt: new Date(NOW).toISOString(), summary: 'agree' },
    backups: null,
    memberList: ['m1', 'm2', 'm3'].map((n, i) => ({ id: n, name: n, role: i === 0 ? ('leader' as const) : ('follower' as const), reachable: true, started: true, latencyMs: 2, error: null })),
    ...change,
  };
}

describe('NOC state', () => {
  test('each state, in words, with its reasons', () => {
    expect(nocStatus(summary('a'), NOW)).toMatchObject({ state: 'OK', stale: false, reasons: [] });
    const down = summary('a', {
      health: 'degraded',
      quorum: { voters: 3, healthy: 2, needed: 2, canLose: 0, hasQuorum: true },
      memberList: summary('a').memberList.map((m) => (m.name === 'm3' ? { ...m, reachable: false } : m)),
    });
    expect(nocStatus(down, NOW)).toMatchObject({ state: 'DEGRADED', reasons: ['m3 down'] });
    expect(nocStatus({ ...down, alerts: [{ id: 'x', rule: 'etcdMembersDown', severity: 'critical', message: 'm3 is down: connection refused', firingSince: null }] }, NOW).state).toBe('CRITICAL');
    expect(nocStatus(summary('a', { hash: { consistent: false, revision: 9, checkedAt: '', summary: 'split' } }), NOW)).toMatchObject({ state: 'CORRUPT', reasons: ['HashKV split'] });
    expect(nocStatus(summary('a', { alarms: [{ memberId: '0', alarm: 'CORRUPT', since: '' }] }), NOW).state).toBe('CORRUPT');
    expect(nocStatus(summary('a', { alarms: [{ memberId: '1', alarm: 'NOSPACE', since: '' }] }), NOW).state).toBe('CRITICAL');
    expect(nocStatus(summary('a', { health: 'no-quorum', quorum: { voters: 3, healthy: 1, needed: 2, canLose: 0, hasQuorum: false } }), NOW).state).toBe('NO QUORUM');
    expect(nocStatus(summary('a', { health: 'unknown', quorum: null, at: null }), NOW)).toMatchObject({ state: 'UNKNOWN', stale: true });
  });

  test('data older than three poll intervals is stale, and sorts with the unknown', () => {
    expect(nocStatus(summary('a', { at: new Date(NOW - 3500).toISOString() }), NOW).stale).toBe(true);
    const fleet = sortFleet([summary('ok'), summary('old', { at: new Date(NOW - 10_000).toISOString() }), summary('bad', { hash: { consistent: false, revision: 1, checkedAt: '', summary: '' } })], NOW);
    expect(fleet.map((c) => c.name)).toEqual(['bad', 'old', 'ok']);
    // All stale (the screen's stream went quiet): the last known states keep their order.
    const later = NOW + 60_000;
    expect(sortFleet([summary('a'), summary('b', { health: 'degraded' })], later).map((c) => c.name)).toEqual(['b', 'a']);
  });

  test('the worst cluster is pinned; with all OK the detail cycles', () => {
    const ok = sortFleet([summary('a'), summary('b'), summary('c')], NOW);
    expect(nocFocus(ok, 0, 10_000)).toEqual({ name: 'a', pinned: false });
    expect(nocFocus(ok, 10_000, 10_000)).toEqual({ name: 'b', pinned: false });
    expect(nocFocus(ok, 20_000, 10_000)).toEqual({ name: 'c', pinned: false });
    const bad = sortFleet([summary('a'), summary('z', { alarms: [{ memberId: '0', alarm: 'CORRUPT', since: '' }] })], NOW);
    expect(nocFocus(bad, 10_000, 10_000)).toEqual({ name: 'z', pinned: true });
  });

  test('up to 12 tiles fit a 16:9 screen in at most 4 columns and 3 rows', () => {
    for (let n = 1; n <= 12; n++) {
      const g = nocGrid(n);
      expect(g.cols * g.rows).toBeGreaterThanOrEqual(n);
      expect(g.cols).toBeLessThanOrEqual(4);
      expect(g.rows).toBeLessThanOrEqual(3);
    }
  });
});
