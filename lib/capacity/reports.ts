import type { KeyspaceReport } from './types';

/** What a scan reads: a live follower, or the newest verified backup (zero load on the ring). */
export type ScanSource = 'live' | 'backup';

/** The last reports of each source, oldest first. */
export type ReportsBySource = Record<ScanSource, KeyspaceReport[]>;

/** Reports kept per source: the newest and the one before, for the diff. */
export const KEEP = 2;

const time = (r: KeyspaceReport) => Date.parse(r.takenAt);

/**
 * The report to answer (the newest of `source`, or of either when none is named) and the one to
 * compare it with: the report before it of the same source, which compares exactly; else the
 * other source's newest one taken before it (the diff then says the two are not strictly comparable).
 */
export function pickReports(reports: ReportsBySource, source?: ScanSource): { report: KeyspaceReport | null; previous: KeyspaceReport | null } {
  const newest = (s: ScanSource) => reports[s].at(-1) ?? null;
  const candidates = source ? [source] : (['live', 'backup'] as const).filter((s) => newest(s));
  const pick = candidates.sort((a, b) => (newest(b) ? time(newest(b)!) : 0) - (newest(a) ? time(newest(a)!) : 0))[0];
  const report = pick ? newest(pick) : null;
  if (!report) return { report: null, previous: null };
  const other = reports[pick === 'live' ? 'backup' : 'live'].filter((r) => time(r) < time(report)).at(-1) ?? null;
  const previous = reports[pick].at(-2) ?? other;
  return { report, previous };
}

/**
 * Adds a report to its source's list (kept sorted, the last KEEP), and says whether the
 * compacted revision moved since the newest report of either source taken before it.
 */
export function keepReport(reports: ReportsBySource, source: ScanSource, report: KeyspaceReport): { reports: ReportsBySource; compactionMoved: { at: string; from: number; to: number } | null } {
  const before = [...reports.live, ...reports.backup].filter((r) => time(r) <= time(report)).sort((a, b) => time(a) - time(b)).at(-1);
  const moved = before && before.compaction.compactRevision !== report.compaction.compactRevision ? { at: report.takenAt, from: before.compaction.compactRevision, to: report.compaction.compactRevision } : null;
  return { reports: { ...reports, [source]: [...reports[source], report].sort((a, b) => time(a) - time(b)).slice(-KEEP) }, compactionMoved: moved };
}

/** Two copies of the kept reports (this replica's and the store's) as one: each source's newest KEEP, each report once. */
export function mergeReports(a: ReportsBySource, b: ReportsBySource): ReportsBySource {
  const merge = (xs: KeyspaceReport[], ys: KeyspaceReport[]) => {
    const byKey = new Map([...xs, ...ys].map((r) => [`${r.takenAt}/${r.revision}`, r]));
    return [...byKey.values()].sort((x, y) => time(x) - time(y)).slice(-KEEP);
  };
  return { live: merge(a.live, b.live ?? []), backup: merge(a.backup, b.backup ?? []) };
}
