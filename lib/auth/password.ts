// No `import 'server-only'`: `npm run hash-password` runs this under plain Node. It holds no
// secret itself, and node:crypto keeps it out of any browser bundle anyway.
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost of new hashes: 16 MiB and ~50-100 ms per hash on a server core. */
const N = 16384;
const R = 8;
const P = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/**
 * The most memory one verification may take. Parameters come from the config file, but a typo
 * (N=16384000) must cost a failed sign-in, not an out-of-memory server.
 */
const MAX_MEM = 64 * 1024 * 1024;

const SCRYPT_HASH = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;
const TOKEN_HASH = /^sha256\$([0-9a-f]{64})$/;

/**
 * Verified against when the user is unknown or has no password, so that a wrong name costs as
 * long as a wrong password and the answer's timing does not tell which users exist.
 */
const DUMMY_HASH = `scrypt$${N}$${R}$${P}$cqK3c4Rcq6CXdQ8LRikmaw==$Rbi42giNPpn58ePmFgALFTxH4LYqQ49+RoeWn1FQ18w=`;

function scryptAsync(password: string, salt: Buffer, keylen: number, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keylen, { ...cost, maxmem: MAX_MEM }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** `scrypt$N$r$p$<salt base64>$<hash base64>`, the form `passwordHash` takes in the config. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scryptAsync(password, salt, KEY_BYTES, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Whether `password` matches a stored scrypt hash. A malformed or absurd hash is a mismatch, never a throw. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = SCRYPT_HASH.exec(stored);
  if (!m) return false;
  const [n, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const salt = Buffer.from(m[4], 'base64');
  const expected = Buffer.from(m[5], 'base64');
  const sane =
    n >= 2 && (n & (n - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16 &&
    128 * n * r + 128 * r * p <= MAX_MEM &&
    salt.length >= 8 && salt.length <= 64 && expected.length >= 16 && expected.length <= 64;
  if (!sane) return false;
  try {
    const actual = await scryptAsync(password, salt, expected.length, { N: n, r, p });
    return timingSafeEqual(actual, expected);
  } catch {
    return false;
  }
}

/** Costs what a real verification costs, and always fails: for unknown users. */
export async function dummyVerifyPassword(password: string): Promise<false> {
  await verifyPassword(password, DUMMY_HASH);
  return false;
}

/** A new API token: 32 random bytes, base64url. Shown once; only its hash is kept. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * `sha256$<hex>`, the form `tokenHash` takes in the config. A plain hash suffices: tokens are 256
 * random bits, so there is nothing to guess and no need for a slow hash.
 */
export function hashToken(token: string): string {
  return `sha256$${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}

/** Whether `token` matches a stored `sha256$<hex>`; a malformed hash is a mismatch. */
export function verifyToken(token: string, stored: string): boolean {
  const m = TOKEN_HASH.exec(stored);
  if (!m) return false;
  return timingSafeEqual(createHash('sha256').update(token, 'utf8').digest(), Buffer.from(m[1], 'hex'));
}

/** Compares two secrets (CSRF tokens) in time independent of where, or whether their lengths, differ. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a, 'utf8').digest(), createHash('sha256').update(b, 'utf8').digest());
}
