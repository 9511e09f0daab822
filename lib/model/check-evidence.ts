import type { AlertRuleName } from '../alerts/rules';
import type { RingState } from '../ring/types';

/**
 * What a piece of consistency evidence says, kept apart in every view (log panel, consistency
 * panel, triage, timeline, incident summary, alerts). Pure data and pure functions, safe to
 * import from client code.
 *
 * - `corruption`: the members' data differs. A hash mismatch (etcd's own checks or Ringside's
 *   HashKV), a member refusing to start over inconsistent data, the CORRUPT alarm, a member whose
 *   own db is damaged. The only kind shown red and called corruption.
 * - `check-health`: a check round started, passed, or could not do its job: a peer it could not
 *   reach, a revision compacted away, a timeout. When the peer it could not reach is down, the
 *   failure is a consequence of that outage, not a finding about data.
 * - `check-config`: the checks are on (what a member announces at start).
 */
export type CheckEvidence = 'corruption' | 'check-health' | 'check-config';

/**
 * How a check went, for `check-health` (and `enabled` for `check-config`):
 * - started, passed: a round began, or ended with every peer compared and no difference;
 * - partial: a round ended without comparing every peer (one could not be reached);
 * - found: a round ended after finding a difference (the difference itself is `corruption`);
 * - unreachable: a peer did not answer the hash request;
 * - inconclusive: a peer answered but could not be compared (compacted, future revision,
 *   different compact revision);
 * - failed: the round itself failed (a timeout, an internal error).
 */
export type CheckOutcome = 'started' | 'passed' | 'partial' | 'found' | 'unreachable' | 'inconclusive' | 'failed' | 'enabled';

export interface CheckFinding {
  evidence: CheckEvidence;
  outcome?: CheckOutcome;
  /** The peer the line is about, as etcd wrote it: a member ID in hex or a peer URL. */
  peer?: string;
  /** That peer as Ringside knew it when the line arrived; `down` ties a failure to its outage. */
  about?: { id: string; name: string; down: boolean };
}

/** Failures that only say a check could not compare; a member that is down explains them. */
const FAILURES: ReadonlySet<CheckOutcome> = new Set(['partial', 'unreachable', 'inconclusive', 'failed']);

export function isCheckFailure(f: CheckFinding | null | undefined): boolean {
  return f?.evidence === 'check-health' && f.outcome !== undefined && FAILURES.has(f.outcome);
}

/** The member a peer reference (hex ID, peer URL or client URL) names, if the ring knows it. */
export function memberForPeer(peer: string, ring: Pick<RingState, 'members'>) {
  return ring.members.find((m) => m.id === peer || m.peerURLs.includes(peer) || m.clientURLs.includes(peer)) ?? null;
}

/** The finding with its peer resolved against what Ringside knows now (a down peer explains a failure). */
export function attributeFinding(f: CheckFinding, ring: Pick<RingState, 'members'> | null): CheckFinding {
  if (!f.peer || !ring) return f;
  const m = memberForPeer(f.peer, ring);
  return m ? { ...f, about: { id: m.id, name: m.name || m.id, down: !m.reachable } } : f;
}

/** The finding in words, without the member that logged it: "could not reach m2 (m2 is down)". */
export function describeFinding(f: CheckFinding): string {
  const peer = f.about?.name ?? f.peer;
  const outage = f.about?.down ? ` (${f.about.name} is down: a consequence of its outage, not a finding about data)` : '';
  switch (f.outcome) {
    case 'started':
      return 'check started';
    case 'passed':
      return 'check passed';
    case 'partial':
      return 'check round ended without comparing every peer';
    case 'found':
      return 'check round ended after finding a difference';
    case 'unreachable':
      return `check could not reach ${peer ?? 'a peer'}${outage}`;
    case 'inconclusive':
      return `check could not compare${peer ? ` with ${peer}` : ''} (different revisions)${outage}`;
    case 'failed':
      return 'check round failed';
    case 'enabled':
      return 'checks enabled';
    default:
      return f.evidence === 'corruption' ? 'data differs' : 'check';
  }
}

/** The badge every view shows for a kind of evidence: only corruption says corruption. */
export const EVIDENCE_LABEL: Record<CheckEvidence, string> = {
  corruption: 'corruption',
  'check-health': 'check',
  'check-config': 'check settings',
};

const CORRUPTION_RULES: ReadonlySet<AlertRuleName> = new Set(['ringsideCorruptAlarm', 'ringsideHashMismatch']);

/** Alerts about the data itself; the rest are about members, disks, quorum. */
export function alertEvidence(rule: AlertRuleName | string): CheckEvidence | null {
  return CORRUPTION_RULES.has(rule as AlertRuleName) ? 'corruption' : null;
}
