import { describe, expect, test } from 'vitest';
import { prng } from '../snapshot/testdata/fixtures';
import { displayKey, KeyspaceAggregator, type KeyEntry } from './aggregator';
import { diffKeyspace } from './diff';
import type { KeyspaceReport } from './types';

const entry = (key: string, valueSize: number, extra: Partial<KeyEntry> = {}): KeyEntry => ({
  key: Buffer.from(key, 'latin1'),
  valueSize,
  createRevision: 10,
  modRevision: 10,
  version: 1,
  lease: '0',
  revisions: 1,
  historyBytes: key.length + valueSize,
  ...extra,
});

const meta = (takenAt = '2026-11-22T03:00:00.000Z', compactRevision = 0) => ({
  revision: 100,
  source: { kind: 'live' as const, memberId: '91bc3c398fb3c146', memberName: 'm2', pages: 1 },
  takenAt,
  durationMs: 5,
  compaction: { compactRevision, headRevision: 100, behind: 100 - compactRevision, scheduledRevision: null },
  revisionsExact: false,
});

describe('the keyspace aggregator', () => {
  test('sums keys, key bytes, value bytes and history per prefix, Events called out', () => {
    const a = new KeyspaceAggregator();
    a.addKey(entry('/registry/pods/default/web-0', 2000, { revisions: 3, historyBytes: 6000 }));
    a.addKey(entry('/registry/pods/kube-system/dns-0', 1000));
    a.addKey(entry('/registry/events/default/web-0.1', 600, { lease: 'abc' }));
    a.addKey(entry('/registry/apiregistration.k8s.io/apiservices/v1.apps', 400));
    a.addKey(entry('/calico/ipam/v2/x', 100));
    a.addDeleted({ key: Buffer.from('/registry/pods/default/gone'), revisions: 2, historyBytes: 900 });
    const r = a.report(meta());
    const row = (p: string) => r.prefixes.find((x) => x.prefix === p);
    expect(row('/registry/pods/')).toEqual({
      prefix: '/registry/pods/', kind: 'kubernetes', group: null, resource: 'pods', events: false,
      keys: 2, keyBytes: 28 + 32, valueBytes: 3000, bytes: 3060, revisions: 3 + 1 + 2, historyBytes: 6000 + 1032 + 900,
    });
    expect(row('/registry/events/')).toMatchObject({ keys: 1, events: true });
    expect(row('/registry/apiregistration.k8s.io/apiservices/')).toMatchObject({ group: 'apiregistration.k8s.io', resource: 'apiservices' });
    expect(row('/calico/')).toMatchObject({ kind: 'path', keys: 1, bytes: 117 });
    expect(r.totalKeys).toBe(5);
    expect(r.totalBytes).toBe(r.prefixes.reduce((n, p) => n + p.bytes, 0));
    expect(r.revisions).toBe(r.prefixes.reduce((n, p) => n + p.revisions, 0));
    const event = '/registry/events/default/web-0.1'.length + 600;
    expect(r.events).toEqual({ keys: 1, bytes: event, share: event / r.totalBytes, revisions: 1, historyBytes: event });
    // Largest bytes + history first.
    expect(r.prefixes[0].prefix).toBe('/registry/pods/');
    expect(r.topKeys.byRevisions.map((k) => [k.key, k.revisions, k.live])).toEqual([
      ['/registry/pods/default/web-0', 3, true],
      ['/registry/pods/default/gone', 2, false],
      ['/calico/ipam/v2/x', 1, true],
      ['/registry/apiregistration.k8s.io/apiservices/v1.apps', 1, true],
      ['/registry/events/default/web-0.1', 1, true],
      ['/registry/pods/kube-system/dns-0', 1, true],
    ]);
  });

  test('top lists stay at N over 200,000 keys and hold exactly the N largest, ties by key', () => {
    const rnd = prng(7);
    const a = new KeyspaceAggregator({ topN: 20 });
    const all: { key: string; bytes: number; revisions: number }[] = [];
    for (let i = 0; i < 200_000; i++) {
      const key = `/registry/configmaps/ns-${i % 50}/cm-${i}`;
      const valueSize = Math.floor(rnd() * 5000);
      const revisions = 1 + Math.floor(rnd() * 30);
      a.addKey(entry(key, valueSize, { revisions }));
      all.push({ key, bytes: key.length + valueSize, revisions });
    }
    const r = a.report(meta());
    const best = (f: (x: (typeof all)[number]) => number) =>
      [...all].sort((x, y) => f(y) - f(x) || (x.key < y.key ? -1 : 1)).slice(0, 20).map((x) => x.key);
    expect(r.topKeys.bySize.map((k) => k.key)).toEqual(best((x) => x.bytes));
    expect(r.topKeys.byRevisions.map((k) => k.key)).toEqual(best((x) => x.revisions));
  });

  test('past maxPrefixes, new prefixes are summed as "other": nothing is lost, memory stays bounded', () => {
    const a = new KeyspaceAggregator({ maxPrefixes: 100 });
    for (let i = 0; i < 5000; i++) a.addKey(entry(`/tenant-${i}/config`, 10));
    const r = a.report(meta());
    expect(r.prefixes).toHaveLength(100);
    expect(r.otherPrefixes).toMatchObject({ prefixes: 100, keys: 4900 }); // distinct prefixes counted up to the same bound
    expect(r.prefixes.reduce((n, p) => n + p.keys, 0) + r.otherPrefixes!.keys).toBe(5000);
    expect(r.totalKeys).toBe(5000);
  });

  test('leases: keys attached, leases holding none, keys on leases missing from the list, TTL bands', () => {
    const a = new KeyspaceAggregator({ topN: 2 });
    for (let i = 0; i < 5; i++) a.addKey(entry(`/registry/events/a/e${i}`, 10, { lease: '1a' }));
    for (let i = 0; i < 3; i++) a.addKey(entry(`/registry/events/b/e${i}`, 10, { lease: '2b' }));
    a.addKey(entry('/registry/events/c/e', 10, { lease: 'dead' }));
    a.addLease({ id: '1a', ttl: 3600 });
    a.addLease({ id: '2b', ttl: 30 });
    a.addLease({ id: '3c', ttl: 90_000 });
    a.addLease({ id: '4d', ttl: null });
    const l = a.report(meta()).leases;
    expect(l).toEqual({
      count: 4,
      keysAttached: 9,
      withoutKeys: 2,
      keysOnUnknownLeases: 1,
      ttl: { known: 3, min: 30, max: 90_000, bands: [{ upToSeconds: 60, leases: 1 }, { upToSeconds: 600, leases: 0 }, { upToSeconds: 3600, leases: 1 }, { upToSeconds: 86_400, leases: 0 }, { upToSeconds: null, leases: 1 }] },
      top: [{ id: '1a', ttl: 3600, keys: 5 }, { id: '2b', ttl: 30, keys: 3 }],
      truncated: false,
    });
    const capped = new KeyspaceAggregator({ maxLeases: 2 });
    for (const id of ['1', '2', '3']) capped.addLease({ id, ttl: 60 });
    expect(capped.report(meta()).leases).toMatchObject({ count: 3, truncated: true });
  });

  test('keys are shown as UTF-8 where they are, other bytes as \\xNN', () => {
    expect(displayKey('/registry/pods/default/web-0')).toBe('/registry/pods/default/web-0');
    expect(displayKey(Buffer.from('/app/m3✓').toString('latin1'))).toBe('/app/m3✓');
    expect(displayKey(Buffer.from([0x2f, 0x61, 0xff, 0x00, 0x0a]).toString('latin1'))).toBe('/a\\xff\\x00\\x0a');
    expect(displayKey(Buffer.from('/a\nb').toString('latin1'))).toBe('/a\\x0ab');
  });
});

