import 'server-only';
import { Readable } from 'node:stream';
import { isRingsideError, RingsideError } from '../errors';
import type { MemberState, RingState } from '../ring/types';
import { SnapshotVerifier } from '../snapshot/trailer';
import { fileLabel, unicodeFileLabel } from '../text/file-name';
import { snapshotSource } from './preflight';
import type { Principal } from './principal';
import { safeMessage, type OpRequest } from './runner';
import type { MonitorView, OpsDeps } from './deps';

const STATUS_MS = 5_000;
/** A stalled snapshot stream (member hung mid-way) fails after this long without a byte. */
const IDLE_MS = 30_000;

type Chunk = { blob: Buffer; remaining_bytes: string | number };

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
