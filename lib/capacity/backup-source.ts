import 'server-only';

import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DigestStream, writtenMismatch, type BackupStore } from '../backups/store';
import type { StoredBackup } from '../backups/types';
import { RingsideError } from '../errors';
import type { ReadAt } from '../snapshot/bolt-status';
import { openFileReadAt } from '../snapshot/bolt-walk';
import { encryptedReadAt } from '../snapshot/encryption';

export interface OpenedBackup {
  backup: StoredBackup;
  /** The plain snapshot's bytes (decrypted chunk by chunk when the backup is encrypted). */
  readAt: ReadAt;
  /** Removes the local copy. */
  close(): Promise<void>;
}

/**
 * A stored backup, ready for walkSnapshotKeyspace: the keyspace source with zero load on the
 * ring. Stores give streams (S3 has no cheap random reads), so the object is copied to a
 * private directory in `workDir` (room for one db), checked against its sidecar's size and
 * SHA-256, and read from there page by page; an encrypted backup is never decrypted to disk:
 * encryptedReadAt opens only the chunks a page read touches. Call `close()` when done.
 */
export async function openStoredBackup(o: { store: BackupStore; cluster: string; id: string; key?: Buffer; workDir: string }): Promise<OpenedBackup> {
  const backup = await o.store.stat(o.cluster, o.id);
  if (backup.encrypted && !o.key) {
    throw new RingsideError('INVALID', `backup ${backup.id} is encrypted and no key is configured: set $RINGSIDE_BACKUP_KEY`, 'key');
  }
  const dir = await mkdtemp(path.join(o.workDir, 'keyspace-backup-'));
  try {
    const file = path.join(dir, 'backup');
    const digest = new DigestStream();
    await pipeline(await o.store.open(o.cluster, o.id), digest, createWriteStream(file, { mode: 0o600 }));
    const mismatch = writtenMismatch(digest, backup);
    if (mismatch) throw new RingsideError('INVALID', `backup ${backup.id} in ${o.store.name} is not what its sidecar records: ${mismatch}`);
    const reader = backup.encrypted ? await encryptedReadAt(file, o.key!) : await openFileReadAt(file);
    return {
      backup,
      readAt: reader.readAt,
      close: async () => {
        await reader.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
