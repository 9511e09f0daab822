import type { HashCheck, HashReply, HashSkipReason, MemberHash } from '../model/hash-verdicts';
import { memberLabel } from '../model/labels';
import type { RingState } from './types';

export type { HashCheck, HashReply, HashSkipReason, HashVerdict, MemberHash } from '../model/hash-verdicts';
export { suspectsFromLogs, suspectsOf } from '../model/hash-verdicts';

/**
 * The revision to hash at: the lowest revision among reachable voters. Members hash their own
 * latest revision unless told one, which under writes disagrees nearly every time; at a common
 * revision every healthy member must produce the same hash.
 */
export function pickHashRevision(ring: RingState): number | null {
  const revs = ring.members.filter((m) => m.reachable && !m.isLearner && m.revision !== null).map((m) => m.revision!);
  return revs.length ? Math.min(...revs) : null;
}

const skipText: Record<HashSkipReason, string> = {
  unreachable: 'member unreachable',
  compacted: 'revision already compacted on this member',
  'future-revision': 'member has not reached the revision yet',
  learner: 'learners are not compared',
  'compact-revision-differs': 'different compact revision: hashes are not comparable',
  'nothing-to-compare': 'no other member to compare with',
  error: 'HashKV failed',
};

/**
 * Judges the members' hashes at one revision. Only hashes that share a compact revision are
 * compared; the largest group of equal hashes wins if it is a strict majority of those compared,
 * and every other member is a MISMATCH. A skip is a skip, never a pass.
 */
export function judgeHashes(ring: RingState, revision: number | null, replies: Map<string, HashReply>, checkedAt: Date): HashCheck {
  const members: MemberHash[] = ring.members.map((m) => {
    const base = { id: m.id, name: memberLabel(m), hash: null, compactRevision: null, version: m.version };
    const skip = (s: HashSkipReason, detail?: string): MemberHash => ({ ...base, verdict: 'skipped', skip: s, reason: detail ? `${skipText[s]}: ${detail}` : skipText[s] });
    if (m.isLearner) return skip('learner');
    const r = replies.get(m.id);
    if (!m.reachable || !r) return skip('unreachable');
    if (!r.ok) {
      const s: HashSkipReason = r.kind === 'compacted' ? 'compacted' : r.kind === 'future' ? 'future-revision' : r.kind === 'unavailable' ? 'unreachable' : 'error';
      return skip(s, s === 'error' ? r.error : undefined);
    }
    return { ...base, hash: r.hash, compactRevision: r.compactRevision, verdict: 'agree', skip: null, reason: null };
  });

  const hashed = members.filter((m) => m.hash !== null);
  // Compare within the compact revision most members share (ties: the leader's).
  const leaderId = ring.leader;
  const byCompact = groupBy(hashed, (m) => m.compactRevision!);
  const compactGroup = pickLargest(byCompact, (g) => g.some((m) => m.id === leaderId));
  for (const m of hashed) {
    if (!compactGroup.includes(m)) Object.assign(m, { verdict: 'skipped', skip: 'compact-revision-differs', reason: skipText['compact-revision-differs'] });
  }

  const done = (consistent: boolean | null, leaderSide: HashCheck['leaderSide'], summary: string): HashCheck => ({
    cluster: ring.cluster,
    revision,
    checkedAt: checkedAt.toISOString(),
    consistent,
    members,
    leaderSide,
    summary,
  });

  if (revision === null) return done(null, null, 'no reachable voter: nothing to hash');
  if (compactGroup.length < 2) {
    for (const m of compactGroup) Object.assign(m, { verdict: 'skipped', skip: 'nothing-to-compare', reason: skipText['nothing-to-compare'] });
    return done(null, null, `could not compare: ${hashed.length === 0 ? 'no member' : 'only one member'} hashed at revision ${revision}`);
  }

  const byHash = groupBy(compactGroup, (m) => m.hash!);
  if (byHash.size === 1) return done(true, null, `${compactGroup.length} members agree at revision ${revision}`);

  const groups = [...byHash.values()].sort((a, b) => b.length - a.length);
  const majority = groups[0].length > compactGroup.length / 2 ? groups[0] : null;
  const name = (ms: MemberHash[]) => ms.map((m) => m.name).join(', ');
  if (majority) {
    const minority = compactGroup.filter((m) => !majority.includes(m));
    for (const m of minority) Object.assign(m, { verdict: 'mismatch', reason: `hash differs from the majority (${name(majority)})` });
    const leaderSide = leaderId ? (majority.some((m) => m.id === leaderId) ? 'majority' : minority.some((m) => m.id === leaderId) ? 'minority' : null) : null;
    return done(false, leaderSide, `MISMATCH at revision ${revision}: ${name(minority)} ${minority.length === 1 ? 'differs' : 'differ'} from ${name(majority)}`);
  }
  for (const m of compactGroup) Object.assign(m, { verdict: 'mismatch', reason: 'no majority: cannot tell which side is right' });
  return done(false, leaderId && compactGroup.some((m) => m.id === leaderId) ? 'undecided' : null, `MISMATCH at revision ${revision} with no majority: ${groups.map(name).join(' vs ')}`);
}

function groupBy<T, K>(xs: T[], key: (x: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const x of xs) out.set(key(x), [...(out.get(key(x)) ?? []), x]);
  return out;
}

function pickLargest<T>(groups: Map<unknown, T[]>, preferred: (g: T[]) => boolean): T[] {
  let best: T[] = [];
  for (const g of groups.values()) {
    if (g.length > best.length || (g.length === best.length && preferred(g))) best = g;
  }
  return best;
}
