import 'server-only';

import { open } from 'node:fs/promises';
import {
  BRANCH,
  BUCKET_LEAF,
  corrupt,
  ELEMENT,
  LEAF,
  MAX_DEPTH,
  PAGE_HEADER,
  readAhead,
  readFull,
  readMeta,
  u64,
  type Meta,
  type ReadAt,
} from './bolt-status';

// Walks named buckets of a bbolt file key by key, through the same page reader as
// boltStatus (bolt-status.ts has the layout): one page in memory at a time (plus a value's
// overflow pages), every page visited at most once, so a damaged file gives a clear
// error and never a loop. boltStatus hashes everything; this hands each key and value
// of the buckets asked for to a synchronous visitor, which is what a walk over a
// million keys needs to stay fast.

/** Where a root bucket's B+tree starts: a page, or (inline bucket) a leaf page held in its value. */
export interface BucketRef {
  name: string;
  root: number;
  inline: Buffer | null;
}

/**
 * Called for every element of a leaf page, in key order. `key` and `value` are views into
 * the page: copy what you keep. `isBucket` marks a nested bucket's header.
 */
export type LeafVisit = (key: Buffer, value: Buffer, isBucket: boolean) => void;

interface Page {
  flags: number;
  count: number;
  buf: Buffer;
}

export class BoltTree {
  private readonly seen: Uint8Array;
  private roots: Map<string, BucketRef> | null = null;

  private constructor(
    readonly meta: Meta,
    private readonly readAt: ReadAt,
  ) {
    this.seen = new Uint8Array(Math.ceil(meta.pgid / 8));
  }

  /** Reads the live meta page; fails like boltStatus on a file that is not bbolt or is cut short. */
  static async open(readAt: ReadAt): Promise<BoltTree> {
    const meta = await readMeta(readAt);
    const size = meta.pgid * meta.pageSize;
    if ((await readAt(size - 1, 1)).length === 0) {
      throw corrupt(`the meta page says ${size} bytes, but the file ends before that (truncated)`);
    }
    return new BoltTree(meta, readAt);
  }

  /** The database's size as etcd reports it (dbSize): page count times page size. */
  get totalSize(): number {
    return this.meta.pgid * this.meta.pageSize;
  }

  /** The root's buckets by name (etcd's: alarm, auth, cluster, key, lease, members, meta, ...). */
  async buckets(): Promise<Map<string, BucketRef>> {
    if (this.roots) return this.roots;
    const roots = new Map<string, BucketRef>();
    await this.walkPage(await this.readPage(this.meta.root, 'the meta page'), `page ${this.meta.root}`, 0, (name, value, isBucket) => {
      const printable = name.toString('utf8');
      if (!isBucket) throw corrupt(`the root holds a plain key ${JSON.stringify(printable)} where only buckets belong`);
      if (value.length < 16) throw corrupt(`bucket "${printable}" has a malformed header`);
      const root = u64(value, 0);
      roots.set(printable, { name: printable, root, inline: root === 0 ? Buffer.from(value.subarray(16)) : null });
    });
    this.roots = roots;
    return roots;
  }

  /**
   * Every key and value of `bucket`, in key order. `onPage` is told the bytes of each page
   * as it is read: for progress, and to stop a walk (throw from it).
   */
  async walk(bucket: BucketRef, visit: LeafVisit, onPage?: (bytes: number) => void): Promise<void> {
    if (bucket.inline === null) {
      return this.walkPage(await this.readPage(bucket.root, `bucket "${bucket.name}"`, onPage), `page ${bucket.root}`, 0, visit, onPage);
    }
    const buf = bucket.inline;
    if (buf.length < PAGE_HEADER) throw corrupt(`inline bucket "${bucket.name}" is truncated`);
    const page = { flags: buf.readUInt16LE(8), count: buf.readUInt16LE(10), buf };
    if (!(page.flags & LEAF)) throw corrupt(`inline bucket "${bucket.name}" does not hold a leaf page`);
    return this.walkPage(page, `inline bucket "${bucket.name}"`, 0, visit, onPage);
  }

  private mark(id: number, why: string): void {
    if (this.seen[id >> 3] & (1 << (id & 7))) throw corrupt(`page ${id} is ${why} but is already in use (a cycle or a double reference)`);
    this.seen[id >> 3] |= 1 << (id & 7);
  }

  private async readPage(id: number, parent: string, onPage?: (bytes: number) => void): Promise<Page> {
    const { pgid, pageSize } = this.meta;
    if (!Number.isSafeInteger(id) || id < 2 || id >= pgid) {
      throw corrupt(`${parent} points to page ${id}, outside the database (pages 2 to ${pgid - 1})`);
    }
    const head = await readFull(this.readAt, id * pageSize, pageSize, `page ${id}`);
    const overflow = head.readUInt32LE(12);
    if (id + overflow >= pgid) throw corrupt(`page ${id} claims ${overflow} overflow pages, past the end of the database`);
    const buf = overflow === 0 ? head : await readFull(this.readAt, id * pageSize, (overflow + 1) * pageSize, `page ${id}`);
    if (u64(buf, 0) !== id) throw corrupt(`page ${id} is labelled as page ${u64(buf, 0)}`);
    for (let i = 0; i <= overflow; i++) this.mark(id + i, `referenced by ${parent}`);
    onPage?.(buf.length);
    return { flags: buf.readUInt16LE(8), count: buf.readUInt16LE(10), buf };
  }

  private async walkPage(page: Page, where: string, depth: number, visit: LeafVisit, onPage?: (bytes: number) => void): Promise<void> {
    const { buf, count } = page;
    if (PAGE_HEADER + count * ELEMENT > buf.length) throw corrupt(`${where} claims ${count} elements, more than fit in it`);
    if (page.flags & LEAF) {
      for (let i = 0; i < count; i++) {
        const e = PAGE_HEADER + i * ELEMENT;
        const pos = e + buf.readUInt32LE(e + 4);
        const ksize = buf.readUInt32LE(e + 8);
        const vsize = buf.readUInt32LE(e + 12);
        if (pos + ksize + vsize > buf.length) throw corrupt(`${where}: element ${i} lies outside the page`);
        visit(buf.subarray(pos, pos + ksize), buf.subarray(pos + ksize, pos + ksize + vsize), (buf.readUInt32LE(e) & BUCKET_LEAF) !== 0);
      }
    } else if (page.flags & BRANCH) {
      if (depth >= MAX_DEPTH) throw corrupt(`${where}: the tree is deeper than ${MAX_DEPTH} levels`);
      if (count === 0) throw corrupt(`${where} is an empty branch page`);
      for (let i = 0; i < count; i++) {
        const child = u64(buf, PAGE_HEADER + i * ELEMENT + 8);
        await this.walkPage(await this.readPage(child, where, onPage), `page ${child}`, depth + 1, visit, onPage);
      }
    } else {
      throw corrupt(`${where} should be a branch or leaf page but has flags 0x${page.flags.toString(16)}`);
    }
  }
}

/** A plain file read page by page (with readAhead), shaped like encryptedReadAt's reader. */
export async function openFileReadAt(path: string): Promise<{ readAt: ReadAt; size: number; close(): Promise<void> }> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const readAt = readAhead(async (offset, length) => {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    });
    return { readAt, size, close: () => fh.close() };
  } catch (e) {
    await fh.close();
    throw e;
  }
}
