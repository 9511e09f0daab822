import 'server-only';

import { open } from 'node:fs/promises';
import { RingsideError } from '../errors';
import { crc32c } from './crc32c';

// What `etcdctl snapshot status` (etcd 3.4, clientv3/snapshot/v3_snapshot.go Status) prints,
// computed by walking the bbolt file read-only, a page at a time:
//   totalSize = tx.Size() = meta.pgid * pageSize
//   hash      = CRC-32C over, for each root bucket in key order, its name, then every
//               key and value in that bucket in order
//   totalKey  = number of key/value pairs over all buckets
//   revision  = main revision (first 8 bytes, big-endian) of the last key in bucket "key"
//
// bbolt layout (little-endian): every page starts with a 16-byte header
// {id u64, flags u16, count u16, overflow u32} and spans (1 + overflow) pages.
// Pages 0 and 1 are meta pages; the live one has a valid checksum and the higher txid.
// Branch elements are {pos u32, ksize u32, pgid u64}, leaf elements
// {flags u32, pos u32, ksize u32, vsize u32}; pos counts from the element itself.
// A leaf element with the bucket flag holds {root pgid u64, sequence u64}; root 0
// means an inline bucket whose leaf page follows those 16 bytes.

export type ReadAt = (offset: number, length: number) => Promise<Buffer>;

/** The four fields of `etcdctl snapshot status -w json`. */
export interface SnapshotStatus {
  hash: number;
  revision: number;
  totalKey: number;
  totalSize: number;
}

const MAGIC = 0xed0cdaed;
const VERSION = 2;
export const PAGE_HEADER = 16;
export const ELEMENT = 16;
const META_CHECKSUM_OFFSET = 56; // the checksum covers the meta fields before it
export const BRANCH = 0x01;
export const LEAF = 0x02;
const FREELIST = 0x10;
export const BUCKET_LEAF = 0x01;
const NO_FREELIST = 2 ** 64 - 1; // pgidNoFreelist: the freelist is not stored (NoFreelistSync)
const FALLBACK_PAGE_SIZE = 4096; // bbolt's guess (the OS page size) when meta page 0 is unreadable
export const MAX_DEPTH = 64; // a 4 KiB-page tree this deep would hold far more than 2^64 keys
const MAX_PAGES = 2 ** 28; // 1 TiB of 4 KiB pages; bounds the reachability bitmap
const REVISION_KEY = 17; // 8-byte main revision, '_', 8-byte sub revision (+ 't' for a tombstone)

/** The live meta page of a bbolt file: page size, root page, freelist page, page count (high-water mark), txid. */
export interface Meta {
  pageSize: number;
  root: number;
  freelist: number;
  pgid: number;
  txid: number;
}

interface Page {
  id: number;
  flags: number;
  count: number;
  overflow: number;
  buf: Buffer; // the page's bytes, header included
}

export const corrupt = (what: string): RingsideError => new RingsideError('INVALID', `snapshot database is corrupt: ${what}`);

/** An unsigned 64-bit little-endian field as a number; exact up to 2^53, which is all a page id or txid can reach here. */
export function u64(buf: Buffer, off: number): number {
  return buf.readUInt32LE(off) + buf.readUInt32LE(off + 4) * 2 ** 32;
}

function fnv64a(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}

/** Parses the meta at `off` in `buf`; returns the reason it is unusable instead when it is. */
function parseMeta(buf: Buffer, off: number): Meta | string {
  if (buf.length < off + META_CHECKSUM_OFFSET + 8) return 'the file is too short to hold a meta page';
  if (buf.readUInt32LE(off) !== MAGIC) return 'bad magic number (not a bbolt file)';
  const version = buf.readUInt32LE(off + 4);
  if (version !== VERSION) return `unsupported bbolt version ${version} (expected ${VERSION})`;
  const checksum = buf.readBigUInt64LE(off + META_CHECKSUM_OFFSET);
  if (checksum !== 0n && checksum !== fnv64a(buf.subarray(off, off + META_CHECKSUM_OFFSET))) return 'meta page checksum mismatch';
  return {
    pageSize: buf.readUInt32LE(off + 8),
    root: u64(buf, off + 16),
    freelist: u64(buf, off + 32),
    pgid: u64(buf, off + 40),
    txid: u64(buf, off + 48),
  };
}

