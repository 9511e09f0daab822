import 'server-only';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TlsMaterial } from '../config/types';
import { describeError, MemberClient } from '../etcd/client';
import { isRingsideError, RingsideError } from '../errors';
import { boltStatus, boltStatusOfFile, type SnapshotStatus } from '../snapshot/bolt-status';
import { createEncryptor, encryptedReadAt } from '../snapshot/encryption';
import { SnapshotVerifier } from '../snapshot/trailer';
import { kvFacts } from './kv-facts';
import { backupId } from './object-names';
import { DigestStream, type BackupStore } from './store';
import type { BackupRecord, StoredBackup } from './types';

const CALL_MS = 30_000;
/** A stalled snapshot stream (member hung mid-way) fails after this long without a byte. */
const IDLE_MS = 30_000;
const PROGRESS_EVERY_MS = 500;

export interface BackupSource {
  /** Hex, as the ring model holds it; the member must answer as this ID. */
  id: string;
  name: string;
  endpoint: string;
}

export type BackupProgress =
  | { phase: 'snapshot'; bytes: number; total: number }
  | { phase: 'verified'; record: BackupRecord }
  /** Per store: every MiB (local) or every finished part (S3), unthrottled. */
  | { phase: 'store'; store: string; bytes: number; total: number; part?: number };

export interface TakeBackupOptions {
  cluster: string;
  tls?: TlsMaterial;
  member: BackupSource;
  /** Every store gets the same bytes and the same sidecar, one after another. */
  stores: BackupStore[];
  /** AES-256-GCM at rest when set (config.ts `encrypt`). */
  key?: Buffer;
  /** Where the snapshot is spooled; needs room for the db. */
  workDir: string;
  now?: () => Date;
  callTimeoutMs?: number;
  idleMs?: number;
  onProgress?: (p: BackupProgress) => void;
}

export interface TakenBackup {
  id: string;
  record: BackupRecord;
  /** One entry per store that holds the backup now... */
  stored: { store: string; backup: StoredBackup }[];
  /** ...and one per store that failed, with why. One failing store never costs the others. */
  failed: { store: string; error: string }[];
}

/**
 * Takes a backup from a live member into every store, memory flat whatever the db size:
 *
 *  1. The member's snapshot stream (Maintenance.Snapshot) goes through etcd's SHA-256 trailer
 *     check, then the encryptor when a key is set, to a spool file in `workDir`. A snapshot
 *     whose trailer does not match never reaches a store.
 *  2. The spool is read back like `etcdctl snapshot status` (decrypting only the chunks a read
 *     needs, so no plain copy touches the disk): its revision is the snapshot's.
 *  3. The live member is asked, at exactly that revision, how many keys are live and what
 *     HashKV says: what a restore drill must reproduce (kv-facts.ts).
 *  4. Each store gets the spool and the sidecar; the spool is removed whatever happens.
 *
 * Spooling first (as etcdctl snapshot save, etcd-manager and etcd-backup-restore do) is what
 * makes 1-3 possible without holding the db in memory; it costs one db's size on disk for the
 * duration. Throws when no backup could be taken (no store is written then); per-store
 * failures are in the result.
 *
 * Picking the member (schedule.ts pickBackupSource), running one backup per cluster at a time,
 * auditing and retention are the caller's.
 */
