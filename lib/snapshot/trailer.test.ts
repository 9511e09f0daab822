import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { expected, randomPieces, runThrough, snapshot } from './testdata/fixtures';
import { SnapshotVerifier, verifySnapshotFile } from './trailer';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
/** A snapshot-shaped byte string: `n` data bytes and their SHA-256. */
const withTrailer = (data: Buffer): Buffer => Buffer.concat([data, createHash('sha256').update(data).digest()]);

/** Every way to cut `buf` in two, plus random chunkings from 1-byte pieces up. */
function chunkings(buf: Buffer): Buffer[][] {
  const cuts = Array.from({ length: buf.length + 1 }, (_, i) => [buf.subarray(0, i), buf.subarray(i)]);
  const random = [1, 2, 3, 31, 32, 33, 64, 1000].flatMap((max) => [1, 2, 3].map((seed) => randomPieces(buf, seed * 1000 + max, max)));
  return [...cuts, ...random, [buf]];
}

describe('SnapshotVerifier', () => {
  test('passes a good snapshot through unchanged, however it is chunked', async () => {
    const good = withTrailer(randomBytes(200));
    for (const pieces of chunkings(good)) {
      const v = new SnapshotVerifier();
      const { out, error } = await runThrough(v, pieces);
      expect(error).toBeNull();
      expect(out.equals(good)).toBe(true);
      expect(v.result).toEqual({ size: good.length, sha256: sha(good), trailerOk: true });
    }
  });

  test('the real etcd snapshot verifies, and its sha256 is what sha256sum says', async () => {
    for (const max of [1, 4096, 65536]) {
      const v = new SnapshotVerifier();
      const { out, error } = await runThrough(v, randomPieces(snapshot, max, max));
      expect(error).toBeNull();
      expect(out.length).toBe(expected.size);
      expect(v.result).toEqual({ size: expected.size, sha256: expected.sha256, trailerOk: true });
    }
  });

  test('a flipped byte anywhere fails the stream, and the last 32 bytes are never released', async () => {
    const good = withTrailer(randomBytes(100));
    for (let at = 0; at < good.length; at++) {
      const bad = Buffer.from(good);
      bad[at] ^= 0x01;
      for (const pieces of [[bad], randomPieces(bad, at, 7), randomPieces(bad, at, 1)]) {
        const v = new SnapshotVerifier();
        const { out, error } = await runThrough(v, pieces);
        expect(error?.message).toBe(
          'snapshot integrity check failed: SHA-256 trailer does not match the data (the snapshot is corrupt or truncated)',
        );
        expect(out.equals(bad.subarray(0, bad.length - 32))).toBe(true);
        expect(v.result).toEqual({ size: bad.length, sha256: sha(bad), trailerOk: false });
      }
    }
  });

  test('a truncated snapshot fails, wherever it was cut', async () => {
    for (const keep of [33, 100, snapshot.length - 4096, snapshot.length - 33, snapshot.length - 32, snapshot.length - 1]) {
      const cut = snapshot.subarray(0, keep);
      const { out, error } = await runThrough(new SnapshotVerifier(), randomPieces(cut, keep, 5000));
      expect(error?.message).toMatch(/^snapshot integrity check failed: SHA-256 trailer does not match/);
      expect(out.length).toBe(keep - 32);
    }
  });

  test('inputs too short to hold a trailer and data fail with their size', async () => {
    for (const n of [0, 1, 31, 32]) {
      const v = new SnapshotVerifier();
      const { out, error } = await runThrough(v, n ? randomPieces(randomBytes(n), n, 3) : []);
      expect(error?.message).toBe(
        `snapshot integrity check failed: only ${n} bytes, too short for a database followed by a 32-byte SHA-256 trailer (the snapshot is truncated)`,
      );
      expect(out.length).toBe(0);
      expect(v.result?.trailerOk).toBe(false);
    }
    // One data byte and its hash is the smallest input that passes.
    const tiny = withTrailer(Buffer.from([7]));
    expect((await runThrough(new SnapshotVerifier(), randomPieces(tiny, 1, 1))).out.equals(tiny)).toBe(true);
  });

  test('result is null until the stream ends', () => {
    const v = new SnapshotVerifier();
    v.write(randomBytes(100));
    expect(v.result).toBeNull();
    v.destroy();
  });
});

describe('verifySnapshotFile', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-trailer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('reports size and sha256 of a good file', async () => {
    const file = path.join(dir, 'good.db');
    writeFileSync(file, snapshot);
    await expect(verifySnapshotFile(file)).resolves.toEqual({ size: expected.size, sha256: expected.sha256, trailerOk: true });
  });

  test('rejects a corrupt file with the reason', async () => {
    const file = path.join(dir, 'bad.db');
    const bad = Buffer.from(snapshot);
    bad[Math.floor(bad.length / 2)] ^= 0xff;
    writeFileSync(file, bad);
    await expect(verifySnapshotFile(file)).rejects.toThrow(/SHA-256 trailer does not match the data/);
  });
});
