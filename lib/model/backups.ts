import type { BackupStatus, DrillRecord } from '../backups/types';
import { formatAge, formatUtc } from './format';

/**
 * Backups in words, the same on the cluster page, the overview, the NOC tile and the restore
 * wizard. Pure; the clock is the caller's, so freshness ages on screen between updates.
 */

export type FreshnessState = 'fresh' | 'stale' | 'never' | 'unwatched';

export interface FreshnessWords {
  state: FreshnessState;
  /** "backup 4 min ago", "BACKUP STALE: 3 h old", "NO VERIFIED BACKUP" (none, or every one failed its drill), "backup 2 d ago" (no limit set). */
  text: string;
  /** Age of the newest verified backup; null when there is none. */
  ageMs: number | null;
}

/**
 * How fresh a cluster's newest verified backup is. `unwatched`: there is no limit to judge it by
 * (on demand only, no staleAfter), said as a plain age.
 */
export function freshnessWords(b: Pick<BackupStatus, 'newestAt' | 'staleAfterMs'>, now: number): FreshnessWords {
  const ageMs = b.newestAt ? Math.max(0, now - Date.parse(b.newestAt)) : null;
  if (b.staleAfterMs === null) {
    return { state: 'unwatched', ageMs, text: ageMs === null ? 'no backup yet' : `backup ${formatAge(ageMs)} ago` };
  }
  if (ageMs === null) return { state: 'never', ageMs, text: 'NO VERIFIED BACKUP' };
  if (ageMs > b.staleAfterMs) return { state: 'stale', ageMs, text: `BACKUP STALE: ${formatAge(ageMs)} old` };
  return { state: 'fresh', ageMs, text: `backup ${formatAge(ageMs)} ago` };
}

export type DrillState = 'passed' | 'failed' | 'never';

/** One backup's last restore drill: "proven restorable at 30 Nov, 03:12:09 UTC", "drill FAILED at ...", "never drilled". */
export function drillWords(d: Pick<DrillRecord, 'at' | 'result'> | null): { state: DrillState; text: string } {
  if (!d) return { state: 'never', text: 'never drilled' };
  if (d.result === 'passed') return { state: 'passed', text: `proven restorable at ${formatUtc(d.at)}` };
  return { state: 'failed', text: `drill FAILED at ${formatUtc(d.at)}` };
}

/** A configured period in words, exactly: 30 min, 1 h, 90 min, 1 d, 10 s. */
export function periodWords(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}
