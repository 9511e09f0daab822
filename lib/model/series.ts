import { THRESHOLDS } from './thresholds';
import type { MemberState, RingState } from '../ring/types';

/**
 * The figures kept per member per poll, in the order they are stored. Pure: the server records
 * them into its history and the browser appends the same samples from the live stream.
 */
export const SERIES_KEYS = [
  'latencyMs',
  'revision',
  'raftIndex',
  'applyLag',
  'dbSize',
  'dbSizeInUse',
  'inUsePct',
  'quotaUsedPct',
  'walFsyncP99Ms',
  'backendCommitP99Ms',
  'peerRttP99Ms',
  'proposalsPending',
  'proposalsFailed15m',
  'leaderChanges15m',
  'slowApplies15m',
  'heartbeatFailures15m',
] as const;
export type SeriesKey = (typeof SERIES_KEYS)[number];

export type Aggregate = 'max' | 'mean' | 'min';

export interface Threshold {
  value: number;
  severity: 'warning' | 'critical';
  /** The etcd-mixin or Ringside rule the line stands for. */
  label: string;
  /** 'above': trouble above the line (the usual); 'below': trouble below it. */
  side?: 'above' | 'below';
}

export interface SeriesDef {
  label: string;
  unit: 'ms' | 'bytes' | '%' | 'count' | 'entries' | 'revision';
  /** What a chart shows when points are downsampled: max for latencies and lags (a mean hides spikes). */
  agg: Aggregate;
  thresholds?: Threshold[];
  help: string;
  /** Kept whole in history (a 64-bit float): counters that pass 2^24. Others keep 7 significant digits. */
  exact?: true;
  /** From the /metrics scrape: the same at every poll between two scrapes (history keeps it once per change). */
  scraped?: true;
  read(m: MemberState, leader: MemberState | undefined): number | null;
}

const T = THRESHOLDS;

