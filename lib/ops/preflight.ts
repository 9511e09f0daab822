import { learnerLimit, lowestVersion } from '../model/etcd-versions';
import { isAlarmError } from '../ring/derive';
import { suspectsOf, type HashCheck } from '../ring/hashkv';
import type { MemberState, RingState } from '../ring/types';
import type { Check } from './types';

/** Pure safety rules for guided operations: every refusal names its reason. */

const voters = (ring: RingState) => ring.members.filter((m) => !m.isLearner);
/** A voter that answers and follows the current leader. */
export const isHealthyVoter = (ring: RingState, m: MemberState) =>
  !m.isLearner && m.reachable && ring.leader !== null && m.leaderSeen === ring.leader;

export function blocking(checks: Check[]): Check[] {
  return checks.filter((c) => !c.ok && c.severity === 'block');
}

/** The reasons as one sentence for an UNSAFE error. */
export function refusal(checks: Check[]): string | null {
  const b = blocking(checks);
  return b.length ? b.map((c) => c.message).join(' ') : null;
}

/** The quorum the ring would have after removing `target`. */
export function quorumAfterRemoval(ring: RingState, target: MemberState) {
  const v = voters(ring).filter((m) => m.id !== target.id).length;
  const healthy = voters(ring).filter((m) => m.id !== target.id && isHealthyVoter(ring, m)).length;
  const needed = Math.floor(v / 2) + 1;
  return { voters: v, healthy, needed, hasQuorum: v > 0 && healthy >= needed };
}

export interface SnapshotFreshness {
  /** When the newest verified snapshot of this cluster was taken, null if none. */
  newestAt: string | null;
  maxAgeMs: number;
  now: number;
}

/**
 * Before removing a voter to replace it. Mirrors what etcd itself refuses ("unhealthy cluster")
 * and adds what etcd does not check: quorum afterwards, a pending learner, a fresh snapshot.
 */
export function removalChecks(ring: RingState, targetId: string, snapshot: SnapshotFreshness, hash: HashCheck | null): Check[] {
  const target = ring.members.find((m) => m.id === targetId);
  const checks: Check[] = [];
  const add = (key: string, ok: boolean, message: string, severity: Check['severity'] = 'block') => checks.push({ key, ok, severity, message });

  add('membership', ring.membersKnown, ring.membersKnown ? 'The member list is current.' : 'No member answered the member list: Ringside cannot see the membership right now.');
  if (!target) {
    add('target', false, `No member ${targetId} is in the ring (already removed?).`);
    return checks;
  }
  const name = target.name || target.id;
  if (target.isLearner) {
    add('target', false, `${name} is a learner, not a voter: it does not need replacing (remove it, or promote it once in sync).`);
    return checks;
  }
  add('quorum-now', ring.quorum.hasQuorum, ring.quorum.hasQuorum
    ? `The ring has quorum (${ring.quorum.healthy} of ${ring.quorum.voters} voters healthy).`
    : 'The ring has no quorum: membership cannot change. Bring members back, or restore from a snapshot (disaster recovery).');

  const suspect = suspectsOf(hash).some((s) => s.id === target.id);
  const healthy = isHealthyVoter(ring, target);
  const othersDown = voters(ring).filter((m) => m.id !== target.id && !isHealthyVoter(ring, m));
  if (!healthy) {
    add('target-down', true, `${name} is down${target.error ? ` (${target.error})` : ''}: replacing it restores the fault margin.`);
  } else if (suspect) {
    add('target-down', true, `${name} answers, but its data disagrees with the majority (HashKV): replacing it is the fix.`, 'warn');
  } else {
    add('target-down', true, `${name} is up and healthy: replace it only if you mean to (e.g. moving it to a new machine).`, 'warn');
  }
  if (healthy && othersDown.length > 0) {
    const names = othersDown.map((m) => m.name || m.id).join(', ');
    add('others-healthy', false, `Refused: ${name} is healthy while ${names} ${othersDown.length > 1 ? 'are' : 'is'} down. Removing ${name} now would leave the ring one failure from losing quorum (and etcd refuses it as "unhealthy cluster"). Replace ${names} first.`);
  } else if (othersDown.length > 0) {
    add('others-healthy', false, `${othersDown.map((m) => m.name || m.id).join(', ')} ${othersDown.length > 1 ? 'are' : 'is'} also down. Replace one member at a time: bring the others back first.`);
  } else {
    add('others-healthy', true, 'Every other voter is healthy.');
  }

  const after = quorumAfterRemoval(ring, target);
  add('quorum-after', after.hasQuorum, after.hasQuorum
    ? `After removal: ${after.healthy} of ${after.voters} voters healthy, ${after.needed} needed. Quorum holds.`
    : `After removal only ${after.healthy} of ${after.voters} voters would be healthy and ${after.needed} are needed: the ring would lose quorum.`);

  if (target.isLeader && healthy) {
    add('not-leader', false, `${name} is the leader: move leadership to another voter first (Maintenance, Move leader).`);
  }
  const learner = ring.members.find((m) => m.isLearner);
  add('no-learner', !learner, learner
    ? `A learner is pending (${learner.name || learner.id}): finish it (start and promote) or remove it before another change.`
    : 'No learner is pending.');

  const age = snapshot.newestAt ? snapshot.now - Date.parse(snapshot.newestAt) : null;
  const fresh = age !== null && age <= snapshot.maxAgeMs;
  add('snapshot', fresh, fresh
    ? `A verified snapshot from ${age! < 60_000 ? 'less than a minute' : `${Math.round(age! / 60_000)} min`} ago exists.`
    : `${age === null ? 'No snapshot of this cluster exists' : `The newest snapshot is ${Math.round(age / 60_000)} min old`}; take one now (at most ${Math.round(snapshot.maxAgeMs / 60_000)} min old is required).`);
  return checks;
}

