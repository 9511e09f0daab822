import 'server-only';

// Encryption at rest for snapshot backups: AES-256-GCM in independent chunks, so a file
// of any size streams through in constant memory, and a reader can decrypt just the
// chunks it needs (boltStatus on an encrypted backup, without plaintext on disk).
//
// Format "RINGSIDE-SNAPSHOT-AES256GCM-1" (all integers big-endian):
//
//   header  (46 bytes)
//     magic       30 bytes   "RINGSIDE-SNAPSHOT-AES256GCM-1\n"
//     chunkSize    4 bytes   plaintext bytes per chunk (1 MiB when written by Ringside)
//     baseNonce   12 bytes   random, fresh for every file
//   chunks  (one or more, back to back)
//     ciphertext  chunkSize bytes for every chunk but the last; the last holds
//                 1..chunkSize bytes (0 only when the whole plaintext is empty)
//     tag         16 bytes   GCM authentication tag
//
// Chunk i (counting from 0) is encrypted with
//   nonce = baseNonce XOR (0^4 || i as u64)
//   AAD   = header || i as u64 || final   (final = 0x01 on the last chunk, else 0x00)
// The counter in nonce and AAD catches reordered or repeated chunks; the header in the
// AAD ties every chunk to this file (another file has another base nonce); the final
// flag catches a file cut at a chunk boundary (its new last chunk was not sealed as
// final) and data appended after the end (the real last chunk would then be read as
// not final). The plaintext size follows from the file size alone.
//
// The key is 32 bytes ($RINGSIDE_BACKUP_KEY: base64 or 64 hex digits, see parseBackupKey).
// A chunk is released only once its tag has verified, but a stream that fails midway has
// already released the chunks before the bad one: write to a temporary file and rename
// it only after the stream ends cleanly (scripts/decrypt-snapshot.ts does).

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { RingsideError } from '../errors';
import type { ReadAt } from './bolt-status';

export const ENCRYPTED_MAGIC = Buffer.from('RINGSIDE-SNAPSHOT-AES256GCM-1\n', 'latin1');
export const DEFAULT_CHUNK_SIZE = 1 << 20;
const NONCE = 12;
const TAG = 16;
const HEADER = ENCRYPTED_MAGIC.length + 4 + NONCE;
const MIN_CHUNK = 1 << 10;
const MAX_CHUNK = 1 << 26; // bounds what a (tampered) header can make a reader allocate
const CACHE_CHUNKS = 8;

interface Header {
  bytes: Buffer; // the raw header, part of every chunk's AAD
  chunkSize: number;
  baseNonce: Buffer;
}

function checkKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== 32) {
    throw new RingsideError('INVALID', 'the backup encryption key must be exactly 32 bytes (AES-256)', 'key');
  }
}

/** $RINGSIDE_BACKUP_KEY: 32 bytes as base64 (openssl rand -base64 32) or 64 hex digits. The value never appears in a message. */
export function parseBackupKey(raw: string | undefined): Buffer {
  if (!raw) throw new RingsideError('INVALID', '$RINGSIDE_BACKUP_KEY is not set (make one with: openssl rand -base64 32)', 'RINGSIDE_BACKUP_KEY');
  const text = raw.trim();
  const hex = /^[0-9a-fA-F]{64}$/.test(text);
  const key = Buffer.from(text, hex ? 'hex' : 'base64');
  if (key.length !== 32 || (!hex && key.toString('base64') !== text)) {
    throw new RingsideError(
      'INVALID',
      '$RINGSIDE_BACKUP_KEY must be 32 bytes as base64 (openssl rand -base64 32) or 64 hex digits',
      'RINGSIDE_BACKUP_KEY',
    );
  }
  return key;
}

function makeHeader(chunkSize: number, baseNonce: Buffer): Header {
  const bytes = Buffer.alloc(HEADER);
  ENCRYPTED_MAGIC.copy(bytes, 0);
  bytes.writeUInt32BE(chunkSize, ENCRYPTED_MAGIC.length);
  baseNonce.copy(bytes, ENCRYPTED_MAGIC.length + 4);
  return { bytes, chunkSize, baseNonce };
}

