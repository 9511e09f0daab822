import { toHexLeaseId } from '../etcd/ids';
import { RingsideError } from '../errors';

// etcd's storage records, decoded by hand (no protobuf library: four varints and two
// lengths per key, a million times over, is all a keyspace walk needs). Layouts from
// etcd v3.4.23:
//
//   mvcc/revision.go       a key of bucket "key" is its revision: main (8 bytes, big-endian),
//                          '_', sub (8 bytes, big-endian): revBytesLen = 17
//   mvcc/kvstore.go        markedRevBytesLen = 18: a deletion appends markTombstone 't';
//                          bucket "meta" keys scheduledCompactRev and finishedCompactRev hold
//                          a revision in the same 17-byte form
//   mvcc/kvstore_txn.go    a tombstone's value is mvccpb.KeyValue{Key: key} and nothing else
//   mvcc/mvccpb/kv.proto   message KeyValue { bytes key = 1; int64 create_revision = 2;
//                          int64 mod_revision = 3; int64 version = 4; bytes value = 5;
//                          int64 lease = 6; }
//   lease/lessor.go        bucket "lease" keys are the lease ID as 8 bytes big-endian (int64ToBytes)
//   lease/leasepb/lease.proto  message Lease { int64 ID = 1; int64 TTL = 2; int64 RemainingTTL = 3; }
//
// proto3 wire format: each field is a varint tag (field number << 3 | wire type); wire type 0
// is a varint, 1 eight bytes, 2 a varint length then the bytes, 5 four bytes. Zero values
// are not written at all, so a missing field is 0.

export const REVISION_BYTES = 17;
const TOMBSTONE = 0x74; // 't'

/** One record of bucket "key": a key's state as of one revision. */
export interface KeyRecord {
  /** Main revision of the change (the KeyValue's mod_revision for a put). */
  main: number;
  sub: number;
  tombstone: boolean;
  key: Buffer;
  createRevision: number;
  modRevision: number;
  version: number;
  /** Bytes of the value (the value itself is not copied). */
  valueSize: number;
  /** Lease ID as etcdctl prints it (16 hex digits); "0" for none. */
  lease: string;
}

const bad = (what: string): RingsideError => new RingsideError('INVALID', `snapshot database is corrupt: ${what}`);

/** The main revision of a 17-byte revision (a "key" bucket key or a compaction mark in "meta"). */
export function mainRevision(rev: Buffer): number {
  if (rev.length < REVISION_BYTES || rev[8] !== 0x5f) throw bad(`${rev.length}-byte value is not a revision (expected 8 bytes, '_', 8 bytes)`);
  const n = rev.readUInt32BE(0) * 2 ** 32 + rev.readUInt32BE(4);
  if (!Number.isSafeInteger(n)) throw bad(`revision ${rev.subarray(0, 8).toString('hex')} is beyond 2^53`);
  return n;
}

/** Decodes one element of bucket "key": its revision key and mvccpb.KeyValue value. */
export function decodeKeyRecord(k: Buffer, v: Buffer): KeyRecord {
  if (k.length !== REVISION_BYTES && !(k.length === REVISION_BYTES + 1 && k[REVISION_BYTES] === TOMBSTONE)) {
    throw bad(`bucket "key" holds a ${k.length}-byte key, not a revision`);
  }
  const main = mainRevision(k);
  const sub = k.readUInt32BE(9) * 2 ** 32 + k.readUInt32BE(13);
  const kv = decodeKeyValue(v, main);
  return { main, sub, tombstone: k.length === REVISION_BYTES + 1, ...kv };
}

/** mvccpb.KeyValue without copying the value: its size only. `rev` names the record in errors. */
export function decodeKeyValue(buf: Buffer, rev: number): Omit<KeyRecord, 'main' | 'sub' | 'tombstone'> {
  let key: Buffer | null = null;
  let createRevision = 0;
  let modRevision = 0;
  let version = 0;
  let valueSize = 0;
  let lease = '0';
  const r = new Reader(buf, `the KeyValue at revision ${rev}`);
  while (r.pos < buf.length) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === 2) {
      const len = r.varint();
      const start = r.skip(len);
      if (field === 1) key = buf.subarray(start, start + len);
      else if (field === 5) valueSize = len;
    } else if (wire === 0 && field >= 2 && field <= 4) {
      const n = r.varint();
      if (field === 2) createRevision = n;
      else if (field === 3) modRevision = n;
      else version = n;
    } else if (wire === 0 && field === 6) {
      lease = r.varint64Hex();
    } else {
      r.skipField(wire, field);
    }
  }
  if (!key || key.length === 0) throw bad(`the KeyValue at revision ${rev} has no key`);
  return { key, createRevision, modRevision, version, valueSize, lease };
}

/** One record of bucket "lease". */
export interface LeaseRecord {
  /** As etcdctl prints lease IDs: 16 hex digits. */
  id: string;
  /** The TTL the lease was granted with, seconds. */
  ttl: number;
  /** Seconds left when last checkpointed; 0 unless lease checkpointing is on (then it survives a leader change). */
  remainingTtl: number;
}

/** Decodes one element of bucket "lease": the 8-byte ID key and leasepb.Lease value. */
export function decodeLeaseRecord(k: Buffer, v: Buffer): LeaseRecord {
  if (k.length !== 8) throw bad(`bucket "lease" holds a ${k.length}-byte key, not a lease ID`);
  const id = toHexLeaseId(k.readBigUInt64BE(0));
  let ttl = 0;
  let remainingTtl = 0;
  const r = new Reader(v, `lease ${id}`);
  while (r.pos < v.length) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    // The ID field repeats the key; the key is what etcd itself trusts (lessor.go).
    if (wire === 0 && field === 1) r.varint64Hex();
    else if (wire === 0 && field === 2) ttl = r.varint();
    else if (wire === 0 && field === 3) remainingTtl = r.varint();
    else r.skipField(wire, field);
  }
  return { id, ttl, remainingTtl };
}

class Reader {
  pos = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}

  /** A varint up to 2^53 (revisions, versions, lengths, TTLs). */
  varint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.buf.length) throw bad(`${this.what} ends inside a number`);
      const b = this.buf[this.pos++];
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 128;
    }
    throw bad(`${this.what} holds a number beyond 2^53`);
  }

  /** A 64-bit varint as a lease ID (they use all 63 bits): 16 hex digits, "0" for none. */
  varint64Hex(): string {
    let n = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) throw bad(`${this.what} ends inside a number`);
      const b = this.buf[this.pos++];
      n |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return n === 0n ? '0' : toHexLeaseId(n);
    }
    throw bad(`${this.what} holds a varint longer than 10 bytes`);
  }

  /** Moves past `len` bytes; returns where they start. */
  skip(len: number): number {
    const start = this.pos;
    if (start + len > this.buf.length) throw bad(`${this.what} claims a ${len}-byte field, past its end`);
    this.pos += len;
    return start;
  }

  skipField(wire: number, field: number): void {
    if (wire === 0) this.varint64Hex();
    else if (wire === 1) this.skip(8);
    else if (wire === 2) this.skip(this.varint());
    else if (wire === 5) this.skip(4);
    else throw bad(`${this.what} has field ${field} of unknown wire type ${wire}`);
  }
}
