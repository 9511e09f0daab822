import 'server-only';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isRingsideError, RingsideError } from '../errors';
import { formatBytes } from '../model/format';
import type { MemberState, RingState } from '../ring/types';
import { boltStatus, boltStatusOfFile, type SnapshotStatus } from '../snapshot/bolt-status';
import { createEncryptor, encryptedReadAt } from '../snapshot/encryption';
import { SnapshotVerifier } from '../snapshot/trailer';
import { fileLabel, unicodeFileLabel } from '../text/file-name';
import { restorePlan } from './instructions';
import { snapshotSource } from './preflight';
import type { Principal } from './principal';
import { safeMessage, type OpRequest } from './runner';
import type { MonitorView, OpsDeps } from './deps';
import type { Operation, SnapshotStatusView, StoredSnapshot } from './types';

const STATUS_MS = 5_000;
/** A stalled snapshot stream (member hung mid-way) fails after this long without a byte. */
const IDLE_MS = 30_000;

type Chunk = { blob: Buffer; remaining_bytes: string | number };

export function statusView(s: SnapshotStatus): SnapshotStatusView {
  return { hash: s.hash.toString(16), revision: s.revision, totalKey: s.totalKey, totalSize: s.totalSize };
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * `<cluster>-<label>-<member ID>-rev<revision>-<UTC time>.db`: the cluster name is a safe pattern,
 * the ID is hex, and the label is the member's name reduced by `label` (names are data: `../x`).
 */
function snapshotFileName(cluster: string, member: { id: string; name: string }, revision: number, takenAt: Date, label: (name: string) => string): string {
  return `${cluster}-${label(member.name)}-${member.id}-rev${revision}-${stamp(takenAt)}.db`;
}

function pickSource(monitor: MonitorView, ring: RingState, memberId: string | undefined): MemberState {
  if (memberId) {
    const m = ring.members.find((x) => x.id === memberId);
    if (!m) throw new RingsideError('NOT_FOUND', `member: no member ${memberId} in ${ring.cluster}`, 'member');
    if (!m.reachable || !m.endpoint) throw new RingsideError('UNAVAILABLE', `${m.name || m.id} does not answer; pick another member`);
    return m;
  }
  const m = snapshotSource(ring, monitor.hashCheck);
  if (!m) throw new RingsideError('UNAVAILABLE', 'no healthy member to take a snapshot from');
  return m;
}

/**
 * Opens Maintenance.Snapshot on one member and waits for the first chunk, which tells the size:
 * its remaining_bytes plus its own length is the db, then 32 bytes of SHA-256 follow.
 */
async function openSnapshot(deps: OpsDeps, monitor: MonitorView, member: MemberState) {
  const client = deps.connect(member.endpoint!, monitor.cluster.tls, STATUS_MS);
  try {
    const status = await client.status(STATUS_MS);
    const stream = await client.snapshot();
    const it = stream[Symbol.asyncIterator]() as AsyncIterator<Chunk>;
    const first = await withIdle(it.next());
    if (first.done) throw new RingsideError('UNAVAILABLE', `${member.name} sent an empty snapshot`);
    const size = Number(first.value.remaining_bytes) + first.value.blob.length + 32;
    async function* blobs() {
      yield first.value.blob;
      for (;;) {
        const next = await withIdle(it.next());
        if (next.done) return;
        yield next.value.blob;
      }
    }
    const readable = Readable.from(blobs(), { objectMode: false });
    const close = () => {
      stream.destroy();
      client.close();
    };
    return { status, size, readable, close };
  } catch (e) {
    client.close();
    throw isRingsideError(e) ? e : new RingsideError('UNAVAILABLE', `snapshot from ${member.name} failed: ${safeMessage(e)}`);
  }
}

function withIdle<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new RingsideError('TIMEOUT', `the member sent nothing for ${IDLE_MS / 1000} s`)), IDLE_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A snapshot on its way to the browser: what the HTTP layer needs to send it (lib/http). */
export interface SnapshotDownload {
  /** The file name to save as (may hold any Unicode); `asciiFile` is its plain fallback. */
  file: string;
  asciiFile: string;
  member: { id: string; name: string };
  revision: number;
  /** Bytes the body will carry: the db and etcd's 32-byte SHA-256 trailer. */
  size: number;
  body: ReadableStream<Uint8Array>;
}

/**
 * A snapshot as a browser download, streamed: memory holds one chunk whatever the db size. The
 * trailer is checked on the way; the last 32 bytes leave only if it matches, so a bad snapshot
 * never completes as a file. Audited when the stream ends, fails or is cancelled.
 */
