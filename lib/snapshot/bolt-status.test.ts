import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { RingsideError } from '../errors';
import { boltStatus, boltStatusOfFile, readAhead, type ReadAt } from './bolt-status';
import { crc32c } from './crc32c';
import { expected, memoryReadAt, prng, snapshot } from './testdata/fixtures';

const PAGE = 4096;

describe('boltStatus on a real etcd 3.4.23 snapshot', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-bolt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, bytes: Buffer): string => {
    const p = path.join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };

  test('gives exactly what `etcdctl snapshot status -w json` printed for it', async () => {
    await expect(boltStatusOfFile(file('snap.db', snapshot))).resolves.toEqual(expected.status);
    await expect(boltStatus(memoryReadAt(snapshot))).resolves.toEqual(expected.status);
  });

  test('reads page by page, never the whole file', async () => {
    let largest = 0;
    const spy: ReadAt = async (offset, length) => {
      largest = Math.max(largest, length);
      return snapshot.subarray(offset, offset + length);
    };
    await boltStatus(spy);
    expect(largest).toBeLessThanOrEqual(4 * PAGE); // a value spilling into overflow pages is read whole
  });

  test('a bad meta page 0 falls back to meta page 1, as bbolt does', async () => {
    const bad = Buffer.from(snapshot);
    bad[16] ^= 0xff;
    await expect(boltStatus(memoryReadAt(bad))).resolves.toEqual(expected.status);
  });

  test('bad magic, bad checksums, truncation: clear errors', async () => {
    const both = Buffer.from(snapshot);
    both[16] ^= 0xff;
    both[PAGE + 16] ^= 0xff;
    await expect(boltStatusOfFile(file('magic.db', both))).rejects.toThrow('not a valid bbolt database: bad magic number (not a bbolt file)');

    const sums = Buffer.from(snapshot);
    sums[16 + 40] ^= 0x01; // meta.pgid in both metas: the checksums no longer match
    sums[PAGE + 16 + 40] ^= 0x01;
    await expect(boltStatus(memoryReadAt(sums))).rejects.toThrow('not a valid bbolt database: meta page checksum mismatch');

    const version = Buffer.from(snapshot);
    version[16 + 4] = 3;
    version[PAGE + 16 + 4] = 3;
    await expect(boltStatus(memoryReadAt(version))).rejects.toThrow('not a valid bbolt database: unsupported bbolt version 3 (expected 2)');

    await expect(boltStatusOfFile(file('half.db', snapshot.subarray(0, 50_000)))).rejects.toThrow(
      `snapshot database is truncated: its meta page says ${expected.status.totalSize} bytes, but the file ends before that`,
    );
    // A reader that hides the end (or a file that shrank while read) still gets a clear error, never a crash.
    const cut = snapshot.subarray(0, 50_000);
    const shrinking: ReadAt = async (offset, length) =>
      offset === expected.status.totalSize - 1 ? Buffer.alloc(1) : cut.subarray(offset, offset + length);
    await expect(boltStatus(shrinking)).rejects.toThrow(/^snapshot database is truncated: page \d+ at byte \d+ lies beyond the end of the file$/);
    await expect(boltStatusOfFile(file('tiny.db', snapshot.subarray(0, 40)))).rejects.toThrow('not a bbolt database: the file is only 40 bytes');
    await expect(boltStatusOfFile(file('empty.db', Buffer.alloc(0)))).rejects.toThrow('not a bbolt database: the file is only 0 bytes');
    await expect(boltStatusOfFile(file('text.db', Buffer.from('hello, world\n'.repeat(1000))))).rejects.toThrow(
      'not a valid bbolt database: bad magic number (not a bbolt file)',
    );
  });

  test('random damage never crashes or hangs: a status or a clear error', async () => {
    const rnd = prng(2026);
    const outcomes = new Set<string>();
    for (let run = 0; run < 400; run++) {
      const bad = Buffer.from(snapshot);
      const flips = 1 + Math.floor(rnd() * 8);
      for (let f = 0; f < flips; f++) {
        // Aim at page headers and element tables as often as at data.
        const page = 2 + Math.floor(rnd() * (expected.status.totalSize / PAGE - 2));
        const at = page * PAGE + (rnd() < 0.5 ? Math.floor(rnd() * 64) : Math.floor(rnd() * PAGE));
        bad[at] = Math.floor(rnd() * 256);
      }
      try {
        await boltStatus(memoryReadAt(bad));
        outcomes.add('status');
      } catch (e) {
        expect(e, String(e)).toBeInstanceOf(RingsideError);
        expect((e as Error).message).toMatch(/^snapshot database is (corrupt|truncated): /);
        outcomes.add('error');
      }
    }
    expect([...outcomes].sort()).toEqual(['error', 'status']);
  });
});