export const SERIES: Record<SeriesKey, SeriesDef> = {
  latencyMs: { label: 'Status latency', unit: 'ms', agg: 'max', help: 'Round trip of Ringside’s status call to the member', read: (m) => (m.reachable ? m.latencyMs : null) },
  revision: { label: 'Revision', unit: 'revision', agg: 'max', help: 'The member’s store revision', exact: true, read: (m) => m.revision },
  raftIndex: { label: 'Raft index', unit: 'entries', agg: 'max', help: 'The member’s raft index', exact: true, read: (m) => m.raftIndex },
  applyLag: {
    label: 'Apply lag behind the leader',
    unit: 'entries',
    agg: 'max',
    thresholds: [{ value: T.applyLag.warning, severity: 'warning', label: 'ringsideApplyBehind' }],
    help: 'Leader’s raft index minus the member’s applied index',
    read: (m, leader) => (leader?.raftIndex != null && m.raftAppliedIndex !== null ? Math.max(0, leader.raftIndex - m.raftAppliedIndex) : null),
  },
  dbSize: { label: 'DB size', unit: 'bytes', agg: 'max', help: 'Size of the member’s bbolt file', read: (m) => m.dbSize },
  dbSizeInUse: { label: 'DB in use', unit: 'bytes', agg: 'max', help: 'Bytes of the db file in use (the rest is free pages until a defrag)', read: (m) => m.dbSizeInUse },
  inUsePct: {
    label: 'DB in use (fragmentation)',
    unit: '%',
    agg: 'min',
    thresholds: [{ value: T.inUsePct.warning, severity: 'warning', label: 'etcdDatabaseHighFragmentationRatio (above 100 MB in use)', side: 'below' }],
    help: 'In use as a share of the db file; low means fragmented',
    read: (m) => (m.dbSize && m.dbSizeInUse !== null ? (m.dbSizeInUse / m.dbSize) * 100 : null),
  },
  quotaUsedPct: {
    label: 'DB size of quota',
    unit: '%',
    agg: 'max',
    thresholds: [{ value: T.quotaUsedPct.critical, severity: 'critical', label: 'etcdDatabaseQuotaLowSpace' }],
    help: 'DB size as a share of --quota-backend-bytes',
    scraped: true, read: (m) => m.metrics?.quotaUsedPct ?? null,
  },
  walFsyncP99Ms: {
    label: 'WAL fsync p99',
    unit: 'ms',
    agg: 'max',
    thresholds: [
      { value: T.walFsyncP99Ms.warning, severity: 'warning', label: 'etcdHighFsyncDurations' },
      { value: T.walFsyncP99Ms.critical, severity: 'critical', label: 'etcdHighFsyncDurations' },
    ],
    help: 'p99 of WAL fsync over the last 30 s; healthy disks stay under 10 ms',
    scraped: true, read: (m) => m.metrics?.walFsyncP99Ms ?? null,
  },
  backendCommitP99Ms: {
    label: 'Backend commit p99',
    unit: 'ms',
    agg: 'max',
    thresholds: [{ value: T.backendCommitP99Ms.warning, severity: 'warning', label: 'etcdHighCommitDurations' }],
    help: 'p99 of bbolt commits over the last 30 s; healthy disks stay under 25 ms',
    scraped: true, read: (m) => m.metrics?.backendCommitP99Ms ?? null,
  },
  peerRttP99Ms: {
    label: 'Peer round trip p99 (slowest peer)',
    unit: 'ms',
    agg: 'max',
    thresholds: [{ value: T.peerRttP99Ms.warning, severity: 'warning', label: 'etcdMemberCommunicationSlow' }],
    help: 'p99 round trip to the slowest peer over the last 5 min',
    scraped: true, read: (m) => m.metrics?.peerRttP99Ms ?? null,
  },
  proposalsPending: { label: 'Proposals pending', unit: 'count', agg: 'max', help: 'Proposals waiting to commit', scraped: true, read: (m) => m.metrics?.proposalsPending ?? null },
  proposalsFailed15m: {
    label: 'Failed proposals (15 min)',
    unit: 'count',
    agg: 'max',
    thresholds: [{ value: T.proposalsFailed15m.warning, severity: 'warning', label: 'etcdHighNumberOfFailedProposals' }],
    help: 'Failed proposals in the last 15 minutes',
    scraped: true, read: (m) => m.metrics?.proposalsFailed15m ?? null,
  },
  leaderChanges15m: {
    label: 'Leader changes seen (15 min)',
    unit: 'count',
    agg: 'max',
    thresholds: [{ value: T.leaderChanges15m.warning, severity: 'warning', label: 'etcdHighNumberOfLeaderChanges' }],
    help: 'Leader changes the member saw in the last 15 minutes',
    scraped: true, read: (m) => m.metrics?.leaderChanges15m ?? null,
  },
  slowApplies15m: { label: 'Slow applies (15 min)', unit: 'count', agg: 'max', help: 'Applies that took over 100 ms, last 15 minutes', scraped: true, read: (m) => m.metrics?.slowApplies15m ?? null },
  heartbeatFailures15m: {
    label: 'Heartbeat send failures (15 min)',
    unit: 'count',
    agg: 'max',
    help: 'Heartbeats the leader failed to send on time (slow disk or network), last 15 minutes',
    scraped: true, read: (m) => m.metrics?.heartbeatFailures15m ?? null,
  },
};

export interface MemberSample {
  id: string;
  name: string;
  /** One value per SERIES_KEYS entry; NaN where unknown. */
  values: number[];
}

/** One poll as history keeps it. */
export interface HistorySample {
  at: number;
  members: MemberSample[];
}

/** The figures of one poll, per member, in SERIES_KEYS order. */
export function sampleOf(ring: RingState): HistorySample {
  const leader = ring.members.find((m) => m.isLeader);
  return {
    at: Date.parse(ring.at),
    members: ring.members.map((m) => ({
      id: m.id,
      name: m.name || m.id,
      values: SERIES_KEYS.map((k) => {
        const v = m.reachable ? SERIES[k].read(m, leader) : null;
        return v === null || !Number.isFinite(v) ? NaN : v;
      }),
    })),
  };
}
