import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { boltStatus } from './bolt-status';
import {
  createDecryptor,
  createEncryptor,
  DEFAULT_CHUNK_SIZE,
  ENCRYPTED_MAGIC,
  encryptedReadAt,
  isEncryptedSnapshot,
  parseBackupKey,
} from './encryption';
import { expected, prng, randomPieces, runThrough, snapshot } from './testdata/fixtures';

const KEY = randomBytes(32);
const CHUNK = 1024; // the smallest chunk size the format allows: many chunks from little data
const HEADER = ENCRYPTED_MAGIC.length + 4 + 12;
const SEALED = CHUNK + 16;

async function encrypt(plain: Buffer, key = KEY, chunkSize = CHUNK, maxPiece = 5000, seed = 1): Promise<Buffer> {
  const { out, error } = await runThrough(createEncryptor(key, { chunkSize }), randomPieces(plain, seed, maxPiece));
  if (error) throw error;
  return out;
}

const decrypt = (sealed: Buffer, key = KEY, maxPiece = 5000, seed = 1) => runThrough(createDecryptor(key), randomPieces(sealed, seed, maxPiece));

/** Byte range of chunk i in an encrypted file written with CHUNK. */
const chunkAt = (i: number): [number, number] => [HEADER + i * SEALED, HEADER + (i + 1) * SEALED];

describe('encryption round trip', () => {
  test('plaintext of every size around chunk boundaries comes back unchanged, however it is chunked', async () => {
    for (const n of [0, 1, 15, 16, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 2 * CHUNK + 1, 5 * CHUNK + 17]) {
      const plain = randomBytes(n);
      for (const [maxPiece, seed] of [[1, 1], [7, 2], [CHUNK + 16, 3], [100_000, 4]]) {
        const sealed = await encrypt(plain, KEY, CHUNK, maxPiece, seed);
        const chunks = Math.max(1, Math.ceil(n / CHUNK));
        expect(sealed.length).toBe(HEADER + n + 16 * chunks);
        const { out, error } = await decrypt(sealed, KEY, maxPiece, seed + 10);
        expect(error).toBeNull();
        expect(out.equals(plain)).toBe(true);
      }
    }
  });

  test('the default 1 MiB chunks, on more than two chunks of data', async () => {
    const plain = randomBytes(2 * DEFAULT_CHUNK_SIZE + 12345);
    const sealed = await encrypt(plain, KEY, DEFAULT_CHUNK_SIZE, 65536);
    expect(sealed.subarray(0, ENCRYPTED_MAGIC.length).toString()).toBe('RINGSIDE-SNAPSHOT-AES256GCM-1\n');
    expect(sealed.readUInt32BE(ENCRYPTED_MAGIC.length)).toBe(DEFAULT_CHUNK_SIZE);
    const { out, error } = await decrypt(sealed, KEY, 65536);
    expect(error).toBeNull();
    expect(out.equals(plain)).toBe(true);
  });

  test('the same plaintext encrypts differently every time (a fresh nonce per file)', async () => {
    const plain = randomBytes(3000);
    expect((await encrypt(plain)).equals(await encrypt(plain))).toBe(false);
  });

  test('a key that is not 32 bytes is refused up front', () => {
    expect(() => createEncryptor(randomBytes(16))).toThrow('the backup encryption key must be exactly 32 bytes (AES-256)');
    expect(() => createDecryptor(Buffer.alloc(0))).toThrow('exactly 32 bytes');
  });
});

