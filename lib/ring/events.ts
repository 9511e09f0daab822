import { memberLabel } from '../model/labels';
import type { EventSeverity, MemberState, RingEvent, RingEventKind, RingState } from './types';

/**
 * The events between two successive states of one ring. Pure. Nothing is derived from the very
 * first state: it describes how things are, not what changed.
 */
export function diffRing(prev: RingState | null, next: RingState): RingEvent[] {
  if (!prev) return [];
  const out: Omit<RingEvent, 'id' | 'cluster' | 'at'>[] = [];
  const push = (kind: RingEventKind, severity: EventSeverity, message: string, extra: Partial<RingEvent> = {}) =>
    out.push({ kind, severity, message, ...extra });
  const who = (m: MemberState) => ({ memberId: m.id, memberName: m.name || undefined });

  const before = new Map(prev.members.map((m) => [m.id, m]));
  const after = new Map(next.members.map((m) => [m.id, m]));

  // A new cluster on the same endpoints (a restore): one event that says so, instead of every
  // member "removed" and "added" and a leader change between members of two different clusters.
  const replaced = prev.clusterId !== null && next.clusterId !== null && prev.clusterId !== next.clusterId;
  if (replaced) {
    push(
      'cluster-id-changed',
      'warning',
      `The cluster ID changed from ${prev.clusterId} to ${next.clusterId}: the endpoints now serve a new cluster (restored from a backup, or rebuilt) with ${next.members.length} member${next.members.length === 1 ? '' : 's'} (${next.members.map(memberLabel).join(', ')})`,
    );
  }
  for (const sp of next.splits) {
    if (prev.splits.some((x) => x.endpoint === sp.endpoint && x.clusterId === sp.clusterId)) continue;
    const m = after.get(sp.ringMemberId ?? '');
    push('member-down', 'critical', `Member ${m ? memberLabel(m) : sp.endpoint} is split from the ring: it answers as member ${sp.memberId} of cluster ${sp.clusterId}`, m ? who(m) : {});
  }

  // Membership only changes when both polls actually read the member list.
  if (!replaced && prev.membersKnown && next.membersKnown) {
    for (const m of next.members) {
      if (!before.has(m.id)) {
        const role = m.isLearner ? 'learner' : 'voter';
        push('member-added', 'info', `Member ${memberLabel(m)} added as ${role} (${m.peerURLs.join(', ') || 'no peer URL'})`, who(m));
      }
    }
    for (const m of prev.members) {
      if (!after.has(m.id)) push('member-removed', 'warning', `Member ${memberLabel(m)} removed from the ring`, who(m));
    }
  }

  for (const m of next.members) {
    const p = before.get(m.id);
    if (!p) continue;
    const name = memberLabel(m.name ? m : p);
    // A split was said above, with its cluster ID.
    if (p.reachable && !m.reachable && !m.split) {
      push('member-down', 'critical', `Member ${name} is down: ${m.error ?? 'no answer'}`, who(m.name ? m : p));
    } else if (!p.reachable && m.reachable) {
      push('member-up', 'good', `Member ${name} is up again`, who(m));
    }
    if (p.isLearner && !m.isLearner) push('member-promoted', 'good', `Learner ${name} promoted to voter`, who(m));
  }

  if (!replaced && prev.leader !== next.leader) {
    const nameOf = (id: string | null) => {
      if (!id) return 'none';
      const m = after.get(id) ?? before.get(id);
      return m ? memberLabel(m) : id;
    };
    const message = next.leader
      ? prev.leader
        ? `Leader changed from ${nameOf(prev.leader)} to ${nameOf(next.leader)} (term ${next.raftTerm ?? '?'})`
        : `${nameOf(next.leader)} elected leader (term ${next.raftTerm ?? '?'})`
      : `No leader: ${nameOf(prev.leader)} is no longer followed`;
    push('leader-changed', next.leader ? 'warning' : 'critical', message, { from: prev.leader, to: next.leader });
  }

  if (prev.quorum.hasQuorum && !next.quorum.hasQuorum) {
    push('quorum-lost', 'critical', `Quorum lost: ${next.quorum.healthy} of ${next.quorum.voters} voters healthy, ${next.quorum.needed} needed`);
  } else if (!prev.quorum.hasQuorum && next.quorum.hasQuorum) {
    push('quorum-regained', 'good', `Quorum regained: ${next.quorum.healthy} of ${next.quorum.voters} voters healthy`);
  }

  if (prev.alarmsKnown && next.alarmsKnown) {
    const key = (a: { memberId: string; alarm: string }) => `${a.memberId}/${a.alarm}`;
    const had = new Set(prev.alarms.map(key));
    const has = new Set(next.alarms.map(key));
    const target = (id: string) => (id === '0' ? 'the cluster (member 0)' : (after.get(id)?.name || id));
    for (const a of next.alarms) {
      if (!had.has(key(a))) {
        push('alarm-raised', 'critical', `${a.alarm} alarm raised on ${target(a.memberId)}`, { memberId: a.memberId, alarm: a.alarm });
      }
    }
    for (const a of prev.alarms) {
      if (!has.has(key(a))) {
        push('alarm-cleared', 'good', `${a.alarm} alarm cleared on ${target(a.memberId)}`, { memberId: a.memberId, alarm: a.alarm });
      }
    }
  }

  return out.map((e, n) => ({ ...e, id: `${next.bootId}-${next.seq}-${n}`, cluster: next.cluster, at: next.at }));
}
