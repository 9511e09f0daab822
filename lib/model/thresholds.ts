/** etcd-mixin's thresholds and ours, shared by the alert rules and the charts' threshold lines. */
export const THRESHOLDS = {
  walFsyncP99Ms: { warning: 500, critical: 1000 },
  backendCommitP99Ms: { warning: 250 },
  peerRttP99Ms: { warning: 150 },
  proposalsFailed15m: { warning: 5 },
  leaderChanges15m: { warning: 4 },
  quotaUsedPct: { critical: 95 },
  /** Fragmentation: in use below this share of the file, when in use is above fragmentedMinBytes. */
  inUsePct: { warning: 50 },
  fragmentedMinBytes: 100 * 1024 * 1024,
  /** etcd's own limit is 5000 uncommitted-but-unapplied entries before it refuses proposals. */
  applyLag: { warning: 1000 },
  peerSentFailuresPerSec: 0.01,
} as const;
