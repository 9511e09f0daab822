import { describe, expect, test } from 'vitest';
import type { ClusterSummary } from '../ring/summary';
import { countByState, filterFleet, NOC_MAX_TILES, nocFocus, nocGrid, nocLayout, nocStatus, sortFleet } from './fleet';

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

describe('a fleet of 200 on the wall and the overview', () => {
  const unknown = (name: string) => summary(name, { health: 'unknown', quorum: null, at: null });
  const degraded = (name: string) => summary(name, { health: 'degraded', quorum: { voters: 3, healthy: 2, needed: 2, canLose: 0, hasQuorum: true } });
  const fleet = (ok: number, bad: number, off = 0) =>
    sortFleet(
      [
        ...Array.from({ length: ok }, (_, i) => summary(`ok-${String(i).padStart(3, '0')}`)),
        ...Array.from({ length: bad }, (_, i) => degraded(`deg-${i}`)),
        ...Array.from({ length: off }, (_, i) => unknown(`off-${i}`)),
      ],
      NOW,
    );

  test('up to 12 clusters: every one a full tile, nothing folded', () => {
    const l = nocLayout(fleet(10, 2));
    expect([l.tiles.length, l.healthy.length, l.overflow.length, l.size]).toEqual([12, 0, 0, 'full']);
  });

  test('200 clusters, 3 wrong: three full tiles and one count of the 197 healthy', () => {
    const l = nocLayout(fleet(197, 2, 1));
    expect(l.tiles.map((c) => c.name)).toEqual(['off-0', 'deg-0', 'deg-1']);
    expect(l.healthy).toHaveLength(197);
    expect([l.overflow.length, l.size, l.cols * l.rows >= 4]).toEqual([0, 'full', true]);
  });

  test('more wrong: smaller tiles; past the limit the least bad fold into counts, the worst always shown', () => {
    expect(nocLayout(fleet(180, 20)).size).toBe('compact');
    const l = nocLayout(fleet(100, 60, 40));
    expect(l.size).toBe('dense');
    expect(l.tiles.length + 2).toBe(NOC_MAX_TILES);
    expect(l.tiles.slice(0, 40).every((c) => c.noc.state === 'UNKNOWN')).toBe(true);
    expect(countByState(l.overflow)).toEqual([['DEGRADED', 54]]);
    expect(l.tiles.length + l.overflow.length + l.healthy.length).toBe(200);
    expect(l.cols * l.rows).toBeGreaterThanOrEqual(NOC_MAX_TILES);
    // A stale OK cluster is never folded into the healthy count.
    const stale = sortFleet([...fleet(20, 0), summary('old', { at: new Date(NOW - 10_000).toISOString() })], NOW);
    expect(nocLayout(stale).tiles.map((c) => c.name)).toEqual(['old']);
  });

  test('search by name and filter by state, worst first kept', () => {
    const f = fleet(150, 30, 20);
    expect(filterFleet(f, '', new Set()).length).toBe(200);
    expect(filterFleet(f, ' OK-00 ', new Set()).map((c) => c.name)).toEqual(Array.from({ length: 10 }, (_, i) => `ok-00${i}`));
    expect(filterFleet(f, '', new Set(['UNKNOWN', 'DEGRADED'])).map((c) => c.noc.state)).toEqual([...Array(20).fill('UNKNOWN'), ...Array(30).fill('DEGRADED')]);
    expect(filterFleet(f, 'deg-1', new Set(['DEGRADED'])).map((c) => c.name)).toEqual(['deg-1', ...Array.from({ length: 10 }, (_, i) => `deg-1${i}`)]);
    expect(filterFleet(f, 'nothing', new Set())).toEqual([]);
    expect(countByState(f)).toEqual([['UNKNOWN', 20], ['DEGRADED', 30], ['OK', 150]]);
  });
});
