import 'server-only';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isRingsideError } from '../errors';
import { boltStatusOfFile, type SnapshotStatus } from '../snapshot/bolt-status';
import { createDecryptor } from '../snapshot/encryption';
import { SnapshotVerifier, verifySnapshotFile } from '../snapshot/trailer';
import { DigestStream, type BackupStore } from './store';
import type { StoredBackup } from './types';

export type FetchCheckName = 'fetch' | 'size' | 'sha256' | 'decrypt' | 'trailer' | 'status';

export interface FetchCheck {
  name: FetchCheckName;
  /** null: not compared (nothing recorded at backup time to compare with). */
  ok: boolean | null;
  detail: string;
}

/** The check that found the backup bad (or the stage an unexpected error hit), in words. */
export class FetchFailed extends Error {
  constructor(readonly check: FetchCheck) {
    super(check.detail);
    this.name = 'FetchFailed';
  }
}

/**
 * A stored backup fetched into `dir` as the plain snapshot file etcd's restore tools read, each
 * byte checked on the way: the stored object's size and SHA-256 against its sidecar, decryption
 * (every AES-256-GCM chunk authenticated), etcd's own SHA-256 trailer and the plain snapshot's
 * SHA-256, and `etcdctl snapshot status` against what was recorded at backup time. Memory flat
 * whatever the size (streams to disk; needs room for twice the db when encrypted, briefly).
 *
 * What a restore drill (drill.ts) and a disaster restore (lib/ops/restore.ts) both stand on.
 * Throws FetchFailed naming the check that failed; every check passed or skipped goes to
 * `onCheck` as it is made.
 */
export async function fetchVerified(o: {
  store: BackupStore;
  cluster: string;
  backup: StoredBackup;
  key?: Buffer;
  dir: string;
  onStep?: (step: string) => void;
  onCheck?: (check: FetchCheck) => void;
}): Promise<{ snapshot: string; status: SnapshotStatus }> {
  const { backup, store } = o;
  const pass = (name: FetchCheckName, detail: string) => o.onCheck?.({ name, ok: true, detail });
  const skip = (name: FetchCheckName, detail: string) => o.onCheck?.({ name, ok: null, detail });
  const fail = (name: FetchCheckName, detail: string) => {
    const check = { name, ok: false, detail };
    o.onCheck?.(check);
    return new FetchFailed(check);
  };
  let stage: FetchCheckName = 'fetch';
  try {
    o.onStep?.(`Fetch ${backup.id} from ${store.name}`);
    const stored = path.join(o.dir, 'stored');
    const digest = new DigestStream();
    try {
      await pipeline(await store.open(o.cluster, backup.id), digest, createWriteStream(stored, { mode: 0o600 }));
    } catch (e) {
      throw fail('fetch', `reading it from ${store.name} failed: ${message(e)}`);
    }
    pass('fetch', `${digest.bytes} bytes from ${store.name}`);
    if (digest.bytes !== backup.size) throw fail('size', `the stored object is ${digest.bytes} bytes, the sidecar recorded ${backup.size}: the object was altered, cut short or replaced in the store`);
    if (backup.sha256 === null) skip('sha256', 'the SHA-256 of the stored object was not recorded at backup time (an older sidecar); decryption and the trailer check it instead');
    else if (digest.sha256 !== backup.sha256) throw fail('sha256', `the stored object's SHA-256 is ${digest.sha256}, the sidecar recorded ${backup.sha256}: the object was altered or damaged in the store`);
    else pass('sha256', `SHA-256 ${digest.sha256} as recorded`);

    o.onStep?.('Decrypt and check the SHA-256 trailer etcd appended');
    stage = 'trailer';
    let snapshot = stored;
    let plain: { size: number; sha256: string };
    if (backup.encrypted) {
      if (!o.key) throw fail('decrypt', 'the backup is encrypted and no key is configured (backups.encrypt: true with $RINGSIDE_BACKUP_KEY)');
      snapshot = path.join(o.dir, 'snapshot.db');
      const verifier = new SnapshotVerifier();
      try {
        await pipeline(createReadStream(stored, { highWaterMark: 1 << 20 }), createDecryptor(o.key), verifier, createWriteStream(snapshot, { mode: 0o600 }));
      } catch (e) {
        throw /^cannot decrypt/.test(message(e)) ? fail('decrypt', message(e)) : fail('trailer', message(e));
      }
      pass('decrypt', 'every AES-256-GCM chunk authenticated');
      plain = verifier.result!;
      await rm(stored, { force: true });
    } else {
      plain = await verifySnapshotFile(stored).catch((e: unknown) => {
        throw fail('trailer', message(e));
      });
    }
    if (plain.sha256 !== backup.snapshot.sha256) throw fail('trailer', `the snapshot's SHA-256 is ${plain.sha256}, the sidecar recorded ${backup.snapshot.sha256}`);
    pass('trailer', "etcd's SHA-256 trailer matches the data");

    stage = 'status';
    const status = await boltStatusOfFile(snapshot).catch((e: unknown) => {
      throw fail('status', `etcdctl snapshot status cannot read it: ${message(e)}`);
    });
    const read = `hash ${status.hash.toString(16)}, revision ${status.revision}, ${status.totalKey} keys, ${status.totalSize} bytes`;
    const recorded = backup.snapshot.status;
    if (!recorded) skip('status', `${read}; no status was recorded at backup time`);
    else if (recorded.hash !== status.hash.toString(16) || recorded.revision !== status.revision || recorded.totalKey !== status.totalKey || recorded.totalSize !== status.totalSize) {
      throw fail('status', `etcdctl snapshot status reads ${read}; the sidecar recorded hash ${recorded.hash}, revision ${recorded.revision}, ${recorded.totalKey} keys, ${recorded.totalSize} bytes`);
    } else pass('status', `${read}, as recorded`);
    return { snapshot, status };
  } catch (e) {
    if (e instanceof FetchFailed) throw e;
    throw fail(stage, message(e));
  }
}

function message(e: unknown): string {
  if (isRingsideError(e)) return e.message;
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 300);
}
