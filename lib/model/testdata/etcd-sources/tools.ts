// The snapshot tools of each version, transcribed from etcd's sources at the release tags
// (github.com/etcd-io/etcd).

export interface SnapshotToolAtTag {
  tag: string;
  /** The file that registers the command. */
  file: string;
  /** `snapshot` subcommands the tool has. */
  subcommands: string[];
  /** Flags of `snapshot restore`, in registration order; null: no restore subcommand. */
  restoreFlags: string[] | null;
  /** Whether the tool marks its snapshot status/restore deprecated. */
  deprecated: boolean;
}

export const SNAPSHOT_TOOLS: Record<string, SnapshotToolAtTag> = {
  'etcdctl@v3.4.23': {
    tag: 'v3.4.23',
    file: 'etcdctl/ctlv3/command/snapshot_command.go',
    subcommands: ['save', 'restore', 'status'],
    restoreFlags: ['data-dir', 'wal-dir', 'initial-cluster', 'initial-cluster-token', 'initial-advertise-peer-urls', 'name', 'skip-hash-check'],
    deprecated: false,
  },
  // "[deprecated] Gets backend snapshot status" and "Deprecated: Use `etcdutl snapshot restore` instead." (lines 71, 134).
  'etcdctl@v3.5.33': {
    tag: 'v3.5.33',
    file: 'etcdctl/ctlv3/command/snapshot_command.go',
    subcommands: ['save', 'restore', 'status'],
    restoreFlags: ['data-dir', 'wal-dir', 'initial-cluster', 'initial-cluster-token', 'initial-advertise-peer-urls', 'name', 'skip-hash-check'],
    deprecated: true,
  },
  // NewSnapshotCommand adds NewSnapshotSaveCommand only (line 56).
  'etcdctl@v3.6.14': { tag: 'v3.6.14', file: 'etcdctl/ctlv3/command/snapshot_command.go', subcommands: ['save'], restoreFlags: null, deprecated: false },
  'etcdutl@v3.5.4': {
    tag: 'v3.5.4',
    file: 'etcdutl/etcdutl/snapshot_command.go',
    subcommands: ['save', 'restore', 'status'],
    restoreFlags: ['data-dir', 'wal-dir', 'initial-cluster', 'initial-cluster-token', 'initial-advertise-peer-urls', 'name', 'skip-hash-check'],
    deprecated: false,
  },
  // --bump-revision and --mark-compacted first appear at v3.5.10 (commit 4425ef572; `git tag --contains`).
  'etcdutl@v3.5.10': {
    tag: 'v3.5.10',
    file: 'etcdutl/etcdutl/snapshot_command.go',
    subcommands: ['save', 'restore', 'status'],
    restoreFlags: ['data-dir', 'wal-dir', 'initial-cluster', 'initial-cluster-token', 'initial-advertise-peer-urls', 'name', 'skip-hash-check', 'bump-revision', 'mark-compacted'],
    deprecated: false,
  },
  'etcdutl@v3.6.14': {
    tag: 'v3.6.14',
    file: 'etcdutl/etcdutl/snapshot_command.go',
    subcommands: ['restore', 'status'],
    restoreFlags: ['data-dir', 'wal-dir', 'initial-cluster', 'initial-cluster-token', 'initial-advertise-peer-urls', 'name', 'skip-hash-check', 'initial-memory-map-size', 'bump-revision', 'mark-compacted'],
    deprecated: false,
  },
};

/**
 * etcdutl/etcdutl/snapshot_command.go at v3.6.14, lines 83-84: bump-revision is a number ("How
 * much to increase the latest revision after restore"); mark-compacted is "required if
 * --bump-revision > 0, disallowed otherwise".
 */
export const BUMP_REVISION_HELP_V3_6_14 = {
  'bump-revision': 'How much to increase the latest revision after restore',
  'mark-compacted': 'Mark the latest revision after restore as the point of scheduled compaction (required if --bump-revision > 0, disallowed otherwise)',
};

/**
 * etcd-io/website content/en/docs/v3.6/op-guide/recovery.md, "Restoring with revision bump": the
 * full invocation etcd's docs give for Kubernetes.
 */
export const RECOVERY_DOC_BUMP = 'etcdutl snapshot restore snapshot.db --bump-revision 1000000000 --mark-compacted --data-dir output-dir';

/** etcdutl/etcdutl/check_command.go, first at v3.5.18 (`git tag --contains` of the commit adding it); absent from etcdutl at v3.6.0. */
export const CHECK_V2STORE = { firstTag: 'v3.5.18', use: 'v2store', requiredFlag: 'data-dir', help: 'Required. A data directory not in use by etcd.' };