export async function takeBackup(o: TakeBackupOptions): Promise<TakenBackup> {
  const callMs = o.callTimeoutMs ?? CALL_MS;
  const takenAt = (o.now ?? (() => new Date()))();
  const client = new MemberClient(o.member.endpoint, o.tls, callMs);
  await mkdir(o.workDir, { recursive: true, mode: 0o700 });
  const spool = path.join(o.workDir, `spool-${randomBytes(8).toString('hex')}.part`);
  try {
    const status = await client.status(callMs).catch((e: unknown) => {
      throw new RingsideError('UNAVAILABLE', `${o.member.name} (${o.member.endpoint}) does not answer: ${describeError(e).error}`);
    });
    if (status.memberId !== o.member.id) {
      throw new RingsideError('UNAVAILABLE', `${o.member.endpoint} answers as member ${status.memberId}, not ${o.member.id} (${o.member.name}): the ring changed; try again`);
    }

    const snap = await openSnapshot(client, o.member, o.idleMs ?? IDLE_MS);
    const verifier = new SnapshotVerifier();
    // A plain spool holds the snapshot's own bytes, whose SHA-256 the verifier computes anyway.
    const encrypted = o.key ? [createEncryptor(o.key), new DigestStream()] as const : null;
    try {
      await pipeline(snap.readable, progress(snap.size, o.onProgress), verifier, ...(encrypted ?? []), createWriteStream(spool, { flags: 'wx', mode: 0o600 }));
    } catch (e) {
      throw isRingsideError(e) ? e : new RingsideError('UNAVAILABLE', `snapshot from ${o.member.name} failed: ${describeError(e).error}`);
    } finally {
      snap.close();
    }

    const st = await spoolStatus(spool, o.key);
    const kv = await kvFacts(client, st.revision, callMs);
    const record: BackupRecord = {
      cluster: o.cluster,
      member: { id: o.member.id, name: o.member.name },
      revision: st.revision,
      etcdVersion: status.version,
      takenAt: takenAt.toISOString(),
      encrypted: Boolean(o.key),
      size: encrypted ? encrypted[1].bytes : verifier.result!.size,
      sha256: encrypted ? encrypted[1].sha256 : verifier.result!.sha256,
      snapshot: {
        size: verifier.result!.size,
        sha256: verifier.result!.sha256,
        status: { hash: st.hash.toString(16), revision: st.revision, totalKey: st.totalKey, totalSize: st.totalSize },
      },
      kv,
    };
    o.onProgress?.({ phase: 'verified', record });

    const id = backupId({ ...record, takenAt });
    const result: TakenBackup = { id, record, stored: [], failed: [] };
    for (const store of o.stores) {
      const report = o.onProgress;
      report?.({ phase: 'store', store: store.name, bytes: 0, total: record.size });
      try {
        const body = createReadStream(spool, { highWaterMark: 1 << 20 });
        const backup = await store.put(id, body, record, report && ((p) => report({ phase: 'store', store: store.name, total: record.size, ...p })));
        result.stored.push({ store: store.name, backup });
      } catch (e) {
        result.failed.push({ store: store.name, error: isRingsideError(e) ? e.message : `writing to ${store.name} failed: ${(e as Error).message}` });
      }
    }
    return result;
  } finally {
    client.close();
    await rm(spool, { force: true });
  }
}

/** `etcdctl snapshot status` of the spool, decrypting only the chunks a read needs when it is encrypted. */
async function spoolStatus(file: string, key: Buffer | undefined): Promise<SnapshotStatus> {
  if (!key) return boltStatusOfFile(file);
  const reader = await encryptedReadAt(file, key);
  try {
    return await boltStatus(reader.readAt);
  } finally {
    await reader.close();
  }
}

type Chunk = { blob: Buffer; remaining_bytes: string | number };

/**
 * Opens Maintenance.Snapshot and waits for the first chunk, which tells the size: its
 * remaining_bytes plus its own length is the db, then 32 bytes of SHA-256 follow.
 */
async function openSnapshot(client: MemberClient, member: BackupSource, idleMs: number) {
  let stream: Awaited<ReturnType<MemberClient['snapshot']>> | undefined;
  try {
    stream = await client.snapshot();
    const it = stream[Symbol.asyncIterator]() as AsyncIterator<Chunk>;
    const first = await withIdle(it.next(), idleMs);
    if (first.done) throw new RingsideError('UNAVAILABLE', `${member.name} sent an empty snapshot`);
    const size = Number(first.value.remaining_bytes) + first.value.blob.length + 32;
    async function* blobs() {
      yield first.value.blob;
      for (;;) {
        const next = await withIdle(it.next(), idleMs);
        if (next.done) return;
        yield next.value.blob;
      }
    }
    const s = stream;
    return { size, readable: Readable.from(blobs(), { objectMode: false }), close: () => s.destroy() };
  } catch (e) {
    stream?.destroy();
    throw isRingsideError(e) ? e : new RingsideError('UNAVAILABLE', `snapshot from ${member.name} failed: ${describeError(e).error}`);
  }
}

function withIdle<T>(p: Promise<T>, idleMs: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new RingsideError('TIMEOUT', `the member sent nothing for ${idleMs / 1000} s`)), idleMs);
    }),
  ]).finally(() => clearTimeout(timer));
}

function progress(total: number, report: TakeBackupOptions['onProgress']): Transform {
  let bytes = 0;
  let last = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (report && Date.now() - last > PROGRESS_EVERY_MS) {
        last = Date.now();
        report({ phase: 'snapshot', bytes, total });
      }
      done(null, chunk);
    },
  });
}