/** Before adding a learner: etcd refuses adds unless every voter is connected. */
export function addChecks(ring: RingState, name: string, peerURL: string): Check[] {
  const checks: Check[] = [];
  const add = (key: string, ok: boolean, message: string) => checks.push({ key, ok, severity: 'block', message });
  add('quorum-now', ring.quorum.hasQuorum, ring.quorum.hasQuorum ? 'The ring has quorum.' : 'The ring has no quorum: nothing can be added.');
  const down = voters(ring).filter((m) => !isHealthyVoter(ring, m));
  add('voters-healthy', down.length === 0, down.length === 0
    ? 'Every voter is healthy.'
    : `${down.map((m) => m.name || m.id).join(', ')} ${down.length > 1 ? 'are' : 'is'} down: remove the failed member first (etcd refuses adds while a voter is unreachable).`);
  const learner = ring.members.find((m) => m.isLearner);
  const version = lowestVersion(ring.members.map((m) => m.version));
  add('no-learner', !learner, learner ? `A learner is already pending (${learner.name || learner.id}); Ringside replaces one member at a time (${learnerLimit(version)}).` : 'No learner is pending.');
  const clash = ring.members.find((m) => m.peerURLs.includes(peerURL));
  add('peer-url-free', !clash, clash ? `${peerURL} is already the peer URL of ${clash.name || clash.id}.` : `${peerURL} is not used by any member.`);
  const named = ring.members.find((m) => m.name === name);
  add('name-free', !named, named ? `A member named ${name} already exists (${named.id}).` : `No member is named ${name}.`);
  return checks;
}

/**
 * Defragmentation blocks a member for its duration, so only members whose absence the ring can
 * afford; followers first, the leader last (after moving leadership away).
 */
export function defragChecks(ring: RingState, targets: MemberState[]): Check[] {
  const checks: Check[] = [];
  const add = (key: string, ok: boolean, message: string) => checks.push({ key, ok, severity: 'block', message });
  add('quorum-now', ring.quorum.hasQuorum, ring.quorum.hasQuorum ? 'The ring has quorum.' : 'The ring has no quorum.');
  // A learner refuses Defragment ("rpc not supported for learner": only Status and serializable
  // reads, v3rpc isRPCSupportedForLearner in 3.4-3.6); it catches up from the leader instead.
  const learners = targets.filter((m) => m.isLearner);
  if (learners.length) add('no-learner-target', false, `${learners.map((m) => m.name || m.id).join(', ')} ${learners.length > 1 ? 'are learners' : 'is a learner'}: etcd does not defragment a learner (promote it first).`);
  const voterTargets = targets.filter((m) => !m.isLearner);
  const margin = ring.quorum.canLose >= 1 || voterTargets.length === 0;
  add('margin', margin, margin
    ? `The ring can lose ${ring.quorum.canLose} member${ring.quorum.canLose === 1 ? '' : 's'}: it keeps quorum while one member defragments.`
    : `The ring can lose no member: defragmenting a voter would stall every write for its duration. Bring failed members back first.`);
  const unreachable = targets.filter((m) => !m.reachable);
  add('reachable', unreachable.length === 0, unreachable.length
    ? `${unreachable.map((m) => m.name || m.id).join(', ')} ${unreachable.length > 1 ? 'do' : 'does'} not answer.`
    : 'Every chosen member answers.');
  return checks;
}