describe('decryption refuses what it cannot authenticate', () => {
  const plain = randomBytes(3 * CHUNK + 100); // chunks 0..3, the last one short
  let sealed: Buffer;
  const sealedOnce = async () => (sealed ??= await encrypt(plain));

  test('the wrong key', async () => {
    const { out, error } = await decrypt(await sealedOnce(), randomBytes(32));
    expect(error?.message).toBe('cannot decrypt: wrong key or the file was altered (chunk 0)');
    expect(out.length).toBe(0);
  });

  test('a flipped byte: nothing from that chunk on is released', async () => {
    const good = await sealedOnce();
    const rnd = prng(42);
    for (let run = 0; run < 60; run++) {
      const at = Math.floor(rnd() * good.length);
      const bad = Buffer.from(good);
      bad[at] ^= 1 << Math.floor(rnd() * 8);
      const { out, error } = await decrypt(bad, KEY, 1 + Math.floor(rnd() * 3000), run);
      if (at < HEADER) {
        // the magic, the chunk size or the nonce
        expect(error?.message).toMatch(/^(not an encrypted Ringside snapshot|cannot decrypt: )/);
        expect(out.length).toBe(0);
      } else {
        const chunk = Math.floor((at - HEADER) / SEALED);
        expect(error?.message).toBe(`cannot decrypt: wrong key or the file was altered (chunk ${chunk})`);
        expect(out.equals(plain.subarray(0, chunk * CHUNK))).toBe(true);
      }
    }
  });

  test('a file cut short, at a chunk boundary or inside a chunk or the header', async () => {
    const good = await sealedOnce();
    const cases: [number, RegExp][] = [
      [chunkAt(3)[0], /wrong key or the file was altered \(chunk 2\)$/], // chunks 0-2 intact: chunk 2 was not sealed as the last
      [chunkAt(1)[0], /wrong key or the file was altered \(chunk 0\)$/],
      [chunkAt(2)[0] + 500, /wrong key or the file was altered \(chunk 2\)$/],
      [chunkAt(3)[0] + 10, /the file is truncated \(chunk 3\)$/],
      [good.length - 1, /wrong key or the file was altered \(chunk 3\)$/],
      [HEADER, /the file is truncated \(chunk 0\)$/],
      [HEADER - 1, /^not an encrypted Ringside snapshot/],
      [0, /^cannot decrypt: the file is empty$/],
    ];
    for (const [keep, message] of cases) {
      const { error } = await decrypt(good.subarray(0, keep), KEY, 333);
      expect(error?.message, `cut at ${keep}`).toMatch(message);
    }
  });

  test('swapped chunks, a chunk from another file, bytes appended after the end', async () => {
    const good = await sealedOnce();
    const part = (b: Buffer, i: number) => b.subarray(...chunkAt(i));

    const swapped = Buffer.concat([good.subarray(0, HEADER), part(good, 1), part(good, 0), good.subarray(chunkAt(2)[0])]);
    expect((await decrypt(swapped)).error?.message).toBe('cannot decrypt: wrong key or the file was altered (chunk 0)');

    const other = await encrypt(plain); // same key and plaintext, other nonce
    const spliced = Buffer.concat([good.subarray(0, chunkAt(1)[0]), part(other, 1), good.subarray(chunkAt(2)[0])]);
    const r = await decrypt(spliced);
    expect(r.error?.message).toBe('cannot decrypt: wrong key or the file was altered (chunk 1)');
    expect(r.out.equals(plain.subarray(0, CHUNK))).toBe(true);

    const duplicated = Buffer.concat([good.subarray(0, chunkAt(2)[0]), part(good, 1), good.subarray(chunkAt(2)[0])]);
    expect((await decrypt(duplicated)).error?.message).toBe('cannot decrypt: wrong key or the file was altered (chunk 2)');

    const appended = Buffer.concat([good, randomBytes(20)]);
    expect((await decrypt(appended)).error?.message).toBe('cannot decrypt: wrong key or the file was altered (chunk 3)');
  });

  test('a header that names an absurd chunk size', async () => {
    const bad = Buffer.from(await sealedOnce());
    bad.writeUInt32BE(0xffffffff, ENCRYPTED_MAGIC.length);
    expect((await decrypt(bad)).error?.message).toBe('cannot decrypt: the header gives an unsupported chunk size 4294967295 (the file was altered)');
  });
});