function parseHeader(bytes: Buffer): Header {
  if (bytes.length < HEADER || !bytes.subarray(0, ENCRYPTED_MAGIC.length).equals(ENCRYPTED_MAGIC)) {
    throw new RingsideError('INVALID', 'not an encrypted Ringside snapshot (the header is missing or unknown)');
  }
  const chunkSize = bytes.readUInt32BE(ENCRYPTED_MAGIC.length);
  if (chunkSize < MIN_CHUNK || chunkSize > MAX_CHUNK) {
    throw new RingsideError('INVALID', `cannot decrypt: the header gives an unsupported chunk size ${chunkSize} (the file was altered)`);
  }
  const head = Buffer.from(bytes.subarray(0, HEADER));
  return { bytes: head, chunkSize, baseNonce: head.subarray(ENCRYPTED_MAGIC.length + 4) };
}

function nonceAndAad(h: Header, index: number, final: boolean): { nonce: Buffer; aad: Buffer } {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(index));
  const nonce = Buffer.from(h.baseNonce);
  for (let i = 0; i < 8; i++) nonce[4 + i] ^= counter[i];
  return { nonce, aad: Buffer.concat([h.bytes, counter, Buffer.from([final ? 1 : 0])]) };
}

function sealChunk(key: Buffer, h: Header, index: number, final: boolean, plain: Buffer): Buffer {
  const { nonce, aad } = nonceAndAad(h, index, final);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(aad);
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

const altered = (index: number): RingsideError =>
  new RingsideError('INVALID', `cannot decrypt: wrong key or the file was altered (chunk ${index})`);

function openChunk(key: Buffer, h: Header, index: number, final: boolean, sealed: Buffer): Buffer {
  if (sealed.length < TAG) throw new RingsideError('INVALID', `cannot decrypt: the file is truncated (chunk ${index})`);
  const { nonce, aad } = nonceAndAad(h, index, final);
  const d = createDecipheriv('aes-256-gcm', key, nonce);
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  const plain = d.update(sealed.subarray(0, sealed.length - TAG));
  try {
    d.final();
  } catch {
    throw altered(index);
  }
  return plain;
}

/** Bytes collected from a stream until enough are there to take a whole chunk. */
class Pending {
  private parts: Buffer[] = [];
  length = 0;

  add(b: Buffer): void {
    if (b.length === 0) return;
    this.parts.push(b);
    this.length += b.length;
  }

  take(n: number): Buffer {
    const all = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.length);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.parts = rest.length ? [rest] : [];
    this.length = rest.length;
    return out;
  }
}

/** Encrypts a stream into the format above. `chunkSize` exists for tests; files use 1 MiB. */
export function createEncryptor(key: Buffer, opts: { chunkSize?: number } = {}): Transform {
  checkKey(key);
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (chunkSize < MIN_CHUNK || chunkSize > MAX_CHUNK) throw new RingsideError('INVALID', `chunk size must be ${MIN_CHUNK}..${MAX_CHUNK} bytes`);
  const h = makeHeader(chunkSize, randomBytes(NONCE));
  const pending = new Pending();
  let index = 0;
  let headerSent = false;
  const sendHeader = (t: Transform): void => {
    if (!headerSent) t.push(h.bytes);
    headerSent = true;
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      sendHeader(this);
      pending.add(chunk);
      // Seal a full chunk only once a byte beyond it exists: the last chunk must be sealed as final.
      while (pending.length > chunkSize) this.push(sealChunk(key, h, index++, false, pending.take(chunkSize)));
      done();
    },
    flush(done: TransformCallback) {
      sendHeader(this);
      this.push(sealChunk(key, h, index++, true, pending.take(pending.length)));
      done();
    },
  });
}