const validPageSize = (n: number): boolean => n >= 512 && n <= 1 << 20 && (n & (n - 1)) === 0;

/** Reads `length` bytes at `offset`; a short read means the file ends too early. */
export async function readFull(readAt: ReadAt, offset: number, length: number, what: string): Promise<Buffer> {
  const buf = await readAt(offset, length);
  if (buf.length < length) {
    throw new RingsideError('INVALID', `snapshot database is truncated: ${what} at byte ${offset} lies beyond the end of the file`);
  }
  return buf.length === length ? buf : buf.subarray(0, length);
}

/** The meta page bbolt would use: the valid one with the higher txid (meta 0 gives the page size). */
export async function readMeta(readAt: ReadAt): Promise<Meta> {
  const first = await readAt(0, FALLBACK_PAGE_SIZE);
  if (first.length < PAGE_HEADER + META_CHECKSUM_OFFSET + 8) {
    throw new RingsideError('INVALID', `not a bbolt database: the file is only ${first.length} bytes`);
  }
  const m0 = parseMeta(first, PAGE_HEADER);
  // Like bbolt: trust meta 0 for the page size, else guess the usual one.
  const pageSize = typeof m0 === 'string' ? FALLBACK_PAGE_SIZE : m0.pageSize;
  if (!validPageSize(pageSize)) throw corrupt(`meta page 0 gives an impossible page size ${pageSize}`);
  const second = await readAt(pageSize, PAGE_HEADER + META_CHECKSUM_OFFSET + 8);
  const m1 = parseMeta(second, PAGE_HEADER);
  const valid = [m0, m1].filter((m): m is Meta => typeof m !== 'string' && m.pageSize === pageSize);
  if (valid.length === 0) {
    const why = typeof m0 === 'string' ? m0 : typeof m1 === 'string' ? m1 : 'the meta pages disagree on the page size';
    throw new RingsideError('INVALID', `not a valid bbolt database: ${why}`);
  }
  const meta = valid.reduce((a, b) => (b.txid > a.txid ? b : a));
  if (meta.pgid < 3 || meta.pgid > MAX_PAGES) throw corrupt(`implausible page count ${meta.pgid} in the meta page`);
  return meta;
}

/**
 * Walks the database like `etcdctl snapshot status` (etcd 3.4). Reads one page at a
 * time through `readAt`, visits each page at most once (a second reference, a page id
 * out of range or a mislabelled page is reported, never followed), and checks that
 * every page is either reachable or listed as free, as bbolt's tx.Check does.
 */
