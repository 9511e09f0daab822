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

  // Membership only changes when both polls actually read the member list.
  if (prev.membersKnown && next.membersKnown) {
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
    if (p.reachable && !m.reachable) {
      push('member-down', 'critical', `Member ${name} is down: ${m.error ?? 'no answer'}`, who(m.name ? m : p));
    } else if (!p.reachable && m.reachable) {
      push('member-up', 'good', `Member ${name} is up again`, who(m));
    }
    if (p.isLearner && !m.isLearner) push('member-promoted', 'good', `Learner ${name} promoted to voter`, who(m));
  }

  if (prev.leader !== next.leader) {
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
