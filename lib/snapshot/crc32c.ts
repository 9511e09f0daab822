import 'server-only';

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum etcd's
// `snapshot status` hashes a snapshot's buckets with (Go's crc32.MakeTable(crc32.Castagnoli)).
// Node has no CRC-32C of its own (zlib.crc32 is the IEEE polynomial), so this is
// slicing-by-8: eight 256-entry tables, eight input bytes per step.

const POLY = 0x82f63b78;

const TABLES: Int32Array[] = (() => {
  const t = Array.from({ length: 8 }, () => new Int32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[0][n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[0][n];
    for (let k = 1; k < 8; k++) {
      c = t[0][c & 0xff] ^ (c >>> 8);
      t[k][n] = c;
    }
  }
  return t;
})();

/**
 * CRC-32C of `buf`, continuing from `prev` (the result of an earlier call), so
 * crc32c(b, crc32c(a)) === crc32c(a ++ b). Returns an unsigned 32-bit number.
 */
export function crc32c(buf: Uint8Array, prev = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES;
  let crc = ~prev;
  let i = 0;
  const n = buf.length;
  const fast = n - (n & 7);
  while (i < fast) {
    const a = crc ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
    crc =
      t7[a & 0xff] ^
      t6[(a >>> 8) & 0xff] ^
      t5[(a >>> 16) & 0xff] ^
      t4[a >>> 24] ^
      t3[buf[i + 4]] ^
      t2[buf[i + 5]] ^
      t1[buf[i + 6]] ^
      t0[buf[i + 7]];
    i += 8;
  }
  while (i < n) crc = t0[(crc ^ buf[i++]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}
