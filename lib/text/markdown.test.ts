import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { markdownCode, markdownText, oneLine } from './markdown';
import { hostileString, markdownNodes as nodes } from './testing';
const kinds = (md: string) => nodes(md).map((n) => n.type);
const text = (md: string) => nodes(md).filter((n) => n.type === 'text').map((n) => n.literal).join('');

describe('oneLine', () => {
  test('control characters become visible escapes; everything else stays', () => {
    expect(oneLine('a\nb\r\tc\x1b[31m\u2028✓')).toBe('a\\nb\\r\\tc\\x1b[31m\\u2028✓');
  });
});

describe('markdownText', () => {
  test('links, images, HTML and emphasis from a member name stay characters', () => {
    expect(markdownText('[x](http://evil)')).toBe('\\[x\\](http://evil)');
    expect(markdownText('<img src=x onerror=alert(1)>')).toBe('\\<img src=x onerror=alert(1)\\>');
    expect(markdownText('m3\n# pwned')).toBe('m3\\\\n\\# pwned');
    expect(markdownText('- item')).toBe('\\- item');
    expect(markdownText('1. one')).toBe('1\\. one');
    expect(markdownText('m1')).toBe('m1');
  });

  // Alone (a paragraph's first character), first in a list item, and within a line.
  const contexts = [(t: string) => t, (t: string) => `- ${t}`, (t: string) => `**Now:** ${t} (m1)`];

  test('any string renders as exactly its text: no link, image, HTML, code, emphasis or block of its own', () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        const md = markdownText(s);
        expect(md).not.toMatch(/\n/);
        const alone = kinds(md);
        expect(alone.filter((k) => k !== 'document' && k !== 'paragraph' && k !== 'text')).toEqual([]);
        expect(text(md)).toBe(oneLine(s));
        for (const put of contexts) {
          const k = kinds(put(md));
          for (const live of ['link', 'image', 'html_inline', 'html_block', 'code', 'code_block', 'heading', 'block_quote', 'thematic_break', 'softbreak', 'linebreak']) expect(k).not.toContain(live);
          expect(k.filter((x) => x === 'paragraph').length).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('markdownCode', () => {
  test('a fence longer than any backtick run inside', () => {
    expect(markdownCode('{"msg":"x"}')).toBe('`{"msg":"x"}`');
    expect(markdownCode('a ``` b')).toBe('````a ``` b````');
    expect(markdownCode('`x`')).toBe('`` `x` ``');
  });

  test('any non-empty string is one code span holding exactly its text', () => {
    fc.assert(
      fc.property(hostileString.filter((s) => s !== ''), (s) => {
        const md = `- 03:00:05Z m1: ${markdownCode(s)}`;
        const code = nodes(md).filter((n) => n.type === 'code');
        expect(code.map((n) => n.literal)).toEqual([oneLine(s)]);
        expect(kinds(md).filter((k) => k === 'link' || k === 'html_inline' || k === 'item')).toEqual(['item']);
      }),
      { numRuns: 1000 },
    );
  });
});
