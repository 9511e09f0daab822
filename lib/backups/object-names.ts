import { BACKUP_ID } from '../api/contract';
import { clusterNamePattern } from '../config/schema';
import { hexIdPattern } from '../etcd/ids';
import { RingsideError, quoteInput } from '../errors';
import { fileLabel } from '../text/file-name';

/**
 * Names of stored backups. A name never comes from a raw member name (`--name` is any string,
 * `../../etc/cron.d/x` included): it is built from the cluster (a URL-safe config name), the
 * member's label (lib/text/file-name.ts), its ID in hex, the revision and the UTC time, the same
 * layout lib/ops/snapshots.ts has always written, so older backups list beside new ones:
 *
 *   <cluster>/<cluster>-<label>-<member ID>-rev<revision>-<yyyymmddThhmmss.sssZ>.db[.enc]   the data
 *   <cluster>/<same>.json                                                                     its sidecar
 *
 * Pure.
 */

/**
 * `20260102T030405.678Z`: sortable, and free of characters file systems or object stores treat
 * specially. Milliseconds, unlike lib/ops/snapshots.ts's names, so two backups taken within one
 * second (an on-demand one beside a scheduled one) never claim the same name.
 */
export function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '');
}

export function backupId(b: { cluster: string; member: { id: string; name: string }; revision: number; takenAt: Date; encrypted: boolean }): string {
  assertCluster(b.cluster);
  if (!hexIdPattern.test(b.member.id)) throw new RingsideError('INVALID', `member: expected a member ID in hex, got ${quoteInput(b.member.id)}`, 'member');
  if (!Number.isSafeInteger(b.revision) || b.revision < 0) throw new RingsideError('INVALID', `revision: expected a whole number, got ${b.revision}`, 'revision');
  return `${b.cluster}-${fileLabel(b.member.name)}-${b.member.id}-rev${b.revision}-${stamp(b.takenAt)}.db${b.encrypted ? '.enc' : ''}`;
}

/** What a backup ID may look like: one file name, no separator, no leading dot, ending in .db or .db.enc (the API contract's BACKUP_ID). */
export function isBackupId(id: string): boolean {
  return BACKUP_ID.test(id);
}

/** A backup ID from a request or a listing, or an INVALID error naming the field. */
export function assertBackupId(id: unknown): string {
  if (typeof id !== 'string' || !isBackupId(id)) {
    throw new RingsideError('INVALID', `backup: expected a backup ID from the listing (a file name ending in .db or .db.enc), got ${quoteInput(String(id))}`, 'backup');
  }
  return id;
}

export function assertCluster(cluster: string): string {
  if (!clusterNamePattern.test(cluster)) throw new RingsideError('INVALID', `cluster: expected a configured cluster name, got ${quoteInput(cluster)}`, 'cluster');
  return cluster;
}

export const SIDECAR_SUFFIX = '.json';
