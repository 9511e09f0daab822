import { z } from 'zod';
import { hexIdPattern } from '../etcd/ids';
import { RingsideError } from '../errors';
import { SIDECAR_FORMAT, type BackupRecord, type DrillRecord } from './types';

/**
 * A backup's sidecar: `<id>.json` beside the data object in every store, the backup's own
 * account of itself. Stores are not trusted places (a bucket can be written by others), so a
 * sidecar is parsed like any input: a malformed one is not a backup. Its object is never taken
 * from it: the store's listing says which object a sidecar labels. Pure.
 *
 * Two shapes are read: this module's (`format: "ringside-backup/1"`) and the one
 * lib/ops/snapshots.ts wrote before (no format; `sha256` of the plain snapshot; no KV facts), so
 * backups taken before the engine existed still list, count for retention and can be drilled.
 */

/** Far above any real sidecar: bounds what a hostile store can make Ringside parse. */
export const MAX_SIDECAR_BYTES = 64 * 1024;

const hexId = z.string().regex(hexIdPattern);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().nonnegative();
const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)));
const member = z.object({ id: hexId, name: z.string().max(4096) });
const status = z.object({ hash: z.string().regex(/^[0-9a-f]{1,8}$/), revision: count, totalKey: count, totalSize: count });

const drill = z.object({
  at: isoTime,
  result: z.enum(['passed', 'failed']),
  reason: z.string().max(4096),
  durationMs: z.number().nonnegative(),
});

const v1 = z.object({
  format: z.literal(SIDECAR_FORMAT),
  cluster: z.string(),
  member,
  revision: count,
  etcdVersion: z.string().regex(/^\d+\.\d+\.\d+\S*$/).nullable(),
  takenAt: isoTime,
  encrypted: z.boolean(),
  size: count,
  sha256: sha256.nullable(),
  snapshot: z.object({ size: count.nullable(), sha256, status: status.nullable() }),
  kv: z
    .object({
      revision: count,
      keys: count.nullable(),
      hashKv: count.nullable(),
      // -1 on a member that never compacted (etcd 3.4).
      compactRevision: z.number().int().min(-1).nullable(),
      note: z.string().max(4096).nullable(),
    })
    .nullable(),
  drill: drill.nullable().optional(),
});

const legacy = z.object({
  cluster: z.string(),
  member,
  revision: count,
  takenAt: isoTime,
  size: count,
  /** Of the plain snapshot, whether or not it was stored encrypted. */
  sha256,
  encrypted: z.boolean(),
  status: status.nullable(),
  drill: drill.nullable().optional(),
});

/** What a sidecar says. The `store` it was written to is not read back: a listing names the store it listed. */
export interface Sidecar {
  record: BackupRecord;
  drill: DrillRecord | null;
}

/** The sidecar's text for a new backup; refuses a record it could not read back (which would never list). */
export function sidecarText(record: BackupRecord, store: string, drillRecord: DrillRecord | null = null): string {
  const sidecar = { format: SIDECAR_FORMAT, ...record, store, drill: drillRecord };
  const check = v1.safeParse(sidecar);
  if (!check.success) {
    const issue = check.error.issues[0];
    throw new RingsideError('INTERNAL', `not a valid backup record: ${issue.path.join('.')}: ${issue.message}`);
  }
  return `${JSON.stringify(sidecar, null, 2)}\n`;
}

/** The sidecar of a backup in `cluster`'s folder, or null when the text is not one (or belongs to another cluster). */
export function readSidecar(text: string, cluster: string): Sidecar | null {
  if (text.length > MAX_SIDECAR_BYTES) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  const cur = v1.safeParse(raw);
  if (cur.success) {
    const c = cur.data;
    if (c.cluster !== cluster) return null;
    const { member: m, revision, etcdVersion, takenAt, encrypted, size, sha256: sum, snapshot, kv } = c;
    return { record: { cluster: c.cluster, member: m, revision, etcdVersion, takenAt, encrypted, size, sha256: sum, snapshot, kv }, drill: c.drill ?? null };
  }
  const old = legacy.safeParse(raw);
  if (!old.success || old.data.cluster !== cluster) return null;
  const o = old.data;
  return {
    record: {
      cluster: o.cluster,
      member: o.member,
      revision: o.revision,
      etcdVersion: null,
      takenAt: o.takenAt,
      encrypted: o.encrypted,
      size: o.size,
      // A plain file's bytes are the snapshot's; an encrypted file's own hash was never recorded.
      sha256: o.encrypted ? null : o.sha256,
      snapshot: { size: o.encrypted ? null : o.size, sha256: o.sha256, status: o.status },
      kv: null,
    },
    drill: o.drill ?? null,
  };
}

/**
 * The sidecar's text with `drillRecord` as its last drill, everything else kept as it was
 * (an older sidecar stays in its shape). Null when `text` is not a sidecar.
 */
export function withDrill(text: string, cluster: string, drillRecord: DrillRecord): string | null {
  if (!readSidecar(text, cluster)) return null;
  return `${JSON.stringify({ ...(JSON.parse(text) as object), drill: drillRecord }, null, 2)}\n`;
}
