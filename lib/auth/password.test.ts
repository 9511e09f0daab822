import { describe, expect, test } from 'vitest';
import { dummyVerifyPassword, generateToken, hashPassword, hashToken, sameSecret, verifyPassword, verifyToken } from './password';

// The forms the config schema accepts (lib/config/schema.ts).
const PASSWORD_HASH = /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/;
const TOKEN_HASH = /^sha256\$[0-9a-f]{64}$/;

describe('passwords', () => {
  test('a hash verifies its password and no other, and is salted', async () => {
    const h = await hashPassword('correct horse battery');
    expect(h).toMatch(PASSWORD_HASH);
    expect(h.startsWith('scrypt$16384$8$1$')).toBe(true);
    const [, , , , salt, key] = h.split('$');
    expect(Buffer.from(salt, 'base64')).toHaveLength(16);
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(h).not.toContain('correct horse battery');

    expect(await verifyPassword('correct horse battery', h)).toBe(true);
    expect(await verifyPassword('correct horse batterY', h)).toBe(false);
    expect(await verifyPassword('', h)).toBe(false);
    expect(await hashPassword('correct horse battery')).not.toBe(h);
  });

  test('the parameters are read from the stored hash', async () => {
    const h = await hashPassword('correct horse battery');
    const [, , , , salt] = h.split('$');
    // Same password and salt at a different cost: a different key, so the cost must come from the string.
    const cheap = `scrypt$1024$8$1$${salt}$${h.split('$')[5]}`;
    expect(await verifyPassword('correct horse battery', cheap)).toBe(false);
  });

  test('a malformed or absurd hash is a mismatch, never a throw', async () => {
    const h = await hashPassword('correct horse battery');
    const [, , , , salt, key] = h.split('$');
    const bad = [
      '',
      'correct horse battery',
      'bcrypt$2b$10$abc',
      `scrypt$16384$8$1$${salt}`,
      `scrypt$16383$8$1$${salt}$${key}`, // N not a power of two
      `scrypt$1073741824$8$1$${salt}$${key}`, // a GiB of memory
      `scrypt$16384$8$99$${salt}$${key}`,
      `scrypt$16384$8$1$!!!$${key}`,
      `scrypt$16384$8$1$${salt}$AAAA`, // a 3-byte key
      `${h}$extra`,
    ];
    for (const stored of bad) expect(await verifyPassword('correct horse battery', stored), stored).toBe(false);
  });

  test('the dummy verification for unknown users always fails', async () => {
    expect(await dummyVerifyPassword('anything at all')).toBe(false);
  });
});

describe('API tokens', () => {
  test('new tokens are 32 random bytes in base64url', () => {
    const t = generateToken();
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateToken()).not.toBe(t);
  });

  test('a token hash verifies its token only', () => {
    const t = generateToken();
    const h = hashToken(t);
    expect(h).toMatch(TOKEN_HASH);
    expect(h).not.toContain(t);
    expect(verifyToken(t, h)).toBe(true);
    expect(verifyToken(generateToken(), h)).toBe(false);
    expect(verifyToken(t, 'sha256$abc')).toBe(false);
    expect(verifyToken(t, h.toUpperCase())).toBe(false);
    expect(verifyToken(t, '')).toBe(false);
  });

  test('secrets of different lengths compare without throwing', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret('', 'abc')).toBe(false);
  });
});