export async function downloadSnapshot(deps: OpsDeps, p: Principal, monitor: MonitorView, params: { member?: string }, signal: AbortSignal): Promise<SnapshotDownload> {
  const { runner } = deps;
  const ring = monitor.ring;
  if (!ring) throw new RingsideError('UNAVAILABLE', `no state of ${monitor.cluster.name} yet`);
  const member = pickSource(monitor, ring, params.member);
  const r: OpRequest = { principal: p, cluster: ring.cluster, action: 'snapshot-download', member: { id: member.id, name: member.name }, params: { member: member.id } };
  const started = performance.now();
  const takenAt = new Date(deps.clock.now());
  let snap: Awaited<ReturnType<typeof openSnapshot>>;
  try {
    snap = await openSnapshot(deps, monitor, member);
  } catch (e) {
    await runner.record(r, 'failed', Math.round(performance.now() - started), { error: (e as Error).message });
    throw e;
  }
  const revision = snap.status.revision;
  const file = snapshotFileName(ring.cluster, member, revision, takenAt, unicodeFileLabel);
  const verifier = new SnapshotVerifier();
  let finished = false;
  const finish = (error?: string) => {
    if (finished) return;
    finished = true;
    snap.close();
    const res = verifier.result;
    void runner
      .record(r, error ? 'failed' : 'ok', Math.round(performance.now() - started), {
        ...(error ? { error } : {}),
        details: { file, takenAt: takenAt.toISOString(), member: { id: member.id, name: member.name }, revision, size: res?.size ?? null, sha256: res?.sha256 ?? null, trailerOk: res?.trailerOk ?? false },
      })
      .catch((e) => console.error('[ringside] audit append failed:', safeMessage(e)));
  };
  // From here on the etcd stream is open: whatever fails closes it and is audited.
  try {
    const body = verifiedBody(snap.readable, verifier, finish);
    signal.addEventListener('abort', () => finish('the download was cancelled before it completed'), { once: true });
    return { file, asciiFile: snapshotFileName(ring.cluster, member, revision, takenAt, fileLabel), member: { id: member.id, name: member.name }, revision, size: snap.size, body };
  } catch (e) {
    verifier.destroy();
    finish(safeMessage(e));
    throw e;
  }
}

/**
 * The response body: the snapshot through the trailer verifier, handed on 1 MiB at a time; calls
 * `finish` once, with the error if there was one.
 */
function verifiedBody(readable: Readable, verifier: SnapshotVerifier, finish: (error?: string) => void): ReadableStream<Uint8Array> {
  const source = readable.pipe(verifier);
  readable.on('error', (e) => verifier.destroy(e));
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  // etcd sends 32 kB messages; handing the response 1 MiB at a time costs far fewer stream hops.
  const BATCH = 1 << 20;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const parts: Buffer[] = [];
        let bytes = 0;
        let done = false;
        while (bytes < BATCH) {
          const next = await it.next();
          if (next.done) {
            done = true;
            break;
          }
          parts.push(next.value);
          bytes += next.value.length;
        }
        if (bytes > 0) controller.enqueue(parts.length === 1 ? parts[0] : Buffer.concat(parts, bytes));
        if (done) {
          finish();
          controller.close();
        }
      } catch (e) {
        finish(safeMessage(e));
        controller.error(e);
      }
    },
    cancel() {
      verifier.destroy();
      finish('the download was cancelled before it completed');
    },
  });
}

// ---------------------------------------------------------------- server-side backups

function backupDir(deps: OpsDeps, cluster: string): string {
  const { config } = deps;
  if (!config.backups) throw new RingsideError('NOT_FOUND', 'no backup directory is configured (backups.dir in the config)');
  return path.join(config.backups.dir, cluster);
}

/** `dir/base`, or null unless that is an entry directly inside `dir` (no separator, no `..`, not empty). */
function entryIn(dir: string, base: string): string | null {
  const file = path.resolve(dir, base);
  return base !== '' && path.dirname(file) === path.resolve(dir) && path.basename(file) === base ? file : null;
}

