// etcd 3.6's own tables of the flags it renamed, turned into feature gates or deprecated,
// transcribed from etcd's sources at v3.6.14 (github.com/etcd-io/etcd).

/**
 * server/etcdmain/config.go at v3.6.14, lines 60-79: `deprecatedFlags`, the warning etcd logs for
 * each flag explicitly set. (--experimental-initial-corrupt-check is not in it: its deprecation is
 * only in server/etcdmain/help.go, below, and in the upgrade guide.)
 */
export const DEPRECATED_FLAGS_V3_6_14: Readonly<Record<string, string>> = {
  'max-snapshots': '--max-snapshots is deprecated in 3.6 and will be decommissioned in 3.8.',
  'v2-deprecation': '--v2-deprecation is deprecated and scheduled for removal in v3.8. The default value is enforced, ignoring user input.',
  'experimental-compact-hash-check-enabled': "--experimental-compact-hash-check-enabled is deprecated in 3.6 and will be decommissioned in 3.7. Use '--feature-gates=CompactHashCheck=true' instead.",
  'experimental-compact-hash-check-time': "--experimental-compact-hash-check-time is deprecated in 3.6 and will be decommissioned in 3.7. Use '--compact-hash-check-time' instead.",
  'experimental-txn-mode-write-with-shared-buffer': "--experimental-txn-mode-write-with-shared-buffer is deprecated in v3.6 and will be decommissioned in v3.7. Use '--feature-gates=TxnModeWriteWithSharedBuffer=true' instead.",
  'experimental-corrupt-check-time': "--experimental-corrupt-check-time is deprecated in v3.6 and will be decommissioned in v3.7. Use '--corrupt-check-time' instead.",
  'experimental-compaction-batch-limit': "--experimental-compaction-batch-limit is deprecated in v3.6 and will be decommissioned in v3.7. Use '--compaction-batch-limit' instead.",
  'experimental-watch-progress-notify-interval': "--experimental-watch-progress-notify-interval is deprecated in v3.6 and will be decommissioned in v3.7. Use '--watch-progress-notify-interval' instead.",
  'experimental-warning-apply-duration': "--experimental-warning-apply-duration is deprecated in v3.6 and will be decommissioned in v3.7. Use '--warning-apply-duration' instead.",
  'experimental-bootstrap-defrag-threshold-megabytes': "--experimental-bootstrap-defrag-threshold-megabytes is deprecated in v3.6 and will be decommissioned in v3.7. Use '--bootstrap-defrag-threshold-megabytes' instead.",
  'experimental-memory-mlock': "--experimental-memory-mlock is deprecated in v3.6 and will be decommissioned in v3.7. Use '--memory-mlock' instead.",
  'experimental-snapshot-catchup-entries': "--experimental-snapshot-catchup-entries is deprecated in v3.6 and will be decommissioned in v3.7. Use '--snapshot-catchup-entries' instead.",
  'experimental-compaction-sleep-interval': "--experimental-compaction-sleep-interval is deprecated in v3.6 and will be decommissioned in v3.7. Use 'compaction-sleep-interval' instead.",
  'experimental-downgrade-check-time': "--experimental-downgrade-check-time is deprecated in v3.6 and will be decommissioned in v3.7. Use '--downgrade-check-time' instead.",
  'experimental-enable-distributed-tracing': '--experimental-enable-distributed-tracing is deprecated in 3.6 and will be decommissioned in 3.7. Use --enable-distributed-tracing instead.',
  'experimental-distributed-tracing-address': '--experimental-distributed-tracing-address is deprecated in 3.6 and will be decommissioned in 3.7. Use --distributed-tracing-address instead.',
  'experimental-distributed-tracing-service-name': '--experimental-distributed-tracing-service-name is deprecated in 3.6 and will be decommissioned in 3.7. Use --distributed-tracing-service-name instead.',
  'experimental-distributed-tracing-instance-id': '--experimental-distributed-tracing-instance-id is deprecated in 3.6 and will be decommissioned in 3.7. Use --distributed-tracing-instance-id instead.',
  'experimental-distributed-tracing-sampling-rate': '--experimental-distributed-tracing-sampling-rate is deprecated in 3.6 and will be decommissioned in 3.7. Use --distributed-tracing-sampling-rate instead.',
};

