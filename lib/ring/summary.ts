import type { Alert } from '../alerts/tracker';
import type { BackupStatus } from '../backups/types';
import type { ClusterConfig } from '../config/types';
import { memberLabel } from '../model/labels';
import type { HashCheck } from './hashkv';
import type { Alarm, Quorum, RingHealth, RingState } from './types';

/** A cluster as the overview and `/api/clusters` list it: enough to triage, small enough for a fleet. */
export interface ClusterSummary {
  name: string;
  endpoints: string[];
  tls: boolean;
  /** ISO time of the latest poll, null before the first. */
  at: string | null;
  health: RingHealth;
  summary: string;
  leader: { id: string; name: string } | null;
  raftTerm: number | null;
  quorum: Quorum | null;
  members: { total: number; reachable: number; learners: number };
  alarms: Alarm[];
  warnings: number;
  pollIntervalMs: number | null;
  /** Firing alerts, worst first (pending ones are left out of the overview). */
  alerts: Pick<Alert, 'id' | 'rule' | 'severity' | 'message' | 'firingSince'>[];
  /** The latest HashKV verdict: true agree, false a split, null could not tell; absent before the first check. */
  hash: { consistent: boolean | null; revision: number | null; checkedAt: string; summary: string } | null;
  /** Freshness of the newest verified backup and the last restore drill; null without a backup store. */
  backups: BackupStatus | null;
  /** Each member in a line, for the wall screen. */
  memberList: { id: string; name: string; role: 'leader' | 'follower' | 'learner'; reachable: boolean; started: boolean; latencyMs: number | null; error: string | null }[];
}

export function summarizeCluster(
  cluster: Pick<ClusterConfig, 'name' | 'endpoints' | 'tls'>,
  ring: RingState | null,
  alerts: readonly Alert[] = [],
  hash: HashCheck | null = null,
  backups: BackupStatus | null = null,
): ClusterSummary {
  const leader = ring?.members.find((m) => m.isLeader);
  return {
    name: cluster.name,
    endpoints: cluster.endpoints,
    tls: Boolean(cluster.tls),
    at: ring?.at ?? null,
    health: ring?.health ?? 'unknown',
    summary: ring?.summary ?? 'not polled yet',
    leader: leader ? { id: leader.id, name: memberLabel(leader) } : null,
    raftTerm: ring?.raftTerm ?? null,
    quorum: ring?.quorum ?? null,
    members: {
      total: ring?.members.length ?? 0,
      reachable: ring?.members.filter((m) => m.reachable).length ?? 0,
      learners: ring?.members.filter((m) => m.isLearner).length ?? 0,
    },
    alarms: ring?.alarms ?? [],
    alerts: alerts.filter((a) => a.state === 'firing').map(({ id, rule, severity, message, firingSince }) => ({ id, rule, severity, message, firingSince })),
    warnings: ring?.warnings.length ?? 0,
    pollIntervalMs: ring?.pollIntervalMs ?? null,
    hash: hash ? { consistent: hash.consistent, revision: hash.revision, checkedAt: hash.checkedAt, summary: hash.summary } : null,
    backups,
    memberList: (ring?.members ?? []).map((m) => ({
      id: m.id,
      name: memberLabel(m),
      role: m.isLeader ? 'leader' : m.isLearner ? 'learner' : 'follower',
      reachable: m.reachable,
      started: m.started,
      latencyMs: m.latencyMs,
      error: m.error,
    })),
  };
}
