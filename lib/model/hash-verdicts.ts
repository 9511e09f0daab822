import type { RingState } from '../ring/types';

// HashKV verdicts as both sides read them: the server judges (lib/ring/hashkv.ts), the browser
// shows and points at suspects. Pure.

/** What one member answered to HashKV at the chosen revision. */
export type HashReply =
  | { ok: true; hash: number; compactRevision: number }
  | { ok: false; kind: 'compacted' | 'future' | 'unavailable' | 'error'; error: string };

export type HashVerdict = 'agree' | 'mismatch' | 'skipped';

export type HashSkipReason =
  | 'unreachable'
  | 'compacted'
  | 'future-revision'
  | 'learner'
  | 'compact-revision-differs'
  | 'nothing-to-compare'
  | 'error';

export interface MemberHash {
  id: string;
  name: string;
  hash: number | null;
  compactRevision: number | null;
  verdict: HashVerdict;
  /** Why a member was skipped, or which side of a split it is on. */
  reason: string | null;
  skip: HashSkipReason | null;
  /** The etcd version it ran when hashed (a rolling upgrade verifies each member after its restart). */
  version?: string | null;
}

export interface HashCheck {
  cluster: string;
  /** The common revision every member was hashed at; null when none could be chosen. */
  revision: number | null;
  checkedAt: string;
  /** true: all compared hashes agree; false: a split; null: could not tell (never a pass). */
  consistent: boolean | null;
  members: MemberHash[];
  /** Where the leader stands in a split. */
  leaderSide: 'majority' | 'minority' | 'undecided' | null;
  summary: string;
}

/**
 * Who a CORRUPT alarm (raised with member 0 on 3.4/3.5) most likely points at: the HashKV minority.
 * An inference from evidence, never a fact; null when the evidence does not single anyone out.
 */
export function suspectsOf(check: HashCheck | null): MemberHash[] {
  if (!check || check.consistent !== false) return [];
  const mismatched = check.members.filter((m) => m.verdict === 'mismatch');
  const agreeing = check.members.filter((m) => m.verdict === 'agree');
  return agreeing.length > 0 ? mismatched : [];
}

/**
 * Members the leader's own checks named on their corruption lines, newest first, by name when the
 * ring knows them: `follower-peer-id` (the periodic check; 3.5's compaction hash check) and 3.6's
 * `peer-ids` when `quorum-exist` (the minority against a quorum that agrees; without a quorum
 * each side is logged and neither is named).
 */
export function suspectsFromLogs(lines: { category: string; fields: Record<string, unknown> }[], ring: RingState): string[] {
  const out: string[] = [];
  for (const l of [...lines].reverse()) {
    if (l.category !== 'corruption') continue;
    const minority = l.fields['quorum-exist'] === true && typeof l.fields['peer-ids'] === 'string' ? l.fields['peer-ids'].split(',') : [];
    for (const id of [l.fields['follower-peer-id'], ...minority]) {
      if (typeof id !== 'string' || id === '' || id === '0') continue;
      const name = ring.members.find((m) => m.id === id)?.name || id;
      if (!out.includes(name)) out.push(name);
    }
  }
  return out;
}
