// The fields of etcd's "starting an etcd server" line that say how the corruption checks are set,
// transcribed from embed/etcd.go (server/embed/etcd.go from 3.5) at each release tag
// (github.com/etcd-io/etcd). Values are a member started with KubeOne's flags (seed 002), plus the
// compaction hash check where it exists.

/** v3.5.33 server/embed/etcd.go lines 324-364: compact-check-time-enabled first at v3.5.5 (line 344). */
export const START_V3_5_33 = {
  msg: 'starting an etcd server',
  'etcd-version': '3.5.33',
  name: 'cp-1',
  'snapshot-count': 100000,
  'initial-corrupt-check': true,
  'corrupt-check-time-interval': '4h0m0s',
  'compact-check-time-enabled': true,
  'compact-check-time-interval': '1m0s',
};

/**
 * v3.6.14 server/embed/etcd.go lines 324-386: `feature-gates` holds the explicitly set gates
 * (pkg/featuregate/feature_gate.go String(): "k=v" pairs sorted, comma-joined), and
 * `initial-corrupt-check` logs sc.InitialCorruptCheck, which 3.6 never sets (the ServerConfig
 * literal at lines 195-240 has no InitialCorruptCheck; the check reads the gate, line 271): it
 * is false even when the check is on. No compact-check-time-enabled any more.
 */
export const START_V3_6_14 = {
  msg: 'starting an etcd server',
  'etcd-version': '3.6.14',
  name: 'cp-1',
  'snapshot-count': 10000,
  'feature-gates': 'CompactHashCheck=true,InitialCorruptCheck=true',
  'initial-corrupt-check': false,
  'corrupt-check-time-interval': '4h0m0s',
  'compact-check-time-interval': '1m0s',
  'max-learners': 1,
};
