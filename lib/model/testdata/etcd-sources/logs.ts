// zap lines of etcd 3.5 and 3.6 about corruption checks and versions, built in the exact shape of
// etcd's sources at the release tags (github.com/etcd-io/etcd): the `msg` and every field name as
// the cited call writes them, in its order; values are illustrative. Only 3.4.23 runs on Ringside's
// test machines (its real lines are in lib/logs/testdata), so these were never printed here.
// zap's JSON: level, ts, caller, msg, then the fields; durations as Go strings ("7s"); an
// error under "error"; member IDs as 16 hex digits (types.ID.String()).

const TS = '"ts":"2026-11-22T06:13:06.301Z"';
const line = (level: string, caller: string, msg: string, fields: string) => `{"level":"${level}",${TS},"caller":"${caller}","msg":"${msg}"${fields ? `,${fields}` : ''}}`;

const LEADER = '1ee1c9ad68a55095';
const BAD = '546d4d31aab02052';
const GOOD = '7c3a5e3e8a3a4c21';

export interface VersionLine {
  /** The tag and the call that writes it. */
  source: string;
  raw: string;
  /** What Ringside must call it. */
  expected: { category: string; evidence: 'corruption' | 'check-health' | null; outcome?: string; peer?: string };
}

const evidence = (peer?: string) => ({ category: 'corruption', evidence: 'corruption' as const, ...(peer ? { peer } : {}) });
const health = (outcome?: string, peer?: string) => ({ category: 'corruption-check', evidence: 'check-health' as const, ...(outcome ? { outcome } : {}), ...(peer ? { peer } : {}) });

/** server/etcdserver/corrupt.go at v3.5.33 (CompactHashCheck, lines 275-336; InitialCheck, lines 94-182). */
export const LINES_V3_5_33: VersionLine[] = [
  {
    source: 'v3.5.33 server/etcdserver/corrupt.go:276',
    raw: line('info', 'etcdserver/corrupt.go:276', 'starting compact hash check', `"local-member-id":"${LEADER}","timeout":"7s"`),
    expected: health('started'),
  },
  {
    // Raised with member 0 just before this line (corrupt.go:299), then the check returns.
    source: 'v3.5.33 server/etcdserver/corrupt.go:300',
    raw: line('error', 'etcdserver/corrupt.go:300', 'failed compaction hash check', `"revision":1558,"leader-compact-revision":1540,"leader-hash":3654689532,"follower-compact-revision":1540,"follower-hash":2693026817,"follower-peer-id":"${BAD}"`),
    expected: evidence(BAD),
  },
  {
    source: 'v3.5.33 server/etcdserver/corrupt.go:311',
    raw: line('info', 'etcdserver/corrupt.go:311', 'successfully checked hash on follower', `"revision":1558,"peer-id":"${GOOD}"`),
    expected: health(undefined, GOOD),
  },
  {
    source: 'v3.5.33 server/etcdserver/corrupt.go:317',
    raw: line('info', 'etcdserver/corrupt.go:317', 'successfully checked hash on whole cluster', '"number-of-peers-checked":2,"revision":1558'),
    expected: health('passed'),
  },
  {
    source: 'v3.5.33 server/etcdserver/corrupt.go:329',
    raw: line('warn', 'etcdserver/corrupt.go:329', 'skipped revision in compaction hash check; was not able to check all peers', '"number-of-peers-checked":1,"number-of-peers":2,"revision":1558'),
    expected: health('inconclusive'),
  },
  {
    source: 'v3.5.33 server/etcdserver/corrupt.go:326',
    raw: line('info', 'etcdserver/corrupt.go:326', 'finished compaction hash check', '"number-of-hashes-checked":1'),
    expected: health('passed'),
  },
  {
    // A peer of another cluster answered: etcd skips it rather than calling it corrupt (etcd issue
    // 15548). Its zap.Error(err) is the local hash's error, nil here, so the line has no error field.
    source: 'v3.5.33 server/etcdserver/corrupt.go:160',
    raw: line('warn', 'etcdserver/corrupt.go:160', 'cluster ID mismatch', `"local-member-id":"${LEADER}","local-member-revision":1558,"local-member-compact-revision":1540,"local-member-hash":3654689532,"remote-peer-id":"${GOOD}","remote-peer-endpoints":["https://10.0.0.7:2380"]`),
    expected: health('inconclusive', GOOD),
  },
  {
    source: 'v3.5.33 server/embed/etcd.go:274',
    raw: line('error', 'embed/etcd.go:274', 'checkInitialHashKV failed', `"error":"${BAD} found data inconsistency with peers"`),
    expected: evidence(),
  },
];

