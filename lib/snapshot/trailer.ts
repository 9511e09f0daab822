import 'server-only';

import { createHash, timingSafeEqual, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RingsideError } from '../errors';

// An etcd v3 snapshot (Maintenance.Snapshot, `etcdctl snapshot save`) is the bbolt
// database followed by a 32-byte SHA-256 of everything before it.

export const TRAILER_SIZE = 32;

export interface SnapshotCheck {
  /** Bytes in the whole file, trailer included. */
  size: number;
  /** Hex SHA-256 of the whole file, trailer included (what sha256sum prints). */
  sha256: string;
  trailerOk: boolean;
}

/**
 * Passes a snapshot through unchanged while checking its trailer. The last 32 bytes
 * seen are always held back; at the end they are released only if they equal the
 * SHA-256 of the bytes before them. Otherwise the stream fails without them, so a
 * consumer (a browser download, a backup file) never ends up with a complete-looking
 * bad snapshot. Memory stays at one chunk whatever the size.
 */
export class SnapshotVerifier extends Transform {
  // All bytes but the held-back tail. The whole file's hash is this one's copy plus the tail:
  // one SHA-256 pass over the data, not two.
  private readonly data: Hash = createHash('sha256');
  private tail: Buffer = Buffer.alloc(0); // at most TRAILER_SIZE bytes
  private size = 0;
  private checked: SnapshotCheck | null = null;

  /** Set once the stream has ended (whether or not the trailer matched); null before. */
  get result(): SnapshotCheck | null {
    return this.checked;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (chunk.length === 0) return done();
    this.size += chunk.length;
    if (chunk.length >= TRAILER_SIZE) {
      this.release(this.tail);
      this.release(chunk.subarray(0, chunk.length - TRAILER_SIZE));
      // A copy, so a 32-byte tail does not pin the caller's whole chunk in memory.
      this.tail = Buffer.from(chunk.subarray(chunk.length - TRAILER_SIZE));
    } else {
      const joined = Buffer.concat([this.tail, chunk]);
      const excess = joined.length - TRAILER_SIZE;
      if (excess > 0) this.release(joined.subarray(0, excess));
      this.tail = excess > 0 ? joined.subarray(excess) : joined;
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    const sha256 = this.data.copy().update(this.tail).digest('hex');
    if (this.size <= TRAILER_SIZE) {
      this.checked = { size: this.size, sha256, trailerOk: false };
      return done(
        new RingsideError(
          'INVALID',
          `snapshot integrity check failed: only ${this.size} bytes, too short for a database followed by a ${TRAILER_SIZE}-byte SHA-256 trailer (the snapshot is truncated)`,
        ),
      );
    }
    const trailerOk = timingSafeEqual(this.data.digest(), this.tail);
    this.checked = { size: this.size, sha256, trailerOk };
    if (!trailerOk) {
      return done(
        new RingsideError(
          'INVALID',
          'snapshot integrity check failed: SHA-256 trailer does not match the data (the snapshot is corrupt or truncated)',
        ),
      );
    }
    this.push(this.tail);
    done();
  }

  private release(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.data.update(bytes);
    this.push(bytes);
  }
}

/** Streams a snapshot file through a SnapshotVerifier; rejects when its trailer does not match. */
export async function verifySnapshotFile(path: string): Promise<SnapshotCheck> {
  const verifier = new SnapshotVerifier();
  const discard = new Writable({ write: (_chunk, _enc, done) => done() });
  await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), verifier, discard);
  return verifier.result!;
}
