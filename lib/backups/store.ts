import 'server-only';
import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { RingsideError } from '../errors';
import type { Sidecar } from './sidecar';
import type { BackupRecord, DrillRecord, StoredBackup } from './types';

/**
 * Where backups live. Two implementations: a local directory (local-store.ts) and S3-compatible
 * object storage (s3-store.ts); open-stores.ts builds them from settings. Every store holds, per
 * cluster, each backup's data object beside its sidecar (object-names.ts gives the layout).
 * Bytes go in as they are: encryption at rest happens before a store sees them (take.ts), so it
 * applies to every store alike.
 *
 * A store's listing is the truth about which backups exist: a backup is its data object plus a
 * valid sidecar, and which object a sidecar labels follows from their names, never from the
 * sidecar's contents.
 */
export interface BackupStore {
  /** Shown with every backup: `local:/var/backups/ringside`, `s3://bucket/prefix/`. */
  readonly name: string;
  /**
   * Writes the data object, then its sidecar, so a listed backup is always whole. `body` must be
   * exactly `record.size` bytes with SHA-256 `record.sha256`: anything else is removed again and
   * rejected (a short read from the spool, a disk error). CONFLICT when the ID exists.
   */
  put(id: string, body: Readable, record: BackupRecord, onProgress?: (p: StoreProgress) => void): Promise<StoredBackup>;
  /** A cluster's backups, newest first; [] when it has none. */
  list(cluster: string): Promise<StoredBackup[]>;
  /** One backup; NOT_FOUND when its object or sidecar is missing. */
  stat(cluster: string, id: string): Promise<StoredBackup>;
  /** The stored bytes as a stream (memory flat whatever the size). */
  open(cluster: string, id: string): Promise<Readable>;
  /** Removes the data object, then the sidecar. */
  delete(cluster: string, id: string): Promise<void>;
  /** Keeps a drill's result in the backup's sidecar; returns the backup as it now lists. */
  recordDrill(cluster: string, id: string, drill: DrillRecord): Promise<StoredBackup>;
}

/** Bytes written so far; `part` is the multipart part that just finished, for stores that upload in parts. */
export interface StoreProgress {
  bytes: number;
  part?: number;
}

/** A backup as listed: what its sidecar says, under the ID and store the listing gives. */
export function storedBackup(id: string, store: string, sidecar: Sidecar): StoredBackup {
  return { ...sidecar.record, id, store, drill: sidecar.drill, verified: sidecar.drill?.result !== 'failed' };
}

export function newestFirst(backups: StoredBackup[]): StoredBackup[] {
  return backups.sort((a, b) => Date.parse(b.takenAt) - Date.parse(a.takenAt) || (a.id < b.id ? 1 : -1));
}

/** Passes bytes through unchanged, counting them and hashing them with SHA-256. */
export class DigestStream extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  private digest: string | null = null;

  constructor(private readonly onChunk?: (bytes: number) => void) {
    super();
  }

  /** The hex SHA-256 of everything that passed, once the stream has ended. */
  get sha256(): string {
    if (this.digest === null) throw new Error('DigestStream: read sha256 after the stream ends');
    return this.digest;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    this.onChunk?.(this.bytes);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.digest = this.hash.digest('hex');
    done();
  }
}

/** The reason written bytes are not the backup's, or null when they are. */
export function writtenMismatch(digest: DigestStream, record: BackupRecord): string | null {
  if (digest.bytes !== record.size) return `${digest.bytes} bytes arrived, the backup has ${record.size}`;
  if (record.sha256 !== null && digest.sha256 !== record.sha256) return `SHA-256 ${digest.sha256} arrived, the backup has ${record.sha256}`;
  return null;
}

export const notFound = (store: string, cluster: string, id: string) =>
  new RingsideError('NOT_FOUND', `backup: no backup ${JSON.stringify(id)} of ${cluster} in ${store}`, 'backup');
