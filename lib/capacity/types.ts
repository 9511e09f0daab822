/**
 * The capacity model: what fills a ring's keyspace (the keyspace report and the change between
 * two), quota and growth per member, and the defragment rules' dry run. Pure data, safe to
 * `import type` from client code. Words are etcd's: revision, compactRevision, dbSize,
 * dbSizeInUse, lease; member and lease IDs in hex as etcdctl prints them.
 */

/** Where a keyspace report came from. */
export type KeyspaceSource =
  | {
      kind: 'snapshot';
      /** What was walked: a backup's ID or a snapshot file's name. */
      name: string;
      /** The member the snapshot was taken from, when known. */
      memberId: string | null;
      encrypted: boolean;
      /** Bytes of the bbolt file walked (its dbSize). */
      dbSize: number;
    }
  | {
      kind: 'live';
      memberId: string;
      memberName: string;
      /** Range requests the scan made (one per page). */
      pages: number;
    };

/** One prefix of the keyspace: its live keys at the report's revision and the history it holds. */
export interface PrefixUsage {
  /** As `etcdctl get <prefix> --prefix` takes it (UTF-8; other bytes as \xNN). */
  prefix: string;
  kind: 'kubernetes' | 'path';
  /** Kubernetes: the API group when the path holds one. */
  group: string | null;
  /** Kubernetes: the resource, e.g. `pods` or `services/specs`. */
  resource: string | null;
  /** Kubernetes Events. */
  events: boolean;
  /** Live keys. */
  keys: number;
  keyBytes: number;
  valueBytes: number;
  /** keyBytes + valueBytes: what `etcdctl get --prefix` returns. */
  bytes: number;
  /** Revisions held since the last compaction, deleted keys' included: the history a compaction would free. */
  revisions: number;
  /** Bytes of those revisions (key and value of each). */
  historyBytes: number;
}

export interface TopKey {
  key: string;
  prefix: string;
  /** Key plus value bytes; 0 for a deleted key. */
  bytes: number;
  valueBytes: number;
  revisions: number;
  historyBytes: number;
  /** False for a key deleted since the last compaction whose history is still held. */
  live: boolean;
  version: number | null;
  createRevision: number | null;
  modRevision: number | null;
  /** Lease ID as etcdctl prints it (16 hex digits); null for none. */
  lease: string | null;
}

export interface TopLease {
  id: string;
  /** Granted TTL in seconds; null when not known (not looked up, or not in the lease list: expired, revoke pending). */
  ttl: number | null;
  keys: number;
}

export interface LeaseUsage {
  /** Leases in the lease list. */
  count: number;
  /** Live keys attached to a lease. */
  keysAttached: number;
  /** Leases holding no key: nothing for them to expire (a client that grants and forgets?). */
  withoutKeys: number;
  /** Keys attached to a lease missing from the lease list. */
  keysOnUnknownLeases: number;
  /** Granted TTLs of the `known` leases whose TTL was read: the shortest, the longest, and how many in each band. */
  ttl: { known: number; min: number; max: number; bands: { upToSeconds: number | null; leases: number }[] } | null;
  /** The leases holding the most keys. */
  top: TopLease[];
  /** More leases than the aggregator tracks one by one: withoutKeys and top cover the first tracked. */
  truncated: boolean;
}

export interface CompactionState {
  /** The revision compacted to; 0 when never compacted. */
  compactRevision: number;
  headRevision: number;
  /** headRevision - compactRevision: the revisions of history held. */
  behind: number;
  /** From a snapshot: a compaction scheduled past compactRevision that had not finished. */
  scheduledRevision: number | null;
}

export interface KeyspaceReport {
  /** The revision the keyspace was read at. */
  revision: number;
  source: KeyspaceSource;
  /** ISO time the data was read (a snapshot's: when it was taken). */
  takenAt: string;
  /** Wall time the scan or walk took. */
  durationMs: number;
  totalKeys: number;
  /** Key plus value bytes of every live key. */
  totalBytes: number;
  keyBytes: number;
  valueBytes: number;
  revisions: number;
  historyBytes: number;
  /**
   * true from a snapshot (every revision counted); false from a live scan, where a key's history
   * is estimated from its version and the compaction (an upper bound; deleted keys unseen).
   */
  revisionsExact: boolean;
  /** Largest `bytes + historyBytes` first. */
  prefixes: PrefixUsage[];
  /** Prefixes beyond the tracked limit, summed; null when all were tracked. */
  otherPrefixes: (Omit<PrefixUsage, 'prefix' | 'kind' | 'group' | 'resource' | 'events'> & { prefixes: number }) | null;
  topKeys: { bySize: TopKey[]; byRevisions: TopKey[] };
  /** Kubernetes Events: their keys, bytes, and share of totalBytes (0..1). */
  events: { keys: number; bytes: number; share: number; revisions: number; historyBytes: number };
  leases: LeaseUsage;
  compaction: CompactionState;
  limits: { topN: number; maxPrefixes: number; maxLeases: number };
}

export interface PrefixChange {
  prefix: string;
  status: 'new' | 'gone' | 'changed' | 'same';
  keys: number;
  bytes: number;
  revisions: number;
  historyBytes: number;
  /** Changes since the previous report (after - before). */
  delta: { keys: number; bytes: number; revisions: number; historyBytes: number };
  /** Growth of bytes + historyBytes per hour between the two reports; null when no time passed. */
  bytesPerHour: number | null;
}

/** What changed between two keyspace reports of one ring. */
export interface KeyspaceDiff {
  from: { revision: number; takenAt: string; source: KeyspaceSource['kind'] };
  to: { revision: number; takenAt: string; source: KeyspaceSource['kind'] };
  elapsedMs: number;
  delta: { keys: number; bytes: number; revisions: number; historyBytes: number };
  /** Every prefix in either report, largest growth (bytes + historyBytes) first. */
  prefixes: PrefixChange[];
  /** The prefixes that grew, largest growth first (at most 5): "what grew". */
  grew: PrefixChange[];
  compaction: { before: number; after: number; moved: boolean };
  /** Why the two are not strictly comparable (a snapshot against a live scan), null when they are. */
  note: string | null;
}