/** Decrypts the format above. Fails with "cannot decrypt: ..." on a wrong key, tampering or truncation. */
export function createDecryptor(key: Buffer): Transform {
  checkKey(key);
  const pending = new Pending();
  let h: Header | null = null;
  let index = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      pending.add(chunk);
      try {
        if (!h) {
          if (pending.length < HEADER) return done();
          h = parseHeader(pending.take(HEADER));
        }
        const sealed = h.chunkSize + TAG;
        while (pending.length > sealed) this.push(openChunk(key, h, index++, false, pending.take(sealed)));
        done();
      } catch (e) {
        done(e as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        if (!h) {
          if (pending.length === 0) throw new RingsideError('INVALID', 'cannot decrypt: the file is empty');
          parseHeader(pending.take(pending.length)); // throws: too short for a header, or not one
          return done(); // unreachable
        }
        this.push(openChunk(key, h, index, true, pending.take(pending.length)));
        done();
      } catch (e) {
        done(e as Error);
      }
    },
  });
}

/** True when the file starts with the encrypted-snapshot magic. */
export async function isEncryptedSnapshot(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(ENCRYPTED_MAGIC.length);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return bytesRead === buf.length && buf.equals(ENCRYPTED_MAGIC);
  } finally {
    await fh.close();
  }
}

export interface EncryptedReader {
  /** Reads plaintext; returns fewer bytes than asked only at the end of the plaintext. */
  readAt: ReadAt;
  /** Plaintext size. */
  size: number;
  close(): Promise<void>;
}

/**
 * Random access to an encrypted snapshot's plaintext: each read decrypts (and
 * authenticates) only the chunks it touches, keeping the last few in a small LRU.
 */
export async function encryptedReadAt(path: string, key: Buffer): Promise<EncryptedReader> {
  checkKey(key);
  const fh: FileHandle = await open(path, 'r');
  try {
    const fileSize = (await fh.stat()).size;
    const head = Buffer.alloc(HEADER);
    const { bytesRead } = await fh.read(head, 0, HEADER, 0);
    const h = parseHeader(head.subarray(0, bytesRead));
    const sealed = h.chunkSize + TAG;
    const body = fileSize - HEADER;
    const chunks = Math.max(1, Math.ceil(body / sealed));
    const lastSealed = body - (chunks - 1) * sealed;
    // An empty plaintext is one empty final chunk; any other last chunk holds at least a byte.
    if (lastSealed < TAG || (lastSealed === TAG && chunks > 1)) {
      throw new RingsideError('INVALID', `cannot decrypt: the file is truncated (chunk ${chunks - 1})`);
    }
    const size = (chunks - 1) * h.chunkSize + (lastSealed - TAG);
    const cache = new Map<number, Promise<Buffer>>(); // insertion order = recency

    const chunk = (i: number): Promise<Buffer> => {
      const hit = cache.get(i);
      if (hit) {
        cache.delete(i);
        cache.set(i, hit);
        return hit;
      }
      const load = (async () => {
        const len = i === chunks - 1 ? lastSealed : sealed;
        const buf = Buffer.allocUnsafe(len);
        let got = 0;
        while (got < len) {
          const r = await fh.read(buf, got, len - got, HEADER + i * sealed + got);
          if (r.bytesRead === 0) throw new RingsideError('INVALID', `cannot decrypt: the file is truncated (chunk ${i})`);
          got += r.bytesRead;
        }
        return openChunk(key, h, i, i === chunks - 1, buf);
      })();
      // A failed read is not remembered: the next read of this chunk tries again.
      load.catch(() => cache.get(i) === load && cache.delete(i));
      cache.set(i, load);
      if (cache.size > CACHE_CHUNKS) cache.delete(cache.keys().next().value!);
      return load;
    };

    const readAt: ReadAt = async (offset, length) => {
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
        throw new RingsideError('INVALID', `bad read: offset ${offset}, length ${length}`);
      }
      const end = Math.min(offset + length, size);
      if (end <= offset) return Buffer.alloc(0);
      const first = Math.floor(offset / h.chunkSize);
      const last = Math.floor((end - 1) / h.chunkSize);
      const out = Buffer.allocUnsafe(end - offset);
      for (let i = first; i <= last; i++) {
        const plain = await chunk(i);
        const start = i * h.chunkSize;
        const from = Math.max(offset, start) - start;
        const to = Math.min(end, start + plain.length) - start;
        plain.copy(out, start + from - offset, from, to);
      }
      return out;
    };

    return { readAt, size, close: () => fh.close() };
  } catch (e) {
    await fh.close();
    throw e;
  }
}
