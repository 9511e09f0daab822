// A real etcd 3.4.23 snapshot for tests, made by capture.ts in this folder, and helpers
// to stream bytes in awkward pieces.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import type { ReadAt, SnapshotStatus } from '../bolt-status';

export const SNAPSHOT_GZ = path.join(__dirname, 'etcd-3.4.23.snapshot.db.gz');

/** The snapshot's bytes: bbolt database plus SHA-256 trailer. */
export const snapshot: Buffer = gunzipSync(readFileSync(SNAPSHOT_GZ));

/** What `etcdctl snapshot status -w json` printed for it, plus its size and sha256sum. */
export const expected = JSON.parse(readFileSync(path.join(__dirname, 'etcd-3.4.23.snapshot.json'), 'utf8')) as {
  status: SnapshotStatus;
  size: number;
  sha256: string;
};

/** Deterministic PRNG (mulberry32), so a failing chunking can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits `buf` into pieces of random sizes in 1..maxPiece (many of them 1 byte when maxPiece is small). */
export function randomPieces(buf: Buffer, seed: number, maxPiece: number): Buffer[] {
  const rnd = prng(seed);
  const out: Buffer[] = [];
  for (let off = 0; off < buf.length; ) {
    const n = 1 + Math.floor(rnd() * maxPiece);
    out.push(buf.subarray(off, off + n));
    off += n;
  }
  return out;
}

/** Pushes `pieces` through `t`; resolves with everything `t` emitted, or rejects with its error and what it emitted before. */
export async function runThrough(t: Transform, pieces: Buffer[]): Promise<{ out: Buffer; error: Error | null }> {
  const got: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      got.push(chunk);
      done();
    },
  });
  let error: Error | null = null;
  try {
    await pipeline(Readable.from(pieces, { objectMode: false }), t, sink);
  } catch (e) {
    error = e as Error;
  }
  return { out: Buffer.concat(got), error };
}

/** A ReadAt over bytes in memory (reads past the end come back short, like pread). */
export const memoryReadAt =
  (buf: Buffer): ReadAt =>
  async (offset, length) =>
    buf.subarray(offset, offset + length);
