import type { DrillRecord } from './types';

/**
 * Which stored backups to delete. Pure: the caller lists a store, calls planRetention with the
 * clock, then deletes what it says, one by one (and audits the reasons).
 *
 * Rules, in this order:
 *  1. Nothing is deleted until some backup is verified, and nothing that is not older than the
 *     newest verified backup is ever deleted: a failed or unchecked newer backup never costs the
 *     last good one.
 *  2. `keep`: the newest `keep` verified backups stay.
 *  3. Generations (etcd-manager's scheme): every backup taken within `all` of now stays; within
 *     `hourly`, one per UTC hour; within `daily`, one per UTC day. The one kept for an hour or a
 *     day is its best: a verified backup whose last drill passed, else the newest verified one.
 *     A backup whose drill failed never stands for its hour or day.
 *  Everything else older than the newest verified backup is deleted.
 *
 * The plan is stable: planning again over what it kept deletes nothing more.
 */

export interface RetentionPolicy {
  /** Keep this many newest verified backups; null: no count rule. */
  keep: number | null;
  /** Windows back from now, in ms; 0 turns a generation off. null: no generations. */
  generations: { allMs: number; hourlyMs: number; dailyMs: number } | null;
}

/** What retention reads of a backup. */
export interface RetainedBackup {
  takenAt: string;
  verified: boolean;
  drill: DrillRecord | null;
}

export interface RetentionPlan<T> {
  keep: { backup: T; reason: string }[];
  delete: { backup: T; reason: string }[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export function planRetention<T extends RetainedBackup>(backups: readonly T[], policy: RetentionPolicy, now: Date): RetentionPlan<T> {
  // Newest first, whatever order the store listed them in (ties keep the listing's order).
  const sorted = backups.map((b, i) => ({ b, i, t: Date.parse(b.takenAt) })).sort((x, y) => y.t - x.t || x.i - y.i);
  const newestVerified = sorted.findIndex((x) => x.b.verified);
  if (newestVerified < 0) {
    return { keep: sorted.map((x) => ({ backup: x.b, reason: 'no verified backup yet: nothing is deleted' })), delete: [] };
  }

  const reasons = new Map<number, string>();
  const keep = (index: number, reason: string) => {
    if (!reasons.has(index)) reasons.set(index, reason);
  };
  keep(newestVerified, 'the newest verified backup');
  sorted.forEach((x, i) => {
    if (x.t >= sorted[newestVerified].t) keep(i, 'not older than the newest verified backup');
  });

  if (policy.keep !== null) {
    let n = 0;
    for (let i = 0; i < sorted.length && n < policy.keep; i++) {
      if (!sorted[i].b.verified) continue;
      keep(i, `one of the newest ${policy.keep} verified`);
      n++;
    }
  }

  const g = policy.generations;
  if (g) {
    const age = (i: number) => Math.max(0, now.getTime() - sorted[i].t);
    sorted.forEach((_, i) => {
      if (age(i) < g.allMs) keep(i, `taken within the last ${span(g.allMs)}`);
    });
    const best = new Map<string, number>(); // bucket -> index of the one that stands for it
    const choose = (bucket: string, i: number) => {
      const j = best.get(bucket);
      // Earlier in `sorted` is newer, so the first proven (else the first verified) wins.
      if (j === undefined || (!proven(sorted[j].b) && proven(sorted[i].b))) best.set(bucket, i);
    };
    sorted.forEach((x, i) => {
      if (!x.b.verified) return;
      if (age(i) < g.hourlyMs) choose(`h${Math.floor(x.t / HOUR)}`, i);
      if (age(i) < g.dailyMs) choose(`d${Math.floor(x.t / DAY)}`, i);
    });
    for (const [bucket, i] of best) keep(i, bucket.startsWith('h') ? `the one kept for its hour (within ${span(g.hourlyMs)})` : `the one kept for its day (within ${span(g.dailyMs)})`);
  }

  const plan: RetentionPlan<T> = { keep: [], delete: [] };
  sorted.forEach((x, i) => {
    const why = reasons.get(i);
    if (why) plan.keep.push({ backup: x.b, reason: why });
    else
      plan.delete.push({
        backup: x.b,
        reason: x.b.verified
          ? 'older than the newest verified backup and outside the retention policy'
          : `${x.b.drill?.result === 'failed' ? 'its last drill failed' : 'not verified'}, and a newer backup is verified`,
      });
  });
  return plan;
}

const proven = (b: RetainedBackup) => b.verified && b.drill?.result === 'passed';

function span(ms: number): string {
  return ms % DAY === 0 ? `${ms / DAY} d` : ms % HOUR === 0 ? `${ms / HOUR} h` : `${Math.round(ms / 60_000)} min`;
}
