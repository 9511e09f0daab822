import type { MemberMetrics } from '../metrics/member-metrics';

/**
 * The ring model: what the API serves and the browser renders. Pure data, safe to import
 * from client code with `import type`.
 */
export interface Quorum {
  /** Voting members (learners excluded). */
  voters: number;
  /** Voters Ringside reaches that follow the current leader. */
  healthy: number;
  /** Voters needed for a majority. */
  needed: number;
  /** How many more healthy voters can fail before writes stop; 0 when quorum is already lost. */
  canLose: number;
  hasQuorum: boolean;
}

export interface MemberState {
  id: string;
  name: string;
  clientURLs: string[];
  peerURLs: string[];
  isLearner: boolean;
  /** Added to the member list but never started: no name and no client URLs yet. */
  started: boolean;
  reachable: boolean;
  isLeader: boolean;
  /** The endpoint Ringside polls for this member, null when it has none. */
  endpoint: string | null;
  version: string | null;
  revision: number | null;
  raftTerm: number | null;
  raftIndex: number | null;
  raftAppliedIndex: number | null;
  dbSize: number | null;
  dbSizeInUse: number | null;
  /** The leader this member reports following ("0" = none), null when unreachable. */
  leaderSeen: string | null;
  errors: string[];
  latencyMs: number | null;
  /** Why the last probe failed, null when it answered. */
  error: string | null;
  /** ISO time of the last successful probe, null if never. */
  lastSeen: string | null;
  /** Health figures from the member's /metrics (fsync and commit p99, peers, proposals...), null when not scraped. */
  metrics: MemberMetrics | null;
  /** Why the last /metrics scrape failed, null when it worked or scraping is off. */
  metricsError: string | null;
  /** Where its /metrics is scraped from, null when off. */
  metricsURL: string | null;
  /**
   * Its endpoint answers, but as a member of another cluster (another cluster ID): split from
   * the ring, e.g. an old member left running after a restore. Counted as not reachable.
   */
  split: { clusterId: string; memberId: string } | null;
}

/** An endpoint that answers with a cluster ID other than the ring's. */
export interface SplitEndpoint {
  endpoint: string;
  memberId: string;
  clusterId: string;
  /** The member of the ring listed at that endpoint, if any. */
  ringMemberId: string | null;
}

export interface Alarm {
  memberId: string;
  alarm: 'NOSPACE' | 'CORRUPT';
  /** ISO time Ringside first saw it (etcd does not say when it was raised). */
  since: string;
}

export type RingHealth = 'healthy' | 'degraded' | 'alarm' | 'no-quorum' | 'unknown';

export interface RingWarning {
  kind:
    | 'leader-disagreement'
    | 'no-leader'
    | 'membership-unknown'
    | 'alarms-unknown'
    | 'unstarted-member'
    | 'member-errors'
    | 'endpoint-unreachable'
    | 'version-advisory'
    | 'cluster-split'
    | 'cluster-id-changed';
  message: string;
}

export interface RingState {
  cluster: string;
  /** ISO time of the poll this state came from. */
  at: string;
  /** Poll sequence within one server process (`bootId`); newer states have higher numbers. */
  seq: number;
  bootId: string;
  /** The ring's cluster ID: the one most answering members report. */
  clusterId: string | null;
  /** Endpoints that answer with another cluster ID: never mixed into the ring, each shown as split. */
  splits: SplitEndpoint[];
  /** The cluster ID changed (a restore, or a rebuilt cluster on the same endpoints): from what, and when Ringside saw it; kept an hour. */
  clusterIdChanged: { from: string; at: string } | null;
  leader: string | null;
  raftTerm: number | null;
  quorum: Quorum;
  members: MemberState[];
  alarms: Alarm[];
  /** False when the last poll could not read alarms; `alarms` then holds the last known list. */
  alarmsKnown: boolean;
  /** False when no member answered the member list; `members` then holds the last known membership. */
  membersKnown: boolean;
  health: RingHealth;
  /** One line a person can read: "healthy: can lose 1 more member". */
  summary: string;
  warnings: RingWarning[];
  /** Polled endpoints that failed and belong to no known member (e.g. a configured endpoint before discovery). */
  endpointErrors: { endpoint: string; error: string }[];
  pollDurationMs: number;
  pollIntervalMs: number;
}

export type RingEventKind =
  | 'member-down'
  | 'member-up'
  | 'leader-changed'
  | 'quorum-lost'
  | 'quorum-regained'
  | 'member-added'
  | 'member-removed'
  | 'member-promoted'
  | 'alarm-raised'
  | 'alarm-cleared'
  | 'alert-firing'
  | 'alert-resolved'
  | 'cluster-id-changed';

export type EventSeverity = 'good' | 'info' | 'warning' | 'critical';

export interface RingEvent {
  /** Unique within a boot: `${bootId}-${seq}-${n}`. */
  id: string;
  cluster: string;
  at: string;
  kind: RingEventKind;
  severity: EventSeverity;
  memberId?: string;
  memberName?: string;
  /** For leader-changed: the previous and new leader IDs (null = none). */
  from?: string | null;
  to?: string | null;
  alarm?: string;
  /** For alert-firing and alert-resolved: the rule, e.g. etcdMembersDown. */
  rule?: string;
  message: string;
}
