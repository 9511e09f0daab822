import { isAlarmError } from '../ring/derive';
import { memberLabel } from '../model/labels';
import type { HashCheck } from '../ring/hashkv';
import type { MemberState, RingState } from '../ring/types';
import { formatDuration } from './durations';
import type { BackupFreshness, DrillRecord } from './types';

/**
 * When scheduled backups and drills run, from which member, and how fresh a cluster's backups
 * are. Pure: the caller (a scheduler ticking every few seconds) passes the clock, the last run,
 * the latest ring state and HashKV check, and acts on the decision:
 *
 *   run  -> takeBackup() from `member` (lib/backups/take.ts), then retention
 *   skip -> record `reason` once per `dueAt` and `code` (the decision repeats every tick until
 *           the ring allows a backup, so recording each tick would flood the timeline)
 *   wait -> nothing until `dueAt`
 */

export type BackupSkipCode = 'running' | 'no-state' | 'stale-state' | 'no-quorum' | 'no-source';

export type BackupDecision =
  | { action: 'wait'; dueAt: string }
  | { action: 'run'; dueAt: string; member: MemberState; why: string }
  | { action: 'skip'; dueAt: string; code: BackupSkipCode; reason: string };

/** The last backup that started (scheduled or on demand: either resets the clock). */
export interface LastRun {
  startedAt: string;
  /** null while it is still going. */
  finishedAt: string | null;
}

/** A poll older than this many intervals is not a picture of the ring to act on. */
const STALE_POLLS = 5;

export function decideBackup(input: { now: Date; everyMs: number; lastRun: LastRun | null; ring: RingState | null; hashCheck: HashCheck | null }): BackupDecision {
  const { now, everyMs, lastRun, ring, hashCheck } = input;
  const due = lastRun ? Date.parse(lastRun.startedAt) + everyMs : now.getTime();
  const dueAt = new Date(due).toISOString();
  if (now.getTime() < due) return { action: 'wait', dueAt };
  const skip = (code: BackupSkipCode, reason: string): BackupDecision => ({ action: 'skip', dueAt, code, reason });

  if (lastRun && lastRun.finishedAt === null) {
    return skip('running', `the previous backup (started ${lastRun.startedAt}) is still going`);
  }
  if (!ring) return skip('no-state', 'no state of the ring yet: its first poll has not answered');
  const age = now.getTime() - Date.parse(ring.at);
  if (age > STALE_POLLS * ring.pollIntervalMs) {
    return skip('stale-state', `the ring's last poll is ${formatDuration(age)} old: Ringside cannot tell which member is safe to back up`);
  }
  if (!ring.quorum.hasQuorum) {
    return skip('no-quorum', `no quorum (${ring.quorum.healthy} of ${ring.quorum.voters} voters healthy, ${ring.quorum.needed} needed): a member cut off from the leader may hold old data`);
  }
  const source = pickBackupSource(ring, hashCheck);
  if (!source.member) return skip('no-source', `no healthy member that is not a HashKV suspect: ${source.reasons.join('; ')}`);
  return { action: 'run', dueAt, member: source.member, why: source.why };
}

/**
 * The member a backup streams from (scheduled or on demand): a voter that answers, follows the
 * current leader, reports no error but an alarm, and is not on the losing side of the latest
 * HashKV check. Among those a follower furthest along (a snapshot costs the leader nothing
 * then), else the leader. Stricter than a download's source: with a HashKV split and no
 * majority, every member that differs is out, since none can be shown to hold the right data.
 */
export function pickBackupSource(
  ring: RingState,
  hashCheck: HashCheck | null,
): { member: MemberState; why: string } | { member: null; reasons: string[] } {
  const mismatched = new Map((hashCheck?.consistent === false ? hashCheck.members.filter((h) => h.verdict === 'mismatch') : []).map((h) => [h.id, h]));
  const reasons: string[] = [];
  const candidates = ring.members.filter((m) => {
    const why = unfit(ring, m, mismatched.get(m.id)?.reason ?? null, hashCheck?.revision ?? null);
    if (why) reasons.push(`${memberLabel(m)} ${why}`);
    return why === null;
  });
  const followers = candidates.filter((m) => !m.isLeader).sort((a, b) => (b.raftAppliedIndex ?? 0) - (a.raftAppliedIndex ?? 0));
  if (followers[0]) return { member: followers[0], why: `${memberLabel(followers[0])}: a healthy follower${followers.length > 1 ? ', the furthest along' : ''}` };
  const leader = candidates.find((m) => m.isLeader);
  if (leader) return { member: leader, why: `${memberLabel(leader)}: the leader (no healthy follower)` };
  return { member: null, reasons: reasons.length ? reasons : ['the ring lists no member'] };
}

function unfit(ring: RingState, m: MemberState, mismatch: string | null, hashRevision: number | null): string | null {
  if (m.isLearner) return 'is a learner';
  if (!m.reachable || !m.endpoint) return 'does not answer';
  if (ring.leader === null || m.leaderSeen !== ring.leader) return 'does not follow the current leader';
  const errors = m.errors.filter((e) => !isAlarmError(e));
  if (errors.length) return `reports errors (${errors.join(', ')})`;
  if (mismatch) return `is a HashKV suspect at revision ${hashRevision} (${mismatch})`;
  return null;
}

/**
 * Age of the newest verified backup. No verified backup at all is stale as soon as a limit is
 * set: an SRE must hear about a cluster that has never been backed up.
 */
export function backupFreshness(backups: readonly { takenAt: string; verified: boolean; drill: DrillRecord | null }[], now: Date, staleAfterMs: number | null): BackupFreshness {
  const newest = (pred: (b: (typeof backups)[number]) => boolean) =>
    backups.filter(pred).reduce<string | null>((best, b) => (best === null || Date.parse(b.takenAt) > Date.parse(best) ? b.takenAt : best), null);
  const newestAt = newest((b) => b.verified);
  const ageMs = newestAt === null ? null : Math.max(0, now.getTime() - Date.parse(newestAt));
  return {
    newestAt,
    ageSeconds: ageMs === null ? null : Math.floor(ageMs / 1000),
    stale: staleAfterMs !== null && (ageMs === null || ageMs > staleAfterMs),
    staleAfterSeconds: staleAfterMs === null ? null : Math.floor(staleAfterMs / 1000),
    provenAt: newest((b) => b.verified && b.drill?.result === 'passed'),
  };
}

export type DrillDecision<T> =
  | { action: 'wait'; dueAt: string }
  | { action: 'run'; dueAt: string; backup: T }
  | { action: 'skip'; dueAt: string; reason: string };

/**
 * Scheduled drills restore the newest verified backup every `everyMs`. `lastDrillAt` is when the
 * last drill of this cluster started (any backup, scheduled or on demand).
 */
export function decideDrill<T extends { takenAt: string; verified: boolean }>(input: {
  now: Date;
  everyMs: number;
  lastDrillAt: string | null;
  running: boolean;
  backups: readonly T[];
}): DrillDecision<T> {
  const due = input.lastDrillAt ? Date.parse(input.lastDrillAt) + input.everyMs : input.now.getTime();
  const dueAt = new Date(due).toISOString();
  if (input.now.getTime() < due) return { action: 'wait', dueAt };
  if (input.running) return { action: 'skip', dueAt, reason: 'the previous drill is still going' };
  const newest = input.backups.filter((b) => b.verified).sort((a, b) => Date.parse(b.takenAt) - Date.parse(a.takenAt))[0];
  if (!newest) return { action: 'skip', dueAt, reason: 'no verified backup to drill' };
  return { action: 'run', dueAt, backup: newest };
}
