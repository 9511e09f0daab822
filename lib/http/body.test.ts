import { describe, expect, test } from 'vitest';
import { RingsideError } from '../errors';
import { readCapped, readForm, readJsonObject } from './body';
import { StreamLimiter } from './streams';

/** A request whose body arrives in chunks with no Content-Length, as a chunked upload does; counts what was pulled. */
function chunked(chunks: number, size: number) {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (pulled >= chunks) return c.close();
      pulled++;
      c.enqueue(new Uint8Array(size).fill(0x7b));
    },
  });
  const req = new Request('http://127.0.0.1/api/x', { method: 'POST', body, duplex: 'half' } as RequestInit);
  return { req, pulled: () => pulled };
}

async function error(p: Promise<unknown>): Promise<RingsideError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RingsideError);
    return e as RingsideError;
  }
  throw new Error('accepted');
}

describe('the one capped body reader', () => {
  test('a chunked body is abandoned as soon as it passes the cap, whatever it would have been', async () => {
    const { req, pulled } = chunked(1_000_000, 64 * 1024); // 64 GB, if it were read
    const e = await error(readCapped(req, 16 * 1024));
    expect([e.code, e.field, e.message]).toEqual(['TOO_LARGE', 'body', 'body: larger than 16384 bytes']);
    expect(pulled()).toBeLessThanOrEqual(2);
  });

  test('a declared Content-Length above the cap is refused before reading', async () => {
    const req = new Request('http://127.0.0.1/api/x', { method: 'POST', body: 'x', headers: { 'content-length': '999999999' } });
    expect((await error(readCapped(req, 1024))).code).toBe('TOO_LARGE');
  });

  test('JSON objects only; empty is {}; bad UTF-8, arrays and junk name the body', async () => {
    const post = (body: BodyInit) => new Request('http://127.0.0.1/api/x', { method: 'POST', body });
    expect(await readJsonObject(post(''))).toEqual({});
    expect(await readJsonObject(post('{"a":1}'))).toEqual({ a: 1 });
    for (const bad of ['[]', '"x"', 'null', '{', new Uint8Array([0x7b, 0xff, 0x7d])]) {
      const e = await error(readJsonObject(post(bad)));
      expect([e.code, e.field]).toEqual(['INVALID', 'body']);
    }
    expect(await readForm(post('csrf=abc&member=12ab'))).toEqual({ csrf: 'abc', member: '12ab' });
  });
});

describe('stream slots', () => {
  test('a cap per client and in total, each slot given back once', () => {
    const s = new StreamLimiter(3, 2);
    const a1 = s.acquire('a');
    s.acquire('a');
    expect(() => s.acquire('a')).toThrow(/this client has 2 live streams open/);
    s.acquire('b');
    expect(() => s.acquire('c')).toThrow(/too many live streams are open \(3\)/);
    a1();
    a1();
    expect(s.open).toBe(2);
    expect(() => s.acquire('c')).not.toThrow();
  });
});
