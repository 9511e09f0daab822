import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { attachment, percentEncode } from './http-header';

/** The name a browser takes from filename* (RFC 6266 prefers it to filename). */
function utf8Name(header: string): string {
  const m = /; filename\*=UTF-8''([^;\s]*)$/.exec(header);
  return decodeURIComponent(m![1]);
}

describe('header values from data', () => {
  test('Content-Disposition for m3✓: an ASCII filename and the exact filename*', () => {
    const h = attachment('c-m3_-fd422379fda50e48-rev9.db', 'c-m3✓-fd422379fda50e48-rev9.db');
    expect(h).toBe(`attachment; filename="c-m3_-fd422379fda50e48-rev9.db"; filename*=UTF-8''c-m3%E2%9C%93-fd422379fda50e48-rev9.db`);
    expect(() => new Headers({ 'content-disposition': h })).not.toThrow();
  });

  test('any name makes a header fetch accepts, whose filename* decodes back to it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), (utf8, ascii) => {
        const h = attachment(ascii, utf8);
        expect(h).toMatch(/^[\x20-\x7e]*$/);
        expect(new Headers({ 'content-disposition': h }).get('content-disposition')).toBe(h);
        expect(utf8Name(h)).toBe(utf8);
        expect(/filename="([^"\\]*)";/.exec(h)![1]).toHaveLength(ascii.length);
      }),
      { numRuns: 2000 },
    );
  });

  test('percentEncode keeps only RFC 5987 attr-chars, and survives a lone surrogate', () => {
    expect(percentEncode("a'b(c)*d ✓")).toBe('a%27b%28c%29%2Ad%20%E2%9C%93');
    expect(percentEncode('\ud800x')).toBe('%EF%BF%BDx');
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(percentEncode(s)).toMatch(/^(?:[A-Za-z0-9!#$&+\-.^_`|~]|%[0-9A-F]{2})*$/);
      }),
    );
  });
});
