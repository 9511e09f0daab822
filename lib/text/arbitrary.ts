import fc from 'fast-check';

/**
 * Strings for property tests of quoting and escaping: any Unicode, weighted towards what shells,
 * YAML, Markdown and file systems read specially. Test-only.
 */
const SPECIAL = [..."'\"\\$`(){}[];&|<>*?~!#=%@+,:./- \t\n\r", '\x1b', '\x7f', '\x85', '\u2028', '\ufeff', '\u202e', '✓', 'é', '😀', '${IFS}', '$(', '../', '](', '<img', '&lt;', '```', 'yes', 'on'];

const codePoint = fc
  .integer({ min: 1, max: 0x10ffff })
  .filter((cp) => cp < 0xd800 || cp > 0xdfff)
  .map((cp) => String.fromCodePoint(cp));

/** Well-formed Unicode without NUL (no shell or argv can carry a NUL byte). */
export const hostileString = fc.string({ unit: fc.oneof(fc.constantFrom(...SPECIAL), codePoint, fc.constantFrom(...'abcxyz019')), maxLength: 24 });
