import 'server-only';

import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { RingsideError } from '../errors';
import type { KeyRecord } from './mvcc';

/** What a key's history adds up to: its last state (a put, or a tombstone) and what it holds. */
export interface KeyHistory {
  tombstone: boolean;
  createRevision: number;
  modRevision: number;
  version: number;
  valueSize: number;
  lease: string;
  /** Records held for the key: every put and deletion since the last compaction. */
  revisions: number;
  /** Key plus value bytes over those records. */
  historyBytes: number;
}

export interface KeyHistoriesOptions {
  /** Distinct keys held in memory before spilling to disk (each costs roughly 150 bytes plus its key). */
  maxKeys: number;
  /** Where spill files go (a private directory inside, removed by close()); null: never spill, fail instead. */
  workDir: string | null;
  /** Files one spill splits into (default 16). */
  fanOut?: number;
}

const FIXED = 4 + 8 + 8 + 8 + 8 + 4 + 8 + 1 + 1; // keyLen, create, mod, version, valueSize, revisions, historyBytes, flags, leaseLen
const WRITE_BUFFER = 64 * 1024;
const READ_CHUNK = 1024 * 1024;
const MAX_DEPTH = 6; // 16^6 spill files: far past any db a quota allows

/**
 * Groups the records of etcd's "key" bucket by key. The bucket is ordered by revision, so a
 * key's records are scattered over the whole walk, and what is live (the last record of each
 * key, unless a tombstone) is known only at the end. Records are folded per key in memory up
 * to `maxKeys` distinct keys; past that, everything is split by a hash of the key into
 * `fanOut` files in `workDir` (a spilled key's state first, then its later records, so each
 * file stays in revision order), and each file is grouped on its own at the end, split again
 * if it alone holds more than `maxKeys` keys. Memory stays bounded whatever the key count;
 * disk use is about the keys' bytes plus 50 bytes per key and record.
 */
export class KeyHistories {
  private readonly map = new Map<string, KeyHistory>();
  private readonly fanOut: number;
  private spill: { dir: string; files: SpillFile[] } | null = null;

  constructor(
    private readonly opts: KeyHistoriesOptions,
    private readonly depth = 0,
  ) {
    this.fanOut = opts.fanOut ?? 16;
  }

  /** One record, in revision order. */
  add(r: KeyRecord): void {
    const size = r.key.length + (r.tombstone ? 0 : r.valueSize);
    this.fold(r.key.toString('latin1'), {
      tombstone: r.tombstone,
      createRevision: r.createRevision,
      modRevision: r.tombstone ? r.main : r.modRevision,
      version: r.version,
      valueSize: r.tombstone ? 0 : r.valueSize,
      lease: r.lease,
      revisions: 1,
      historyBytes: size,
    });
  }

  /** Hands every key's history to `emit` (in no particular order), then forgets them. */
  async finish(emit: (key: Buffer, h: KeyHistory) => void): Promise<void> {
    if (!this.spill) {
      for (const [k, h] of this.map) emit(Buffer.from(k, 'latin1'), h);
      this.map.clear();
      return;
    }
    const { files } = this.spill;
    for (const f of files) f.flush();
    for (const f of files) {
      f.close();
      const child = new KeyHistories(this.opts, this.depth + 1);
      try {
        readRecords(f.path, (key, h) => child.fold(key, h));
        unlinkSync(f.path);
        await child.finish(emit);
      } finally {
        child.close();
      }
    }
  }

  /** Removes any spill files. Safe to call more than once. */
  close(): void {
    if (!this.spill) return;
    for (const f of this.spill.files) f.close();
    rmSync(this.spill.dir, { recursive: true, force: true });
    this.spill = null;
  }

  private fold(key: string, h: KeyHistory): void {
    if (this.spill) return this.spill.files[bucketOf(key, this.depth, this.fanOut)].write(key, h);
    const prev = this.map.get(key);
    if (prev) {
      // A later record: its state wins, the history adds up.
      h.revisions += prev.revisions;
      h.historyBytes += prev.historyBytes;
      this.map.set(key, h);
      return;
    }
    this.map.set(key, h);
    if (this.map.size > this.opts.maxKeys) this.spillAll();
  }

