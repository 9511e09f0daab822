import { describe, expect, test } from 'vitest';
import { KeyspaceAggregator } from './aggregator';
import { keepReport, mergeReports, pickReports, type ReportsBySource } from './reports';
import type { KeyspaceReport } from './types';

const T0 = Date.UTC(2026, 10, 30, 3, 0, 0);

/** A report of `kind` taken `minutes` after T0 at `revision`, compacted to `compactRevision`, with `keys` pods. */
function report(kind: 'live' | 'snapshot', minutes: number, revision: number, compactRevision: number, keys = 1): KeyspaceReport {
  const agg = new KeyspaceAggregator({});
  for (let i = 0; i < keys; i++) agg.addKey({ key: Buffer.from(`/registry/pods/default/p${i}`), valueSize: 100, createRevision: 2, modRevision: 2, version: 1, lease: '0', revisions: 1, historyBytes: 130 });
  return agg.report({
    revision,
    source: kind === 'live' ? { kind, memberId: 'a', memberName: 'm1', pages: 1 } : { kind, name: `b-${minutes}.db`, memberId: 'a', encrypted: false, dbSize: 1 << 20 },
    takenAt: new Date(T0 + minutes * 60_000).toISOString(),
    durationMs: 10,
    compaction: { compactRevision, headRevision: revision, behind: revision - compactRevision, scheduledRevision: null },
    revisionsExact: kind === 'snapshot',
  });
}

const none: ReportsBySource = { live: [], backup: [] };

describe('the reports a cluster keeps and the one it answers', () => {
  test('nothing scanned: no report and nothing to compare', () => {
    expect(pickReports(none)).toEqual({ report: null, previous: null });
    expect(pickReports(none, 'backup')).toEqual({ report: null, previous: null });
  });

  test('the last two of each source are kept, oldest first, whatever order they arrive in', () => {
    let r = none;
    for (const m of [10, 30, 20]) r = keepReport(r, 'live', report('live', m, 100 + m, 50)).reports;
    expect(r.live.map((x) => x.revision)).toEqual([120, 130]);
    expect(r.backup).toEqual([]);
  });

  test('the newest of either source, compared with the one before it of the same source', () => {
    let r = none;
    r = keepReport(r, 'live', report('live', 0, 100, 50)).reports;
    r = keepReport(r, 'backup', report('snapshot', 5, 110, 50)).reports;
    r = keepReport(r, 'live', report('live', 10, 120, 50, 3)).reports;
    const newest = pickReports(r);
    expect([newest.report!.revision, newest.previous!.revision]).toEqual([120, 100]);
    // A source asked for by name; with one report of it, the other source's older one is compared.
    const backup = pickReports(r, 'backup');
    expect([backup.report!.revision, backup.previous!.revision]).toEqual([110, 100]);
  });

  test('a lone report of one source is not compared with a newer one of the other', () => {
    let r = keepReport(none, 'backup', report('snapshot', 0, 100, 50)).reports;
    r = keepReport(r, 'live', report('live', 10, 120, 50)).reports;
    expect(pickReports(r, 'backup')).toMatchObject({ report: { revision: 100 }, previous: null });
  });

  test('when the compacted revision moved between two reports, of either source', () => {
    const first = keepReport(none, 'live', report('live', 0, 100, 50));
    expect(first.compactionMoved).toBeNull();
    const same = keepReport(first.reports, 'backup', report('snapshot', 5, 110, 50));
    expect(same.compactionMoved).toBeNull();
    const moved = keepReport(same.reports, 'live', report('live', 10, 130, 120));
    expect(moved.compactionMoved).toEqual({ at: new Date(T0 + 10 * 60_000).toISOString(), from: 50, to: 120 });
  });
});

describe('mergeReports', () => {
  test('this replica’s copy and the store’s as one: each report once, the newest two of each source', () => {
    const r = (takenAt: string, revision: number) => ({ takenAt, revision }) as unknown as KeyspaceReport;
    const mine = { live: [r('2026-11-23T03:00:00Z', 10), r('2026-11-23T03:10:00Z', 20)], backup: [] };
    const stored = { live: [r('2026-11-23T03:10:00Z', 20), r('2026-11-23T03:20:00Z', 30)], backup: [r('2026-11-23T02:00:00Z', 5)] };
    const merged = mergeReports(mine, stored);
    expect(merged.live.map((x) => x.revision)).toEqual([20, 30]);
    expect(merged.backup.map((x) => x.revision)).toEqual([5]);
    expect(mergeReports(stored, { live: [], backup: [] })).toEqual(stored);
  });
});
