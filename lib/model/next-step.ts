import type { CorruptionAudit } from '../ring/corruption-audit';
import { suspectsOf, type HashCheck } from './hash-verdicts';
import type { RingState } from '../ring/types';

export interface NextStep {
  severity: 'critical' | 'warning';
  title: string;
  steps: string[];
  /** The guided action that carries the steps out, when there is one. */
  action?: { kind: 'replace'; memberId: string; memberName: string } | { kind: 'disarm-corrupt' };
}

/**
 * The safe next step for what the evidence shows, in the order the etcd docs and KubeOne's
 * guide give it. Never a membership change that could cost quorum.
 */
export function corruptionNextStep(ring: RingState, check: HashCheck | null, audits: CorruptionAudit[]): NextStep | null {
  const corrupt = ring.alarms.some((a) => a.alarm === 'CORRUPT');
  const suspects = suspectsOf(check);
  if (check?.consistent === false && suspects.length > 0) {
    const names = suspects.map((s) => s.name).join(', ');
    const margin = ring.quorum.canLose;
    return {
      severity: 'critical',
      title: `Replace ${names}, one member at a time`,
      steps: [
        'Take a snapshot from a member whose hash agrees with the majority, and keep it off the cluster.',
        margin >= 1 || suspects.length === 1
          ? `Remove ${suspects[0].name} from the member list (etcdctl member remove ${suspects[0].id}); the ring keeps quorum without it.`
          : 'The ring has no fault margin: bring down members back before removing anyone.',
        'Add it back as a learner with an empty data dir (etcdctl member add --learner), start it with --initial-cluster-state=existing, and promote it once it has caught up.',
        'Wait until HashKV agrees on every member' + (corrupt ? ', then disarm the CORRUPT alarm (etcdctl alarm disarm).' : '.'),
      ],
      action: { kind: 'replace', memberId: suspects[0].id, memberName: suspects[0].name },
    };
  }
  if (check?.consistent === false) {
    return {
      severity: 'critical',
      title: 'Data diverged with no majority: do not change membership yet',
      steps: [
        'Snapshot every member on each side of the split before anything else.',
        'Compare the keys of the snapshots (etcdctl snapshot status, then restore each to a scratch dir and diff) to learn which side is right.',
        'Only then replace the members on the wrong side, one at a time.',
      ],
    };
  }
  if (corrupt) {
    return {
      severity: 'critical',
      title: 'CORRUPT alarm with no hash split now: find the member the leader named',
      steps: [
        "Look for the leader's corruption lines below: their follower-peer-id names the member it found different.",
        'If a member was already replaced and the hashes agree on every member, disarm the alarm (etcdctl alarm disarm).',
      ],
      action: { kind: 'disarm-corrupt' },
    };
  }
  const off = audits.filter((a) => a.recommended.length > 0);
  if (off.length > 0) {
    return {
      severity: 'warning',
      title: "Turn on etcd's own corruption checks",
      // Members of different versions spell the flags differently (mid-upgrade): one step per spelling.
      steps: byLines(off, (a) => a.recommended).map(
        ([members, lines]) => `${members.join(', ')} ${members.length === 1 ? 'runs' : 'run'} without them. Add to ${members.length === 1 ? 'it' : 'each'}, one restart at a time: ${lines.join(' ')}`,
      ),
    };
  }
  const deprecated = audits.filter((a) => a.deprecated.some((d) => d.replacement));
  if (deprecated.length > 0) {
    return {
      severity: 'warning',
      title: 'Replace deprecated etcd flags before the next minor removes them',
      steps: byLines(deprecated, replacements).map(
        ([members, lines]) => `${members.join(', ')}: ${lines.join('; ')} (setting the old and the new spelling together stops etcd 3.6 at start).`,
      ),
    };
  }
  return null;
}

/** "old → new" per replacement line: several flags that become one --feature-gates line are said once. */
function replacements(a: CorruptionAudit): string[] {
  const byReplacement = new Map<string, string[]>();
  for (const d of a.deprecated) byReplacement.set(d.replacement ?? 'remove', [...(byReplacement.get(d.replacement ?? 'remove') ?? []), d.flag]);
  return [...byReplacement].map(([to, from]) => `${from.join(' and ')} → ${to}`);
}

/** Members grouped by the lines they need, so one instruction covers every member that needs the same. */
function byLines(audits: CorruptionAudit[], lines: (a: CorruptionAudit) => string[]): [string[], string[]][] {
  const groups = new Map<string, [string[], string[]]>();
  for (const a of audits) {
    const l = lines(a);
    const key = l.join('\n');
    if (!groups.has(key)) groups.set(key, [[], l]);
    groups.get(key)![0].push(a.member);
  }
  return [...groups.values()];
}
