import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { crc32c } from './crc32c';
import { prng } from './testdata/fixtures';

/** Bit-at-a-time CRC-32C: slow, obviously right, the reference for the table-driven one. */
function reference(buf: Uint8Array): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32c', () => {
  test('known vectors (RFC 3720 B.4 and the usual check value)', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    expect(crc32c(Buffer.alloc(32, 0x00))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)))).toBe(0x113fdb5c);
  });

  test('matches a bit-at-a-time reference at every length around the 8-byte stride', () => {
    const data = randomBytes(100);
    for (let n = 0; n <= data.length; n++) expect(crc32c(data.subarray(0, n))).toBe(reference(data.subarray(0, n)));
  });

  test('continues across pieces: crc32c(b, crc32c(a)) equals crc32c(a ++ b)', () => {
    const data = randomBytes(10_000);
    const whole = crc32c(data);
    const rnd = prng(7);
    for (let run = 0; run < 20; run++) {
      let crc = 0;
      for (let off = 0; off < data.length; ) {
        const n = Math.floor(rnd() * 40); // empty pieces included
        crc = crc32c(data.subarray(off, off + n), crc);
        off += n;
      }
      expect(crc).toBe(whole);
    }
  });
});