describe('readAhead', () => {
  const data = Buffer.from(Array.from({ length: 8 << 20 }, (_, i) => (i * 7919) & 0xff));
  const counting = () => {
    const calls = { n: 0, bytes: 0 };
    const read: ReadAt = async (o, l) => {
      calls.n++;
      const got = data.subarray(o, o + l);
      calls.bytes += got.length;
      return Buffer.from(got);
    };
    return { calls, read };
  };

  test('a forward walk is served by few, large reads', async () => {
    const { calls, read } = counting();
    const r = readAhead(read);
    for (let o = 0; o < data.length; o += PAGE) expect((await r(o, PAGE)).equals(data.subarray(o, o + PAGE))).toBe(true);
    expect(calls.n).toBeLessThan(30);
    expect(calls.bytes).toBeLessThan(data.length + (1 << 20));
  });

  test('scattered reads are not amplified, and every read returns the right bytes', async () => {
    const { calls, read } = counting();
    const r = readAhead(read);
    const rnd = prng(9);
    let asked = 0;
    for (let i = 0; i < 500; i++) {
      const o = Math.floor(rnd() * (data.length / PAGE)) * PAGE;
      const l = PAGE * (1 + Math.floor(rnd() * 3));
      asked += l;
      expect((await r(o, l)).equals(data.subarray(o, o + l))).toBe(true);
    }
    expect(calls.bytes).toBeLessThan(3 * asked);
    expect((await r(data.length - 10, PAGE)).length).toBe(10); // short at the end, like pread
  });
});

// ---------------------------------------------------------------- a hand-built database

/** FNV-64a, which bbolt checksums its meta pages with. */
function fnv64a(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}

const FREELIST_NONE = 0xffffffffffffffffn;

function header(buf: Buffer, id: number, flags: number, count: number, overflow = 0): void {
  buf.writeBigUInt64LE(BigInt(id), 0);
  buf.writeUInt16LE(flags, 8);
  buf.writeUInt16LE(count, 10);
  buf.writeUInt32LE(overflow, 12);
}

function metaPage(id: number, m: { root: number; freelist: bigint; pgid: number; txid: number }): Buffer {
  const p = Buffer.alloc(PAGE);
  header(p, id, 0x04, 0);
  p.writeUInt32LE(0xed0cdaed, 16);
  p.writeUInt32LE(2, 20);
  p.writeUInt32LE(PAGE, 24);
  p.writeBigUInt64LE(BigInt(m.root), 32);
  p.writeBigUInt64LE(m.freelist, 48);
  p.writeBigUInt64LE(BigInt(m.pgid), 56);
  p.writeBigUInt64LE(BigInt(m.txid), 64);
  p.writeBigUInt64LE(fnv64a(p.subarray(16, 72)), 72);
  return p;
}

interface Item {
  key: Buffer;
  value: Buffer;
  bucket?: boolean;
}

/** A leaf page's bytes (header, elements, then keys and values), `size` long. */
function leaf(id: number, items: Item[], size = PAGE): Buffer {
  const p = Buffer.alloc(size);
  header(p, id, 0x02, items.length);
  let data = 16 + 16 * items.length;
  items.forEach((it, i) => {
    const e = 16 + 16 * i;
    p.writeUInt32LE(it.bucket ? 1 : 0, e);
    p.writeUInt32LE(data - e, e + 4);
    p.writeUInt32LE(it.key.length, e + 8);
    p.writeUInt32LE(it.value.length, e + 12);
    data += it.key.copy(p, data);
    data += it.value.copy(p, data);
  });
  return p.subarray(0, size);
}