/** fsync a file (its data) or a directory (a rename in it), so a crash cannot lose what was reported done. */
async function fsyncPath(p: string) {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Status of a stored file as etcdctl prints it; an encrypted one is read chunk by chunk in memory. */
async function statusOf(file: string, key?: Buffer): Promise<SnapshotStatus> {
  if (!key) return boltStatusOfFile(file);
  const reader = await encryptedReadAt(file, key);
  try {
    return await boltStatus(reader.readAt);
  } finally {
    await reader.close();
  }
}

/**
 * Writes a snapshot to the backup directory: streamed to a .part file (encrypted on the way when
 * configured), trailer verified, fsynced, renamed, its status read back like etcdctl snapshot
 * status, then labelled in a sidecar; older ones beyond `keep` are deleted only after that.
 */
export async function backupSnapshot(deps: OpsDeps, p: Principal, monitor: MonitorView, params: { member?: string }): Promise<{ operation: Operation; done: Promise<Operation> }> {
  const { runner, config } = deps;
  const dir = backupDir(deps, monitor.cluster.name);
  runner.assertIdle(monitor.cluster.name);
  const ring = monitor.ring;
  if (!ring) throw new RingsideError('UNAVAILABLE', `no state of ${monitor.cluster.name} yet`);
  const member = pickSource(monitor, ring, params.member);
  const key = config.backups!.key;
  return runner.start({ principal: p, cluster: ring.cluster, action: 'snapshot-backup', member: { id: member.id, name: member.name }, params: { member: member.id } }, async (ctx) => {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const takenAt = new Date(deps.clock.now());
    const snap = await openSnapshot(deps, monitor, member);
    const base = `${snapshotFileName(ring.cluster, member, snap.status.revision, takenAt, fileLabel)}${key ? '.enc' : ''}`;
    const file = entryIn(dir, base);
    if (!file) {
      snap.close();
      throw new RingsideError('INTERNAL', `refusing to write ${JSON.stringify(base)}: not a file name inside ${dir}`);
    }
    const part = `${file}.part`;
    const verifier = new SnapshotVerifier();
    try {
      await ctx.step(`Stream the snapshot from ${member.name} (revision ${snap.status.revision}, ${(snap.size / 1e6).toFixed(1)} MB)${key ? ', encrypting' : ''}`, async (s) => {
        let sent = 0;
        let last = 0;
        const progress = new Transform({
          transform(chunk: Buffer, _e, done) {
            sent += chunk.length;
            if (Date.now() - last > 500) {
              last = Date.now();
              s.detail(`${formatBytes(sent)} of ${formatBytes(snap.size)}`);
            }
            done(null, chunk);
          },
        });
        await pipeline(snap.readable, progress, verifier, ...(key ? [createEncryptor(key)] : []), createWriteStream(part, { mode: 0o600 }));
        await fsyncPath(part);
        await rename(part, file);
        await fsyncPath(dir);
      }, () => `SHA-256 trailer verified; ${formatBytes(verifier.result!.size)} written to ${base}`);
    } catch (e) {
      await rm(part, { force: true });
      throw e;
    } finally {
      snap.close();
    }
    const status = await ctx.step('Read it back like etcdctl snapshot status', () => statusOf(file, key), (st) => `hash ${st.hash.toString(16)}, revision ${st.revision}, ${st.totalKey} keys, ${st.totalSize} bytes`);
    const size = (await stat(file)).size;
    // No path in the sidecar: readers take the file from the directory listing (see readMeta).
    const meta: Sidecar = {
      cluster: ring.cluster,
      member: { id: member.id, name: member.name },
      revision: status.revision,
      takenAt: takenAt.toISOString(),
      size,
      sha256: verifier.result!.sha256,
      encrypted: Boolean(key),
      status: statusView(status),
    };
    await writeFile(`${file}.json.part`, `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o600 });
    await fsyncPath(`${file}.json.part`);
    await rename(`${file}.json.part`, `${file}.json`);
    ctx.record({ ...meta, file });
    await ctx.step(`Keep the newest ${config.backups!.keep}`, () => prune(deps, ring.cluster, config.backups!.keep), (n) => (n ? `deleted ${n} older` : 'nothing to delete'));
  });
}

/** What a `.json` sidecar holds. Older ones also hold the snapshot's path, which is never used. */
type Sidecar = Omit<StoredSnapshot, 'restore' | 'file'>;

/**
 * The stored snapshots in `dir`, newest first: each `X.json` sidecar labels the file `X` beside it.
 * The path comes from the listing, never from the sidecar, so a sidecar (copied, edited, or
 * written by an older Ringside with a member name in it) cannot point prune or a restore plan
 * anywhere else.
 */
async function readMeta(dir: string): Promise<(Sidecar & { file: string })[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const metas = await Promise.all(
    names
      .filter((n) => n.endsWith('.json'))
      .map(async (n) => {
        const file = entryIn(dir, n.slice(0, -'.json'.length));
        if (!file) return null;
        try {
          const meta = JSON.parse(await readFile(`${file}.json`, 'utf8')) as Sidecar;
          return typeof meta?.takenAt === 'string' ? { ...meta, file } : null;
        } catch {
          return null;
        }
      }),
  );
  return metas.filter((m) => m !== null).sort((a, b) => b.takenAt.localeCompare(a.takenAt));
}

async function prune(deps: OpsDeps, cluster: string, keep: number): Promise<number> {
  const old = (await readMeta(backupDir(deps, cluster))).slice(keep);
  for (const m of old) {
    await rm(m.file, { force: true });
    await rm(`${m.file}.json`, { force: true });
  }
  return old.length;
}

/** Stored snapshots of a cluster, newest first, each with its disaster-restore plan. */
export async function listBackups(deps: OpsDeps, cluster: string, ring: RingState | null): Promise<{ dir: string | null; encrypted: boolean; keep: number | null; snapshots: StoredSnapshot[] }> {
  const { config } = deps;
  if (!config.backups) return { dir: null, encrypted: false, keep: null, snapshots: [] };
  const metas = await readMeta(backupDir(deps, cluster));
  return {
    dir: config.backups.dir,
    encrypted: Boolean(config.backups.key),
    keep: config.backups.keep,
    snapshots: metas.map((m) => ({ ...m, restore: restorePlan(ring, m.file, m.encrypted, cluster, m.takenAt) })),
  };
}
