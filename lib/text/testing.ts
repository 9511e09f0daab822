// Test-only helpers for the quoting and escaping tests (lib/text and its users).
import { Parser, type Node } from 'commonmark';
import fc from 'fast-check';

/** Every node of a CommonMark document as the reference parser reads it, in document order. */
export function markdownNodes(md: string): Node[] {
  const all: Node[] = [];
  const walker = new Parser().parse(md).walker();
  for (let e = walker.next(); e; e = walker.next()) if (e.entering) all.push(e.node);
  return all;
}

/** Strings weighted towards what shells, YAML, Markdown and file systems read specially. */
const SPECIAL = [..."'\"\\$`(){}[];&|<>*?~!#=%@+,:./- \t\n\r", '\x1b', '\x7f', '\x85', '\u2028', '\ufeff', '\u202e', '✓', 'é', '😀', '${IFS}', '$(', '../', '](', '<img', '&lt;', '```', 'yes', 'on'];

const codePoint = fc
  .integer({ min: 1, max: 0x10ffff })
  .filter((cp) => cp < 0xd800 || cp > 0xdfff)
  .map((cp) => String.fromCodePoint(cp));

/** Any well-formed Unicode without NUL (no shell or argv can carry a NUL byte). */
export const hostileString = fc.string({ unit: fc.oneof(fc.constantFrom(...SPECIAL), codePoint, fc.constantFrom(...'abcxyz019')), maxLength: 24 });
