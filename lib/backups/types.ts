/**
 * The backup model: what a stored backup says about itself (its sidecar), what a restore drill
 * found, and what the API and the browser show. Pure data, safe to `import type` from client code.
 *
 * Words are etcd's: revision, hashKv, compactRevision; `etcdctl snapshot status` for the four
 * figures etcd prints of a snapshot file. Member IDs in hex.
 */

/** `etcdctl snapshot status` of the plain snapshot file; the hash (CRC-32C) in hex as etcdctl -w table prints it. */
export interface SnapshotStatusView {
  hash: string;
  revision: number;
  totalKey: number;
  totalSize: number;
}

/**
 * What a restore drill compares, read from the live member at backup time at the snapshot's own
 * revision, so a restored copy must answer the same: the revision it serves, the keys live at that
 * revision, and HashKV at that revision (under the same compact revision).
 */
export interface KvFacts {
  /** The snapshot's revision (as `etcdctl snapshot status` reads it), at which the rest was read. */
  revision: number;
  /** Keys live at `revision` (a count-only range over the whole keyspace); null when the member could not say. */
  keys: number | null;
  /** HashKV at `revision`; null when the member could not say. */
  hashKv: number | null;
  /** The compact revision HashKV was computed under (-1: never compacted): hashes are comparable only under the same one. */
  compactRevision: number | null;
  /** Why a fact is missing, in words; null when all are there. */
  note: string | null;
}

export type DrillResult = 'passed' | 'failed';

/** The last restore drill of a backup, kept in its sidecar. */
export interface DrillRecord {
  /** ISO time the drill started. */
  at: string;
  result: DrillResult;
  /** One sentence: what was proven, or what failed. */
  reason: string;
  durationMs: number;
}

/** The sidecar format written by this module; older Ringside sidecars have no `format` (see sidecar.ts). */
export const SIDECAR_FORMAT = 'ringside-backup/1';

/** What the backup-taking function knows about a backup before any store has it. */
export interface BackupRecord {
  cluster: string;
  member: { id: string; name: string };
  /** The snapshot's revision. */
  revision: number;
  /** The member's etcd version (the restore tool follows it: etcdctl on 3.4, etcdutl from 3.5); null on older sidecars. */
  etcdVersion: string | null;
  /** ISO time the snapshot was requested. */
  takenAt: string;
  /** AES-256-GCM at rest (lib/snapshot/encryption.ts format). */
  encrypted: boolean;
  /** Stored bytes (the encrypted size when encrypted). */
  size: number;
  /** SHA-256 of the stored bytes, as sha256sum prints it; null on older encrypted sidecars, which did not record it. */
  sha256: string | null;
  /** The plain snapshot: the bbolt file plus etcd's 32-byte SHA-256 trailer. */
  snapshot: { size: number | null; sha256: string; status: SnapshotStatusView | null };
  /** What a drill compares; null on older sidecars. */
  kv: KvFacts | null;
}

/** A backup as a store lists it. */
export interface StoredBackup extends BackupRecord {
  /** The data object's file name, unique within a cluster in one store; from the store's listing, never from a sidecar. */
  id: string;
  /** The store's name, e.g. `local:/var/backups/ringside` or `s3://bucket/prefix/`. */
  store: string;
  drill: DrillRecord | null;
  /**
   * The snapshot's trailer was verified and its status read back when it was written, and no drill
   * has failed on it since: a backup retention may rely on and freshness counts.
   */
  verified: boolean;
}

/** Freshness of a cluster's backups (the API's `freshness`). */
export interface BackupFreshness {
  /** When the newest verified backup was taken; null when there is none. */
  newestAt: string | null;
  ageSeconds: number | null;
  /** Older than `staleAfterSeconds`, or no verified backup at all. */
  stale: boolean;
  staleAfterSeconds: number | null;
  /** When the newest backup whose last drill passed was taken ("proven restorable"); null when none. */
  provenAt: string | null;
}

/**
 * What the alert rules, the fleet summary and /api/metrics know of a cluster's backups, kept
 * current by lib/ops/backups.ts after every listing, backup and drill. Freshness is judged at the
 * reader's own time from `newestAt` and `staleAfterMs`, so it ages without a new status.
 */
export interface BackupStatus {
  /** When the newest verified backup was taken; null when there is none. */
  newestAt: string | null;
  /** When the newest backup whose last drill passed was taken; null when none. */
  provenAt: string | null;
  /** Backups are taken every this long; null: on demand only. */
  everyMs: number | null;
  /** The newest verified backup is stale past this age; null: no limit (no schedule and no staleAfter). */
  staleAfterMs: number | null;
  /** The cluster's latest drill that ran (passed or failed), on any of its backups; null before the first. */
  lastDrill: { at: string; result: DrillResult; reason: string; backup: string; store: string } | null;
}
