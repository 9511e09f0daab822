import type { MemberMetrics } from '../metrics/member-metrics';
import type { VersionRefusal } from '../ring/advisories';

/** What members answer, mapped from etcd3's wire shapes (64-bit IDs as hex, counters as numbers). */
export interface MemberStatus {
  memberId: string;
  clusterId: string;
  /** The leader this member follows; "0" while it knows none. */
  leader: string;
  version: string;
  revision: number;
  raftTerm: number;
  raftIndex: number;
  raftAppliedIndex: number;
  dbSize: number;
  dbSizeInUse: number;
  errors: string[];
  isLearner: boolean;
}

export interface MemberListEntry {
  id: string;
  /** Empty while a member has been added but has not started yet. */
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface AlarmEntry {
  memberId: string;
  alarm: 'NOSPACE' | 'CORRUPT';
}

export type ProbeErrorCode = 'UNAVAILABLE' | 'TIMEOUT' | 'TLS' | 'ERROR';

export type MemberProbe =
  | { endpoint: string; ok: true; status: MemberStatus; latencyMs: number }
  | { endpoint: string; ok: false; code: ProbeErrorCode; error: string; latencyMs: number };

/** One member's /metrics scrape, turned into figures (or why it failed). */
export type MetricsResult = { ok: true; url: string; metrics: MemberMetrics } | { ok: false; url: string; error: string };

/** One poll of one cluster: everything the ring state is derived from. */
export interface PollResult {
  cluster: string;
  seq: number;
  /** Epoch ms when the poll started. */
  at: number;
  /** Wall time the poll took, ms. */
  durationMs: number;
  /** null when no member answered the member list. */
  members: MemberListEntry[] | null;
  /** The endpoint that answered the member list (its cluster ID says whose list it is). */
  membersFrom?: string;
  probes: MemberProbe[];
  /** null when no member answered the alarm list (it needs quorum). */
  alarms: AlarmEntry[] | null;
  /** /metrics of each member scraped alongside the status poll, by member ID; absent when off. */
  metrics?: Record<string, MetricsResult>;
  /** Members whose latest log line says they refused to start over versions (from the log collector, not the network). */
  versionRefusals?: VersionRefusal[];
}

/** One page of a keyspace scan: a serializable range at one revision (MemberClient.rangePage). */
export interface RangePageRequest {
  key: Buffer;
  /** Exclusive end; [0] means every key from `key` on. */
  rangeEnd: Buffer;
  /** 0: the member's newest revision. */
  revision: number;
  limit: number;
  /** Keys and their revisions without values. */
  keysOnly?: boolean;
  countOnly?: boolean;
}

export interface RangePage {
  /** The revision the page was read at (header.revision). */
  revision: number;
  /** Keys in [key, rangeEnd) at that revision, this page's and the rest. */
  count: number;
  more: boolean;
  kvs: {
    key: Buffer;
    /** 0 in a keys-only page. */
    valueSize: number;
    createRevision: number;
    modRevision: number;
    version: number;
    /** Lease ID as etcdctl prints it (16 hex digits); "0" for none. */
    lease: string;
  }[];
}