/** server/etcdserver/corrupt.go at v3.6.14 (PeriodicCheck, lines 179-263; CompactHashCheck and checkPeerHashes, lines 277-386). */
export const LINES_V3_6_14: VersionLine[] = [
  {
    source: 'v3.6.14 server/etcdserver/corrupt.go:278',
    raw: line('info', 'etcdserver/corrupt.go:278', 'starting compact hash check', `"local-member-id":"${LEADER}","timeout":"7s"`),
    expected: health('started'),
  },
  {
    // A quorum agrees: the minority is named, one alarm per member (corrupt.go:374), and its IDs are
    // logged as types.IDSlice.String(): comma-separated hex, no brackets (client/pkg/types/id.go).
    source: 'v3.6.14 server/etcdserver/corrupt.go:378',
    raw: line('error', 'etcdserver/corrupt.go:378', 'Detected compaction hash mismatch', `"leader-id":"${LEADER}","leader-revision":1558,"leader-compact-revision":1540,"leader-hash":3654689532,"peer-hash":2693026817,"peer-ids":"${BAD}","quorum-exist":true`),
    expected: evidence(BAD),
  },
  {
    source: 'v3.6.14 server/etcdserver/corrupt.go:360',
    raw: line('error', 'etcdserver/corrupt.go:360', 'Detected compaction hash mismatch but cannot identify the corrupted members, so intentionally set the memberID as 0', `"leader-id":"${LEADER}","leader-revision":1558,"leader-compact-revision":1540,"leader-hash":3654689532`),
    expected: evidence(),
  },
  {
    source: 'v3.6.14 server/etcdserver/corrupt.go:321',
    raw: line('warn', 'etcdserver/corrupt.go:321', "Skipped peer's hash", `"number-of-peers":2,"leader-id":"${LEADER}","peer-id":"${GOOD}","reason":"no response"`),
    expected: health('inconclusive', GOOD),
  },
  {
    source: 'v3.6.14 server/etcdserver/corrupt.go:394',
    raw: line('info', 'etcdserver/corrupt.go:394', 'successfully checked hash on whole cluster', '"number-of-peers-checked":2,"revision":1558,"compactRevision":1540'),
    expected: health('passed'),
  },
  {
    source: 'v3.6.14 server/etcdserver/corrupt.go:290',
    raw: line('info', 'etcdserver/corrupt.go:290', 'finished compaction hash check', '"number-of-hashes-checked":1'),
    expected: health('passed'),
  },
  {
    // The periodic check names the follower (mismatch(p.id), corrupt.go:259) and raises CORRUPT on it.
    source: 'v3.6.14 server/etcdserver/corrupt.go:252',
    raw: line('warn', 'etcdserver/corrupt.go:252', 'same compact revision then hashes must match', `"leader-compact-revision":1540,"leader-hash":3654689532,"follower-compact-revision":1540,"follower-hash":2693026817,"follower-peer-id":"${BAD}"`),
    expected: evidence(BAD),
  },
  {
    source: 'v3.6.14 server/etcdserver/corrupt.go:156',
    raw: line('warn', 'etcdserver/corrupt.go:156', 'cluster ID mismatch', `"local-member-id":"${LEADER}","local-member-revision":1558,"local-member-compact-revision":1540,"local-member-hash":3654689532,"remote-peer-id":"${GOOD}","remote-peer-endpoints":["https://10.0.0.7:2380"]`),
    expected: health('inconclusive', GOOD),
  },
  {
    source: 'v3.6.14 server/embed/etcd.go:276',
    raw: line('error', 'embed/etcd.go:276', 'checkInitialHashKV failed', `"error":"${BAD} found data inconsistency with peers"`),
    expected: evidence(),
  },
];

/**
 * Lines about versions: a member that refuses to start because its data or its cluster is newer
 * than its binary, and the cluster version moving during a rolling upgrade.
 */
export const VERSION_LINES: (VersionLine & { refusal: boolean })[] = [
  {
    // A 3.5 binary started on a member of a ring whose cluster version is 3.6 (membership/downgrade.go:69 at v3.5.33).
    source: 'v3.5.33 server/etcdserver/api/membership/downgrade.go:69',
    raw: line('fatal', 'membership/downgrade.go:69', 'invalid downgrade; server version is lower than determined cluster version', '"current-server-version":"3.5.33","determined-cluster-version":"3.6"'),
    expected: { category: 'version', evidence: null },
    refusal: true,
  },
  {
    source: 'v3.5.33 server/etcdserver/api/membership/downgrade.go:59',
    raw: line('fatal', 'membership/downgrade.go:59', 'invalid downgrade; server version is not allowed to join when downgrade is enabled', '"current-server-version":"3.5.33","target-cluster-version":"3.4.0"'),
    expected: { category: 'version', evidence: null },
    refusal: true,
  },
  {
    // A 3.6 binary on a data dir whose storage version is newer (schema.Validate, server/etcdserver/bootstrap.go:240 at v3.6.14).
    source: 'v3.6.14 server/etcdserver/bootstrap.go:240',
    raw: line('error', 'etcdserver/bootstrap.go:240', 'Failed to validate schema', '"error":"cannot create migration plan: version \\"3.7.0\\" is not supported"'),
    expected: { category: 'version', evidence: null },
    refusal: true,
  },
  {
    // The same refusal at 3.4.23 (etcdserver/api/membership/cluster.go:796).
    source: 'v3.4.23 etcdserver/api/membership/cluster.go:796',
    raw: line('fatal', 'membership/cluster.go:796', 'invalid downgrade; server version is lower than determined cluster version', '"current-server-version":"3.4.23","determined-cluster-version":"3.5"'),
    expected: { category: 'version', evidence: null },
    refusal: true,
  },
  {
    // When the last member is upgraded (upgrade_3_6.md, step 5).
    source: 'v3.6.14 server/etcdserver/server.go:2454',
    raw: line('info', 'etcdserver/server.go:2454', 'cluster version is updated', '"cluster-version":"3.6"'),
    expected: { category: 'version', evidence: null },
    refusal: false,
  },
];
