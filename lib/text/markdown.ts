/**
 * Markdown (CommonMark) for text that comes from members and alerts: a name like
 * `[x](http://evil)` or `<img src=x>` must reach the incident channel as those characters, not
 * as a link or HTML, and a newline in a name must not start a line of its own. Pure; the browser
 * builds the incident summary.
 */

/** Control characters, line and paragraph separators, and invisible format characters (bidi overrides, zero widths, BOM). */
const UNSEEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeUnseen(c: string): string {
  const cp = c.codePointAt(0)!;
  const hex = cp.toString(16);
  return NAMED[c] ?? (cp <= 0xff ? `\\x${hex.padStart(2, '0')}` : cp <= 0xffff ? `\\u${hex.padStart(4, '0')}` : `\\u{${hex}}`);
}

/**
 * Characters that do not show, or that break or reorder lines, written as escapes such as `\n`,
 * `\x1b` or `\u202e`: the text stays on one line and shows what it holds.
 */
export function oneLine(s: string): string {
  return s.replace(UNSEEN, escapeUnseen);
}

/**
 * Characters with a meaning anywhere in a line: escapes, code, emphasis, links and images, raw
 * HTML and autolinks, entities, and GitHub's strikethrough, tables, math and issue references.
 */
const SIGNIFICANT = /[\\`*_[\]<>&~|!#$]/g;

/**
 * Inline text that renders as exactly `s` (control characters shown as escapes), wherever it
 * stands in a line, even first after a list marker: what would open a list, a quote or an
 * indented block there is escaped too, and spaces at either end (a paragraph drops them) are
 * character references.
 */
export function markdownText(s: string): string {
  return oneLine(s)
    .replace(SIGNIFICANT, '\\$&')
    .replace(/^[+=-]/, '\\$&')
    .replace(/^(\d+)([.)])/, '$1\\$2')
    .replace(/^\s+|\s+$/gu, (spaces) => Array.from(spaces, (c) => `&#${c.codePointAt(0)};`).join(''));
}

/**
 * A code span holding exactly `s` (control characters shown as escapes): fenced by a backtick run
 * longer than any inside, so nothing in it can close it early, and padded with a space where it
 * starts or ends with a backtick or a space (CommonMark removes one space each side).
 */
export function markdownCode(s: string): string {
  const text = oneLine(s);
  if (text === '') return '';
  const longest = (text.match(/`+/g) ?? []).reduce((n, run) => Math.max(n, run.length), 0);
  const fence = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(text) && !/^ +$/.test(text) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