  private spillAll(): void {
    const { workDir, maxKeys } = this.opts;
    if (workDir === null) {
      throw new RingsideError('INVALID', `the keyspace holds more than ${maxKeys} keys: give the walk a work directory to spill to, or a larger key limit`);
    }
    if (this.depth >= MAX_DEPTH) throw new RingsideError('INTERNAL', `keyspace walk: keys did not split after ${MAX_DEPTH} spills`);
    const dir = mkdtempSync(path.join(workDir, 'keyspace-'));
    this.spill = { dir, files: Array.from({ length: this.fanOut }, (_, i) => new SpillFile(path.join(dir, `part-${i}`))) };
    for (const [k, h] of this.map) this.spill.files[bucketOf(k, this.depth, this.fanOut)].write(k, h);
    this.map.clear();
  }
}

/** Which spill file a key goes to: FNV-1a with a seed per level, then murmur3's finalizer so the low bits mix. */
function bucketOf(key: string, seed: number, fanOut: number): number {
  let h = (0x811c9dc5 ^ Math.imul(seed + 1, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % fanOut;
}

/**
 * An append-only file of key histories, written synchronously: the walk's visitor runs inside
 * a page and cannot wait, and each write is one 64 KiB block into the page cache.
 */
class SpillFile {
  private fd: number | null;
  private buf = Buffer.allocUnsafe(WRITE_BUFFER);
  private used = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'wx', 0o600);
  }

  write(key: string, h: KeyHistory): void {
    const need = FIXED + key.length + h.lease.length;
    if (this.used + need > this.buf.length) this.flush();
    if (need > this.buf.length) this.buf = Buffer.allocUnsafe(need);
    const b = this.buf;
    let o = this.used;
    o = b.writeUInt32LE(key.length, o);
    o = b.writeDoubleLE(h.createRevision, o);
    o = b.writeDoubleLE(h.modRevision, o);
    o = b.writeDoubleLE(h.version, o);
    o = b.writeDoubleLE(h.valueSize, o);
    o = b.writeUInt32LE(h.revisions, o);
    o = b.writeDoubleLE(h.historyBytes, o);
    o = b.writeUInt8(h.tombstone ? 1 : 0, o);
    o = b.writeUInt8(h.lease.length, o);
    o += b.write(h.lease, o, 'latin1');
    o += b.write(key, o, 'latin1');
    this.used = o;
  }

  flush(): void {
    if (this.fd === null || this.used === 0) return;
    let off = 0;
    while (off < this.used) off += writeSync(this.fd, this.buf, off, this.used - off);
    this.used = 0;
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}

function readRecords(file: string, each: (key: string, h: KeyHistory) => void): void {
  const fd = openSync(file, 'r');
  try {
    let buf = Buffer.allocUnsafe(READ_CHUNK);
    let have = 0;
    for (;;) {
      if (have === buf.length) {
        // One record larger than the chunk (a key near etcd's request limit): grow to fit it.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      const n = readSync(fd, buf, have, buf.length - have, null);
      have += n;
      let o = 0;
      while (have - o >= FIXED) {
        const keyLen = buf.readUInt32LE(o);
        const leaseLen = buf.readUInt8(o + FIXED - 1);
        if (have - o < FIXED + leaseLen + keyLen) break;
        const s = o + FIXED;
        each(buf.toString('latin1', s + leaseLen, s + leaseLen + keyLen), {
          createRevision: buf.readDoubleLE(o + 4),
          modRevision: buf.readDoubleLE(o + 12),
          version: buf.readDoubleLE(o + 20),
          valueSize: buf.readDoubleLE(o + 28),
          revisions: buf.readUInt32LE(o + 36),
          historyBytes: buf.readDoubleLE(o + 40),
          tombstone: buf.readUInt8(o + 48) === 1,
          lease: buf.toString('latin1', s, s + leaseLen),
        });
        o = s + leaseLen + keyLen;
      }
      buf.copy(buf, 0, o, have);
      have -= o;
      if (n === 0) {
        if (have !== 0) throw new RingsideError('INTERNAL', `keyspace walk: spill file ${path.basename(file)} ends inside a record`);
        return;
      }
    }
  } finally {
    closeSync(fd);
  }
}