function branch(id: number, children: { key: Buffer; pgid: number }[]): Buffer {
  const p = Buffer.alloc(PAGE);
  header(p, id, 0x01, children.length);
  let data = 16 + 16 * children.length;
  children.forEach((c, i) => {
    const e = 16 + 16 * i;
    p.writeUInt32LE(data - e, e);
    p.writeUInt32LE(c.key.length, e + 4);
    p.writeBigUInt64LE(BigInt(c.pgid), e + 8);
    data += c.key.copy(p, data);
  });
  return p;
}

function freelistPage(id: number, ids: number[]): Buffer {
  const p = Buffer.alloc(PAGE);
  header(p, id, 0x10, ids.length);
  ids.forEach((x, i) => p.writeBigUInt64LE(BigInt(x), 16 + 8 * i));
  return p;
}

const bucketValue = (root: number, inline?: Buffer): Buffer => {
  const v = Buffer.alloc(16);
  v.writeBigUInt64LE(BigInt(root), 0);
  return inline ? Buffer.concat([v, inline]) : v;
};

/** An etcd revision key: main and sub revision, big-endian, joined by '_'. */
const rev = (main: number, sub = 0): Buffer => {
  const k = Buffer.alloc(17);
  k.writeBigUInt64BE(BigInt(main), 0);
  k[8] = 0x5f;
  k.writeBigUInt64BE(BigInt(sub), 9);
  return k;
};

const b = (s: string): Buffer => Buffer.from(s);

/**
 * Pages: 0-1 meta, 2 freelist (lists page 6), 3 root leaf: bucket "key" (root page 4)
 * and inline bucket "meta"; 4 branch -> 5, 7 (leaves of "key"); 6 free; 7 is followed by
 * one overflow page (8) because its value is larger than a page. High-water mark 9.
 */
function tinyDb(opts: { freelist?: number[] | null; patch?: (pages: Buffer[]) => void } = {}): Buffer {
  const big = Buffer.alloc(6000, 0x42);
  const pages: Buffer[] = [];
  pages[0] = metaPage(0, { root: 3, freelist: opts.freelist === null ? FREELIST_NONE : 2n, pgid: 9, txid: 7 });
  pages[1] = metaPage(1, { root: 3, freelist: 2n, pgid: 9, txid: 6 });
  pages[2] = freelistPage(2, opts.freelist ?? [6]);
  const inlineMeta = leaf(0, [{ key: b('consistent_index'), value: Buffer.from([0, 0, 0, 0, 0, 0, 0, 42]) }], 16 + 16 + 16 + 8);
  pages[3] = leaf(3, [
    { key: b('key'), value: bucketValue(4), bucket: true },
    { key: b('meta'), value: bucketValue(0, inlineMeta), bucket: true },
  ]);
  pages[4] = branch(4, [
    { key: rev(2), pgid: 5 },
    { key: rev(9), pgid: 7 },
  ]);
  pages[5] = leaf(5, [
    { key: rev(2), value: b('put a=1') },
    { key: rev(5, 1), value: b('put b=2') },
  ]);
  pages[6] = Buffer.alloc(PAGE, 0xee); // free: never read
  const seven = leaf(7, [{ key: rev(9), value: big }], 2 * PAGE);
  seven.writeUInt32LE(1, 12); // overflow: one more page
  pages[7] = seven;
  opts.patch?.(pages);
  return Buffer.concat(pages);
}

function tinyExpected() {
  let h = 0;
  const parts = [
    ...[b('key'), rev(2), b('put a=1'), rev(5, 1), b('put b=2'), rev(9), Buffer.alloc(6000, 0x42)],
    ...[b('meta'), b('consistent_index'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 42])],
  ];
  for (const part of parts) h = crc32c(part, h);
  return { hash: h, revision: 9, totalKey: 4, totalSize: 9 * PAGE };
}