export async function boltStatus(readAt: ReadAt): Promise<SnapshotStatus> {
  const meta = await readMeta(readAt);
  const { pageSize } = meta;
  const totalSize = meta.pgid * pageSize;
  if ((await readAt(totalSize - 1, 1)).length === 0) {
    throw new RingsideError('INVALID', `snapshot database is truncated: its meta page says ${totalSize} bytes, but the file ends before that`);
  }
  const seen = new Uint8Array(Math.ceil(meta.pgid / 8));
  const mark = (id: number, why: string): void => {
    if (seen[id >> 3] & (1 << (id & 7))) throw corrupt(`page ${id} is ${why} but is already in use (a cycle or a double reference)`);
    seen[id >> 3] |= 1 << (id & 7);
  };
  mark(0, 'a meta page');
  mark(1, 'a meta page');

  const readPage = async (id: number, parent: string): Promise<Page> => {
    if (!Number.isSafeInteger(id) || id < 2 || id >= meta.pgid) {
      throw corrupt(`${parent} points to page ${id}, outside the database (pages 2 to ${meta.pgid - 1})`);
    }
    const head = await readFull(readAt, id * pageSize, pageSize, `page ${id}`);
    const overflow = head.readUInt32LE(12);
    if (id + overflow >= meta.pgid) throw corrupt(`page ${id} claims ${overflow} overflow pages, past the end of the database`);
    const buf = overflow === 0 ? head : await readFull(readAt, id * pageSize, (overflow + 1) * pageSize, `page ${id}`);
    const page = { id: u64(buf, 0), flags: buf.readUInt16LE(8), count: buf.readUInt16LE(10), overflow, buf };
    if (page.id !== id) throw corrupt(`page ${id} is labelled as page ${page.id}`);
    for (let i = 0; i <= overflow; i++) mark(id + i, `referenced by ${parent}`);
    return page;
  };

  let hash = 0;
  let totalKey = 0;
  let revision = 0;

  // In-order walk of one bucket's B+tree: calls `visit` for every leaf element.
  type Visit = (key: Buffer, value: Buffer, isBucket: boolean) => Promise<void> | void;
  const walkPage = async (page: Page, where: string, depth: number, visit: Visit): Promise<void> => {
    const { buf, count } = page;
    if (PAGE_HEADER + count * ELEMENT > buf.length) throw corrupt(`${where} claims ${count} elements, more than fit in it`);
    if (page.flags & LEAF) {
      for (let i = 0; i < count; i++) {
        const e = PAGE_HEADER + i * ELEMENT;
        const flags = buf.readUInt32LE(e);
        const pos = e + buf.readUInt32LE(e + 4);
        const ksize = buf.readUInt32LE(e + 8);
        const vsize = buf.readUInt32LE(e + 12);
        if (pos + ksize + vsize > buf.length) throw corrupt(`${where}: element ${i} lies outside the page`);
        await visit(buf.subarray(pos, pos + ksize), buf.subarray(pos + ksize, pos + ksize + vsize), (flags & BUCKET_LEAF) !== 0);
      }
    } else if (page.flags & BRANCH) {
      if (depth >= MAX_DEPTH) throw corrupt(`${where}: the tree is deeper than ${MAX_DEPTH} levels`);
      if (count === 0) throw corrupt(`${where} is an empty branch page`);
      for (let i = 0; i < count; i++) {
        const e = PAGE_HEADER + i * ELEMENT;
        const child = u64(buf, e + 8);
        await walkPage(await readPage(child, where), `page ${child}`, depth + 1, visit);
      }
    } else {
      throw corrupt(`${where} should be a branch or leaf page but has flags 0x${page.flags.toString(16)}`);
    }
  };

  const walkBucket = async (value: Buffer, name: string, visit: Visit): Promise<void> => {
    if (value.length < 16) throw corrupt(`bucket "${name}" has a malformed header`);
    const root = u64(value, 0);
    if (root !== 0) return walkPage(await readPage(root, `bucket "${name}"`), `page ${root}`, 0, visit);
    // Inline bucket: its one leaf page is stored in the value itself.
    const buf = value.subarray(16);
    if (buf.length < PAGE_HEADER) throw corrupt(`inline bucket "${name}" is truncated`);
    const inline = { id: 0, flags: buf.readUInt16LE(8), count: buf.readUInt16LE(10), overflow: 0, buf };
    if (!(inline.flags & LEAF)) throw corrupt(`inline bucket "${name}" does not hold a leaf page`);
    return walkPage(inline, `inline bucket "${name}"`, 0, visit);
  };

  await walkPage(await readPage(meta.root, 'the meta page'), `page ${meta.root}`, 0, async (name, value, isBucket) => {
    const printable = name.toString('utf8');
    // etcd: tx.Bucket(name) == nil -> "cannot get hash of bucket"
    if (!isBucket) throw corrupt(`cannot get hash of bucket ${printable}: the root holds a plain key`);
    hash = crc32c(name, hash);
    const isKeyBucket = printable === 'key';
    await walkBucket(value, printable, async (k, v, nested) => {
      hash = crc32c(k, hash);
      // bbolt's ForEach hands a nested bucket's value over as nil; etcd has none.
      if (nested) await walkBucket(v, `${printable}/${k.toString('utf8')}`, () => undefined);
      else hash = crc32c(v, hash);
      if (isKeyBucket) {
        if (k.length < REVISION_KEY) throw corrupt(`bucket "key" holds a ${k.length}-byte key, not a revision`);
        revision = k.readUInt32BE(0) * 2 ** 32 + k.readUInt32BE(4);
      }
      totalKey++;
    });
  });

  await checkFreePages(meta, readAt, seen, mark);
  return { hash: hash >>> 0, revision, totalKey, totalSize };
}