/** Followers (and learners) first, the leader last. */
export function defragOrder(ring: RingState, targets: MemberState[]): MemberState[] {
  return [...targets].sort((a, b) => Number(a.isLeader) - Number(b.isLeader) || a.name.localeCompare(b.name));
}

/** Where leadership goes before the leader defragments: the healthy voter that is furthest along. */
export function nextLeader(ring: RingState, exclude: string[] = []): MemberState | null {
  return (
    voters(ring)
      .filter((m) => !m.isLeader && isHealthyVoter(ring, m) && !exclude.includes(m.id))
      .sort((a, b) => (b.raftAppliedIndex ?? 0) - (a.raftAppliedIndex ?? 0))[0] ?? null
  );
}

export function moveLeaderChecks(ring: RingState, targetId: string): Check[] {
  const target = ring.members.find((m) => m.id === targetId);
  const checks: Check[] = [];
  const add = (key: string, ok: boolean, message: string) => checks.push({ key, ok, severity: 'block', message });
  const leader = ring.members.find((m) => m.isLeader);
  add('leader', Boolean(leader?.reachable), leader ? `${leader.name} leads.` : 'The ring has no leader right now.');
  if (!target) {
    add('target', false, `No member ${targetId} is in the ring.`);
    return checks;
  }
  add('target-voter', !target.isLearner, target.isLearner ? `${target.name || target.id} is a learner and cannot lead.` : `${target.name} is a voter.`);
  add('target-not-leader', !target.isLeader, target.isLeader ? `${target.name} already leads.` : `${target.name} follows.`);
  const ok = isHealthyVoter(ring, target);
  add('target-healthy', ok || target.isLearner, ok ? `${target.name} is healthy.` : `${target.name || target.id} is not a healthy voter.`);
  return checks;
}

/** HashKV compared every voter at one revision and all agree. */
export function allVotersAgree(ring: RingState, hash: HashCheck | null, after?: string): boolean {
  if (!hash || hash.consistent !== true) return false;
  if (after && Date.parse(hash.checkedAt) < Date.parse(after)) return false;
  return voters(ring).every((v) => hash.members.some((c) => c.id === v.id && c.verdict === 'agree'));
}

/** CORRUPT may be disarmed only once every voter's hash agrees at a common revision. */
export function corruptDisarmChecks(ring: RingState, hash: HashCheck | null): Check[] {
  const checks: Check[] = [];
  const add = (key: string, ok: boolean, message: string) => checks.push({ key, ok, severity: 'block', message });
  const corrupt = ring.alarms.some((a) => a.alarm === 'CORRUPT');
  add('alarm', corrupt, corrupt ? 'A CORRUPT alarm is active.' : 'No CORRUPT alarm is active.');
  const vs = voters(ring);
  const all = allVotersAgree(ring, hash);
  add('hashes-agree', all, all
    ? `HashKV at revision ${hash!.revision} agrees on all ${vs.length} voters.`
    : hash?.consistent === false
      ? `HashKV disagrees (${hash.summary}): replace the member that differs first.`
      : `HashKV has not compared every voter yet (${hash?.summary ?? 'no check yet'}): wait for a check that includes all of them.`);
  return checks;
}

/**
 * The member a snapshot streams from: a healthy follower furthest along, else the leader. Never a
 * member whose data HashKV found different. An active alarm is every member's error, not a reason.
 */
export function snapshotSource(ring: RingState, hash: HashCheck | null = null): MemberState | null {
  const suspects = new Set(suspectsOf(hash).map((s) => s.id));
  const candidates = ring.members.filter(
    (m) => m.reachable && m.endpoint && !m.isLearner && !suspects.has(m.id) && m.errors.every(isAlarmError),
  );
  const followers = candidates.filter((m) => !m.isLeader && isHealthyVoter(ring, m)).sort((a, b) => (b.raftAppliedIndex ?? 0) - (a.raftAppliedIndex ?? 0));
  return followers[0] ?? candidates.find((m) => m.isLeader) ?? candidates[0] ?? null;
}