describe('boltStatus on a hand-built database', () => {
  test('branch pages, overflow pages, an inline bucket, a stored freelist', async () => {
    await expect(boltStatus(memoryReadAt(tinyDb()))).resolves.toEqual(tinyExpected());
  });

  test('without a stored freelist (NoFreelistSync, as etcd writes it) nothing is left to account for', async () => {
    await expect(boltStatus(memoryReadAt(tinyDb({ freelist: null })))).resolves.toEqual(tinyExpected());
  });

  test('picks the meta page with the higher txid', async () => {
    const db = tinyDb({
      patch: (pages) => {
        pages[1] = metaPage(1, { root: 3, freelist: 2n, pgid: 9, txid: 8 });
        pages[0] = metaPage(0, { root: 5, freelist: 2n, pgid: 9, txid: 7 }); // would not parse as a root
      },
    });
    await expect(boltStatus(memoryReadAt(db))).resolves.toEqual(tinyExpected());
  });

  test('a page neither reachable nor free, a free page still in use', async () => {
    await expect(boltStatus(memoryReadAt(tinyDb({ freelist: [] })))).rejects.toThrow('snapshot database is corrupt: page 6 is neither reachable nor free');
    await expect(boltStatus(memoryReadAt(tinyDb({ freelist: [6, 5] })))).rejects.toThrow(
      'snapshot database is corrupt: page 5 is listed as free but is already in use (a cycle or a double reference)',
    );
  });

  test('a cycle in the tree is reported, not followed', async () => {
    const db = tinyDb({ patch: (pages) => (pages[5] = branch(5, [{ key: rev(2), pgid: 4 }])) });
    await expect(boltStatus(memoryReadAt(db))).rejects.toThrow(
      'snapshot database is corrupt: page 4 is referenced by page 5 but is already in use (a cycle or a double reference)',
    );
    const self = tinyDb({ patch: (pages) => (pages[5] = branch(5, [{ key: rev(2), pgid: 5 }])) });
    await expect(boltStatus(memoryReadAt(self))).rejects.toThrow('page 5 is referenced by page 5 but is already in use');
  });

  test('page ids out of range, mislabelled pages, elements outside their page', async () => {
    const far = tinyDb({ patch: (pages) => (pages[4] = branch(4, [{ key: rev(2), pgid: 5 }, { key: rev(9), pgid: 2 ** 40 }])) });
    await expect(boltStatus(memoryReadAt(far))).rejects.toThrow(
      'snapshot database is corrupt: page 4 points to page 1099511627776, outside the database (pages 2 to 8)',
    );
    const meta = tinyDb({ patch: (pages) => (pages[4] = branch(4, [{ key: rev(2), pgid: 1 }])) });
    await expect(boltStatus(memoryReadAt(meta))).rejects.toThrow('page 4 points to page 1, outside the database');

    const label = tinyDb({ patch: (pages) => pages[5].writeBigUInt64LE(55n, 0) });
    await expect(boltStatus(memoryReadAt(label))).rejects.toThrow('snapshot database is corrupt: page 5 is labelled as page 55');

    const overflow = tinyDb({ patch: (pages) => pages[7].writeUInt32LE(5, 12) });
    await expect(boltStatus(memoryReadAt(overflow))).rejects.toThrow('page 7 claims 5 overflow pages, past the end of the database');

    const outside = tinyDb({ patch: (pages) => pages[5].writeUInt32LE(1_000_000, 16 + 12) });
    await expect(boltStatus(memoryReadAt(outside))).rejects.toThrow('snapshot database is corrupt: page 5: element 0 lies outside the page');

    const plainKey = tinyDb({ patch: (pages) => pages[3].writeUInt32LE(0, 16) });
    await expect(boltStatus(memoryReadAt(plainKey))).rejects.toThrow('cannot get hash of bucket key: the root holds a plain key');

    const freeType = tinyDb({ patch: (pages) => pages[5].writeUInt16LE(0x10, 8) });
    await expect(boltStatus(memoryReadAt(freeType))).rejects.toThrow('page 5 should be a branch or leaf page but has flags 0x10');
  });

  test('a key in bucket "key" that is not a revision', async () => {
    const db = tinyDb({ patch: (pages) => (pages[5] = leaf(5, [{ key: b('short'), value: b('v') }])) });
    await expect(boltStatus(memoryReadAt(db))).rejects.toThrow('snapshot database is corrupt: bucket "key" holds a 5-byte key, not a revision');
  });
});
