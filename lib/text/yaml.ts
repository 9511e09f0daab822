import { parse } from 'yaml';

/**
 * YAML scalars for files an operator hands to etcd (`etcd --config-file`). etcd reads them with
 * go-yaml, a YAML 1.1 parser, where `on`, `no`, `1:20` or `0x1f` are not strings; so a value stays
 * plain only when YAML 1.1 and 1.2 both read it back as the same string. Pure.
 */

/** Characters a plain scalar may hold here; anything else is quoted, whatever a parser thinks. */
const PLAIN = /^[A-Za-z0-9/][\w./:=,@+-]*$/;

function readsBackPlain(value: string): boolean {
  if (!PLAIN.test(value)) return false;
  try {
    return parse(value, { version: '1.1' }) === value && parse(value) === value;
  } catch {
    return false;
  }
}

/**
 * Kept as is inside double quotes: YAML's printable set (1.2, 5.1) less the quote, the backslash,
 * the byte order mark and what YAML 1.1 counts as a line break (U+0085, U+2028, U+2029).
 */
function printable(cp: number): boolean {
  if (cp === 0x22 || cp === 0x5c || cp === 0xfeff || cp === 0x2028 || cp === 0x2029) return false;
  return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000;
}

const SHORT: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x09: '\\t', 0x0a: '\\n', 0x0d: '\\r' };

function escape(cp: number): string {
  return SHORT[cp] ?? (cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`);
}

/**
 * A one-line YAML scalar that parses back to exactly `value`: plain when that is unambiguous
 * (`m1`, `http://10.0.0.3:2380`), else double-quoted with every quote, backslash and unprintable
 * character escaped.
 */
export function yamlScalar(value: string): string {
  if (readsBackPlain(value)) return value;
  let quoted = '';
  // for...of walks code points, so a pair of surrogates stays one character.
  for (const c of value) {
    const cp = c.codePointAt(0)!;
    quoted += printable(cp) ? c : escape(cp);
  }
  return `"${quoted}"`;
}
