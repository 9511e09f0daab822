import { describe, expect, test } from 'vitest';
import { decodeKeyRecord, decodeKeyValue, decodeLeaseRecord, mainRevision } from './mvcc';
import { rawRecords } from './testdata/fixtures';

const hex = (s: string) => Buffer.from(s, 'hex');
const records = (bucket: string) => rawRecords.filter((r) => r.bucket === bucket);

describe('etcd records decoded by hand, on bytes from a real etcd 3.4.23 db', () => {
  test('each "key" record gives what etcd\'s watch said of that revision', () => {
    const puts = records('key').filter((r) => !r.etcd.tombstone);
    expect(puts.length).toBeGreaterThanOrEqual(3);
    for (const r of puts) {
      const d = decodeKeyRecord(hex(r.key), hex(r.value));
      expect({
        key: d.key.toString('latin1'),
        createRevision: d.createRevision,
        modRevision: d.modRevision,
        version: d.version,
        valueSize: d.valueSize,
        lease: d.lease,
      }).toEqual(r.etcd);
      expect(d.tombstone).toBe(false);
      expect(d.main).toBe(d.modRevision);
    }
    // Among them: a value spilling into overflow pages, and an Event with its lease (63-bit ID).
    expect(puts.some((r) => (r.etcd.valueSize as number) > 8000)).toBe(true);
    expect(puts.some((r) => r.etcd.lease !== '0')).toBe(true);
  });

  test('a tombstone: an 18-byte revision ending in "t", holding only the key', () => {
    const [t] = records('key').filter((r) => r.etcd.tombstone);
    const d = decodeKeyRecord(hex(t.key), hex(t.value));
    expect(d).toMatchObject({ tombstone: true, key: Buffer.from(t.etcd.key as string, 'latin1'), createRevision: 0, version: 0, valueSize: 0, lease: '0' });
  });

  test('"lease" records: the ID from the key, the granted TTL', () => {
    for (const r of records('lease')) {
      const d = decodeLeaseRecord(hex(r.key), hex(r.value));
      expect({ id: d.id, ttl: d.ttl }).toEqual(r.etcd);
      expect(d.remainingTtl).toBe(0); // lease checkpointing is off by default
    }
  });

  test('"meta" finishedCompactRev is a revision like the keys of "key"', () => {
    const [m] = records('meta');
    expect(mainRevision(hex(m.value))).toBe(m.etcd.compactRevision);
  });

  test('damaged records fail with a clear error, never a wrong number', () => {
    // A record without a lease: its value is the last field, so a cut lands inside the value.
    const put = records('key').find((r) => !r.etcd.tombstone && r.etcd.lease === '0')!;
    const k = hex(put.key);
    const v = hex(put.value);
    expect(() => decodeKeyRecord(k.subarray(0, 16), v)).toThrow('snapshot database is corrupt: bucket "key" holds a 16-byte key, not a revision');
    expect(() => decodeKeyRecord(Buffer.concat([k, Buffer.from('x')]), v)).toThrow('holds a 18-byte key, not a revision');
    const rev = mainRevision(k);
    expect(() => decodeKeyRecord(k, v.subarray(0, v.length - 3))).toThrow(`snapshot database is corrupt: the KeyValue at revision ${rev} claims a`);
    expect(() => decodeKeyValue(Buffer.from([0x10]), 9)).toThrow('the KeyValue at revision 9 ends inside a number');
    expect(() => decodeKeyValue(Buffer.from([0x10, 0x05]), 9)).toThrow('the KeyValue at revision 9 has no key');
    expect(() => decodeKeyValue(Buffer.from([0x0f]), 9)).toThrow('has field 1 of unknown wire type 7');
    expect(() => decodeLeaseRecord(Buffer.alloc(4), Buffer.alloc(0))).toThrow('bucket "lease" holds a 4-byte key, not a lease ID');
    expect(() => mainRevision(Buffer.alloc(17))).toThrow("17-byte value is not a revision (expected 8 bytes, '_', 8 bytes)");
  });

  test('lease IDs read as etcdctl prints them: 16 hex digits, leading zeros kept', () => {
    const id = 0x0213a22b42338e05n;
    const varint: number[] = [];
    for (let n = id; ; n >>= 7n) {
      if (n < 0x80n) {
        varint.push(Number(n));
        break;
      }
      varint.push(Number(n & 0x7fn) | 0x80);
    }
    const kv = Buffer.from([0x0a, 1, 0x2f, 0x30, ...varint]); // key "/", lease
    expect(decodeKeyValue(kv, 5).lease).toBe('0213a22b42338e05');
    expect(decodeLeaseRecord(Buffer.from('0213a22b42338e05', 'hex'), Buffer.alloc(0)).id).toBe('0213a22b42338e05');
  });

  test('unknown fields are skipped (a newer etcd may add some)', () => {
    const put = records('key').find((r) => !r.etcd.tombstone)!;
    // field 15, wire type 2, 3 bytes; field 16 varint; field 17 fixed32; field 18 fixed64
    const extra = Buffer.from([0x7a, 3, 1, 2, 3, 0x80, 0x01, 0x96, 0x01, 0x8d, 0x01, 0, 0, 0, 0, 0x91, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]);
    const d = decodeKeyRecord(hex(put.key), Buffer.concat([hex(put.value), extra]));
    expect(d.valueSize).toBe(put.etcd.valueSize);
  });
});