/** bbolt's tx.Check: every page below the high-water mark is reachable or free. */
async function checkFreePages(
  meta: Meta,
  readAt: ReadAt,
  seen: Uint8Array,
  mark: (id: number, why: string) => void,
): Promise<void> {
  // Without a stored freelist bbolt rebuilds it from whatever is unreachable: nothing to check.
  if (meta.freelist === NO_FREELIST) return;
  const { pageSize, freelist: id } = meta;
  if (id < 2 || id >= meta.pgid) throw corrupt(`the freelist is said to be on page ${id}, outside the database`);
  const head = await readFull(readAt, id * pageSize, pageSize, 'the freelist page');
  const overflow = head.readUInt32LE(12);
  if (id + overflow >= meta.pgid) throw corrupt(`the freelist page claims ${overflow} overflow pages, past the end of the database`);
  if (!(head.readUInt16LE(8) & FREELIST) || u64(head, 0) !== id) throw corrupt(`page ${id} should be the freelist but is not`);
  for (let i = 0; i <= overflow; i++) mark(id + i, 'the freelist');
  const buf = overflow === 0 ? head : await readFull(readAt, id * pageSize, (overflow + 1) * pageSize, 'the freelist page');
  let first = PAGE_HEADER;
  let count = buf.readUInt16LE(10);
  if (count === 0xffff) {
    // More ids than a u16 counts: the real count is the first element.
    count = u64(buf, PAGE_HEADER);
    first += 8;
  }
  if (first + count * 8 > buf.length) throw corrupt(`the freelist claims ${count} free pages, more than it holds`);
  for (let i = 0; i < count; i++) {
    const free = u64(buf, first + i * 8);
    if (free < 2 || free >= meta.pgid) throw corrupt(`the freelist lists page ${free}, outside the database`);
    mark(free, 'listed as free');
  }
  for (let p = 2; p < meta.pgid; p++) {
    if (!(seen[p >> 3] & (1 << (p & 7)))) throw corrupt(`page ${p} is neither reachable nor free`);
  }
}

const READAHEAD_MAX = 1 << 20;
const READAHEAD_REGIONS = 4;

/**
 * Page reads with readahead, for a ReadAt that costs a syscall per call. etcd lays a
 * snapshot's pages out almost in key order, so a walk reads mostly forward: each read
 * that continues the previous one doubles the window (up to 1 MiB), a jump elsewhere
 * resets it to the bytes asked for, so a scattered file is not read many times over.
 * At most four regions (4 MiB) are kept.
 */
export function readAhead(read: ReadAt): ReadAt {
  const regions: { start: number; bytes: Buffer }[] = []; // most recent last
  let lastEnd = -1;
  let window = 0;
  return async (offset, length) => {
    for (const r of regions) {
      if (offset >= r.start && offset + length <= r.start + r.bytes.length) return r.bytes.subarray(offset - r.start, offset - r.start + length);
    }
    const sequential = lastEnd >= 0 && offset >= lastEnd - length && offset <= lastEnd + window;
    window = sequential ? Math.min(Math.max(window * 2, 2 * length), READAHEAD_MAX) : 0;
    const bytes = await read(offset, Math.max(length, window));
    lastEnd = offset + bytes.length;
    regions.push({ start: offset, bytes });
    if (regions.length > READAHEAD_REGIONS) regions.shift();
    return bytes.subarray(0, length);
  };
}

/** `etcdctl snapshot status` for a file on disk: reads pages with a file handle, never the whole file. */
export async function boltStatusOfFile(path: string): Promise<SnapshotStatus> {
  const fh = await open(path, 'r');
  try {
    return await boltStatus(
      readAhead(async (offset, length) => {
        const buf = Buffer.allocUnsafe(length);
        let got = 0;
        while (got < length) {
          const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return buf.subarray(0, got);
      }),
    );
  } finally {
    await fh.close();
  }
}
