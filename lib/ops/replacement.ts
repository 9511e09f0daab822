import type { AuditEntry } from '../audit/types';
import { learnerReady, lowestVersion } from '../model/etcd-versions';
import type { HashCheck } from '../ring/hashkv';
import type { RingState } from '../ring/types';
import { etcdServersFlag, startInstructions, suggestClientURL } from './instructions';
import { allVotersAgree, isHealthyVoter, removalChecks, type SnapshotFreshness } from './preflight';
import type { ReplacementView } from './types';


export interface ReplacedMember {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  /** What it ran (recorded since issue 16). */
  version?: string | null;
}

/**
 * The version a replacement starts with: the replaced member's, else the lowest voter's (mid-upgrade
 * the ring speaks the lowest version's protocol; a new member is not the one to push it ahead).
 */
function ringVersion(ring: RingState, removed: ReplacedMember | undefined): string | null {
  return removed?.version ?? lowestVersion(ring.members.filter((m) => !m.isLearner).map((m) => m.version));
}
export interface AddedMember {
  id: string;
  name: string;
  peerURL: string;
  clientURL: string;
}

export interface ReplacementInput {
  ring: RingState;
  /** This cluster's successful audit entries, newest first. */
  audit: AuditEntry[];
  hash: HashCheck | null;
  snapshot: SnapshotFreshness;
  /** The member the operator picked to replace, if any. */
  targetId: string | null;
  tls: boolean;
  canLaunch: boolean;
}

/**
 * Where a member replacement stands. The truth is etcd's membership; the audit log only says
 * what Ringside set out to do (which member was removed, the name of the one added), so a page
 * reload or a Ringside restart resumes at the right step.
 */
export function replacementView(input: ReplacementInput): ReplacementView {
  const { ring, hash, tls, canLaunch } = input;
  // A member picked earlier and since removed (a reload of the wizard's first URL) picks nothing.
  const targetId = input.targetId && ring.members.some((m) => m.id === input.targetId) ? input.targetId : null;
  const ours = input.audit.filter((e) => e.result === 'ok' && typeof e.details?.replacementId === 'string');
  const replacementId = (ours[0]?.details?.replacementId as string | undefined) ?? null;
  const mine = ours.filter((e) => e.details?.replacementId === replacementId);
  const removed = mine.find((e) => e.action === 'member-remove')?.details?.removed as ReplacedMember | undefined;
  const added = mine.find((e) => e.action === 'member-add')?.details?.added as AddedMember | undefined;
  const promoted = mine.find((e) => e.action === 'member-promote');
  const leader = ring.members.find((m) => m.isLeader) ?? null;

  const view: ReplacementView = {
    step: 'choose',
    target: removed ?? null,
    learner: null,
    checks: [],
    suggestion: null,
    instructions: null,
    etcdServers: null,
    notes: [],
    replacementId,
    canLaunch,
  };

  const learner = ring.members.find((m) => m.isLearner);
  if (learner) {
    const isOurs = added?.id === learner.id;
    const name = isOurs ? added!.name : learner.name || 'new-member';
    const peerURL = learner.peerURLs[0] ?? '';
    const clientURL = isOurs ? added!.clientURL : (learner.clientURLs[0] ?? suggestClientURL(peerURL));
    if (!isOurs) view.notes.push(`A learner (${learner.name || learner.id}) was added outside this wizard; the steps below finish it.`);
    view.learner = {
      id: learner.id,
      name,
      peerURL,
      started: learner.started,
      isLearner: true,
      raftIndex: learner.raftIndex,
      leaderRaftIndex: leader?.raftIndex ?? null,
    };
    // etcd's own rule: promotable at 90% of the leader's progress (lib/model/etcd-versions learnerReady).
    view.step = !learner.started || !learner.reachable ? 'start' : learnerReady(learner.raftIndex, leader?.raftIndex ?? null) ? 'promote' : 'catch-up';
    if (learner.started && !learner.reachable) view.notes.push(`${name} started once but does not answer now (${learner.error ?? 'unreachable'}).`);
    view.instructions = startInstructions(ring, { id: learner.id, name, peerURL, clientURL }, tls, ringVersion(ring, removed));
    return view;
  }

  if (removed && !added) {
    const back = ring.members.find((m) => m.id === removed.id);
    if (!back) {
      view.step = 'add';
      view.suggestion = {
        name: removed.name,
        peerURL: removed.peerURLs[0] ?? '',
        clientURL: suggestClientURL(removed.peerURLs[0] ?? 'http://127.0.0.1:2380', removed.clientURLs[0]),
      };
      return view;
    }
  }

  if (added && promoted) {
    const member = ring.members.find((m) => m.id === added.id);
    if (member && !member.isLearner && !targetId) {
      const healthy = ring.members.filter((m) => !m.isLearner).every((m) => isHealthyVoter(ring, m));
      const agree = allVotersAgree(ring, hash, promoted.at);
      view.learner = { id: member.id, name: member.name || added.name, peerURL: added.peerURL, started: true, isLearner: false, raftIndex: member.raftIndex, leaderRaftIndex: leader?.raftIndex ?? null };
      view.step = healthy && agree ? 'done' : 'verify';
      view.etcdServers = etcdServersFlag(ring);
      if (!healthy) view.notes.push('Waiting for every voter to be healthy.');
      if (!agree) view.notes.push('Waiting for a HashKV check after the promotion that compares every voter.');
      return view;
    }
  } else if (added && !ring.members.some((m) => m.id === added.id)) {
    view.notes.push(`The member ${added.name} (${added.id}) added at ${mine.find((e) => e.action === 'member-add')!.at} is no longer in the ring (removed by hand?). Start again.`);
  }

  view.target = null;
  if (targetId) {
    const t = ring.members.find((m) => m.id === targetId)!;
    view.step = 'preflight';
    view.target = { id: t.id, name: t.name, peerURLs: t.peerURLs, clientURLs: t.clientURLs };
    view.checks = removalChecks(ring, targetId, input.snapshot, hash);
  } else if (input.targetId) {
    view.notes.push(`No member ${input.targetId} is in the ring now; choose one below.`);
  }
  return view;
}