/** server/etcdmain/help.go at v3.6.14, lines 287-288. */
export const HELP_INITIAL_CORRUPT_CHECK_V3_6_14 =
  "--experimental-initial-corrupt-check 'false'\n    Enable to check data corruption before serving any client/peer traffic. Deprecated in v3.6 and will be decommissioned in v3.7. Use '--feature-gates=InitialCorruptCheck=true' instead.";

/** server/embed/config.go at v3.6.14, lines 150-167: `experimentalFlagMigrationMap` (setting both names is an error). */
export const FLAG_MIGRATION_V3_6_14: Readonly<Record<string, string>> = {
  'experimental-compact-hash-check-time': 'compact-hash-check-time',
  'experimental-corrupt-check-time': 'corrupt-check-time',
  'experimental-compaction-batch-limit': 'compaction-batch-limit',
  'experimental-watch-progress-notify-interval': 'watch-progress-notify-interval',
  'experimental-warning-apply-duration': 'warning-apply-duration',
  'experimental-bootstrap-defrag-threshold-megabytes': 'bootstrap-defrag-threshold-megabytes',
  'experimental-memory-mlock': 'memory-mlock',
  'experimental-snapshot-catchup-entries': 'snapshot-catchup-entries',
  'experimental-compaction-sleep-interval': 'compaction-sleep-interval',
  'experimental-downgrade-check-time': 'downgrade-check-time',
  'experimental-peer-skip-client-san-verification': 'peer-skip-client-san-verification',
  'experimental-enable-distributed-tracing': 'enable-distributed-tracing',
  'experimental-distributed-tracing-address': 'distributed-tracing-address',
  'experimental-distributed-tracing-service-name': 'distributed-tracing-service-name',
  'experimental-distributed-tracing-instance-id': 'distributed-tracing-instance-id',
  'experimental-distributed-tracing-sampling-rate': 'distributed-tracing-sampling-rate',
};

/** server/features/etcd_features.go at v3.6.14, lines 92-99: `ExperimentalFlagToFeatureMap`. */
export const EXPERIMENTAL_FLAG_TO_FEATURE_V3_6_14: Readonly<Record<string, string>> = {
  'experimental-stop-grpc-service-on-defrag': 'StopGRPCServiceOnDefrag',
  'experimental-initial-corrupt-check': 'InitialCorruptCheck',
  'experimental-compact-hash-check-enabled': 'CompactHashCheck',
  'experimental-txn-mode-write-with-shared-buffer': 'TxnModeWriteWithSharedBuffer',
  'experimental-enable-lease-checkpoint': 'LeaseCheckpoint',
  'experimental-enable-lease-checkpoint-persist': 'LeaseCheckpointPersist',
};

/**
 * server/embed/config.go at v3.6.14, SetFeatureGatesFromExperimentalFlags (line 1141): the error
 * when an --experimental-* flag and its gate are both given, with the values filled in for
 * KubeOne's flag (seed 002) given next to the gate.
 */
export const BOTH_SET_ERROR_V3_6_14 =
  'cannot specify both flags: --experimental-initial-corrupt-check=true and --feature-gates=InitialCorruptCheck=true at the same time, please just use --feature-gates=InitialCorruptCheck=true';

/**
 * server/etcdmain/config.go at v3.5.33, lines 68-77: `deprecatedFlags`, each logged as
 * "--%s is deprecated in 3.5 and will be decommissioned in 3.6." (line 39).
 */
export const DEPRECATED_FLAGS_V3_5_33 = ['enable-v2', 'experimental-enable-v2v3', 'proxy', 'proxy-failure-wait', 'proxy-refresh-interval', 'proxy-dial-timeout', 'proxy-write-timeout', 'proxy-read-timeout'];

/** server/embed/config_logging.go at v3.5.33, line 49. */
export const CAPNSLOG_REMOVED_V3_5_33 = '--logger=capnslog is removed in v3.5';