describe('encryptedReadAt and isEncryptedSnapshot', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-enc-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, bytes: Buffer): string => {
    const p = path.join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };

  test('reads at random offsets equal the plaintext slice', async () => {
    for (const n of [0, 1, CHUNK, CHUNK + 1, 20 * CHUNK + 333]) {
      const plain = randomBytes(n);
      const r = await encryptedReadAt(file(`rand-${n}.enc`, await encrypt(plain)), KEY);
      try {
        expect(r.size).toBe(n);
        const rnd = prng(n);
        for (let i = 0; i < 300; i++) {
          const offset = Math.floor(rnd() * (n + 10));
          const length = Math.floor(rnd() * (rnd() < 0.2 ? 5 * CHUNK : 64));
          const got = await r.readAt(offset, length);
          expect(got.equals(plain.subarray(offset, offset + length)), `read ${offset}+${length} of ${n}`).toBe(true);
        }
        // Many reads at once share chunk loads and still agree.
        const reads = Array.from({ length: 50 }, (_, i) => [(i * 397) % (n + 1), 700] as const);
        const all = await Promise.all(reads.map(([o, l]) => r.readAt(o, l)));
        all.forEach((got, i) => expect(got.equals(plain.subarray(reads[i][0], reads[i][0] + 700))).toBe(true));
      } finally {
        await r.close();
      }
    }
  });

  test('boltStatus runs on an encrypted snapshot without decrypting it to disk', async () => {
    const r = await encryptedReadAt(file('snap.db.enc', await encrypt(snapshot, KEY, DEFAULT_CHUNK_SIZE)), KEY);
    try {
      expect(r.size).toBe(expected.size);
      await expect(boltStatus(r.readAt)).resolves.toEqual(expected.status);
    } finally {
      await r.close();
    }
  });

  test('wrong key, tampering and truncation surface on the read that meets them', async () => {
    const plain = randomBytes(4 * CHUNK);
    const sealed = await encrypt(plain);

    const wrong = await encryptedReadAt(file('wrong.enc', sealed), randomBytes(32));
    await expect(wrong.readAt(CHUNK + 5, 10)).rejects.toThrow('cannot decrypt: wrong key or the file was altered (chunk 1)');
    await wrong.close();

    const flipped = Buffer.from(sealed);
    flipped[chunkAt(2)[0] + 100] ^= 0x40;
    const t = await encryptedReadAt(file('flipped.enc', flipped), KEY);
    expect((await t.readAt(0, 10)).equals(plain.subarray(0, 10))).toBe(true);
    await expect(t.readAt(2 * CHUNK, 10)).rejects.toThrow('(chunk 2)');
    await expect(t.readAt(2 * CHUNK, 10)).rejects.toThrow('(chunk 2)'); // a failure is not cached as a success
    await t.close();

    // Cut after chunk 2: the file looks like 3 whole chunks, but chunk 2 was not sealed as the last.
    const cut = await encryptedReadAt(file('cut.enc', sealed.subarray(0, chunkAt(3)[0])), KEY);
    expect(cut.size).toBe(3 * CHUNK);
    await expect(cut.readAt(2 * CHUNK + 1, 1)).rejects.toThrow('cannot decrypt: wrong key or the file was altered (chunk 2)');
    await cut.close();

    await expect(encryptedReadAt(file('cut-tag.enc', sealed.subarray(0, chunkAt(3)[0] + 16)), KEY)).rejects.toThrow(
      'cannot decrypt: the file is truncated (chunk 3)',
    );
    await expect(encryptedReadAt(file('header-only.enc', sealed.subarray(0, HEADER)), KEY)).rejects.toThrow(
      'cannot decrypt: the file is truncated (chunk 0)',
    );
    await expect(encryptedReadAt(file('plain.db', snapshot), KEY)).rejects.toThrow('not an encrypted Ringside snapshot');
  });

  test('isEncryptedSnapshot tells an encrypted backup from a plain snapshot', async () => {
    expect(await isEncryptedSnapshot(file('a.enc', await encrypt(randomBytes(10))))).toBe(true);
    expect(await isEncryptedSnapshot(file('b.db', snapshot))).toBe(false);
    expect(await isEncryptedSnapshot(file('c.empty', Buffer.alloc(0)))).toBe(false);
  });
});

describe('parseBackupKey', () => {
  test('takes 32 bytes as base64 or hex', () => {
    const key = randomBytes(32);
    expect(parseBackupKey(key.toString('base64')).equals(key)).toBe(true);
    expect(parseBackupKey(`${key.toString('hex')}\n`).equals(key)).toBe(true);
    expect(parseBackupKey(key.toString('hex').toUpperCase()).equals(key)).toBe(true);
  });

  test('refuses anything else without echoing it', () => {
    expect(() => parseBackupKey(undefined)).toThrow('$RINGSIDE_BACKUP_KEY is not set (make one with: openssl rand -base64 32)');
    for (const bad of ['s3cret-passphrase', randomBytes(16).toString('base64'), randomBytes(31).toString('hex') + 'zz']) {
      let message = '';
      try {
        parseBackupKey(bad);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toBe('$RINGSIDE_BACKUP_KEY must be 32 bytes as base64 (openssl rand -base64 32) or 64 hex digits');
      expect(message).not.toContain(bad);
    }
  });
});