describe('diff: what grew since the previous scan', () => {
  const report = (takenAt: string, rows: [string, number, number][], compactRevision = 0, kind: 'live' | 'snapshot' = 'live'): KeyspaceReport => {
    const a = new KeyspaceAggregator();
    for (const [prefix, keys, size] of rows) for (let i = 0; i < keys; i++) a.addKey(entry(`${prefix}k${i}`, size));
    const r = a.report(meta(takenAt, compactRevision));
    return kind === 'live' ? r : { ...r, source: { kind: 'snapshot', name: 'b', memberId: null, encrypted: false, dbSize: 1 } };
  };

  test('per prefix after - before, largest growth first, new and gone prefixes, compaction moved', () => {
    const before = report('2026-11-22T03:00:00.000Z', [['/registry/pods/', 10, 100], ['/registry/events/', 5, 100], ['/old/', 2, 10]]);
    const after = report('2026-11-22T05:00:00.000Z', [['/registry/pods/', 10, 100], ['/registry/events/', 50, 100], ['/registry/configmaps/', 3, 1000]], 50);
    const d = diffKeyspace(before, after);
    expect(d.elapsedMs).toBe(2 * 3_600_000);
    expect(d.grew.map((p) => [p.prefix, p.status, p.delta.keys])).toEqual([
      ['/registry/events/', 'changed', 45],
      ['/registry/configmaps/', 'new', 3],
    ]);
    const events = d.grew[0];
    let gained = 0;
    for (let i = 5; i < 50; i++) gained += `/registry/events/k${i}`.length + 100;
    expect(events.delta.bytes).toBe(gained);
    expect(events.bytesPerHour).toBe((events.delta.bytes + events.delta.historyBytes) / 2);
    expect(d.prefixes.find((p) => p.prefix === '/registry/pods/')).toMatchObject({ status: 'same', delta: { keys: 0, bytes: 0, revisions: 0, historyBytes: 0 } });
    expect(d.prefixes.at(-1)).toMatchObject({ prefix: '/old/', status: 'gone', keys: 0, delta: { keys: -2 } });
    expect(d.delta.keys).toBe(after.totalKeys - before.totalKeys);
    expect(d.compaction).toEqual({ before: 0, after: 50, moved: true });
    expect(d.note).toBeNull();
  });

  test('a snapshot against a live scan says their history does not compare exactly', () => {
    const d = diffKeyspace(report('2026-11-22T03:00:00.000Z', [['/a/', 1, 1]], 0, 'snapshot'), report('2026-11-22T03:00:00.000Z', [['/a/', 1, 1]]));
    expect(d.note).toMatch(/^a snapshot report against a live one: history is counted from a snapshot and estimated by a live scan/);
    expect(d.grew).toEqual([]);
    expect(d.prefixes[0].bytesPerHour).toBeNull();
  });
});
