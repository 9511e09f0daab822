/**
 * Quoting for POSIX sh, for commands an operator pastes (often as root). Member names, URLs and
 * paths come from etcd and the config, so they are data: `$(...)`, backticks, quotes, globs and
 * newlines must reach the program as the bytes they are. Pure; shared by server and browser.
 */

/**
 * Words made only of these need no quotes in sh, bash or zsh. A leading `=` is left out (zsh
 * expands `=cmd` to a path), and so are `~`, `!`, globs, braces and everything non-ASCII.
 */
const PLAIN = /^[A-Za-z0-9_@%+:,./-][A-Za-z0-9_@%+=:,./-]*$/;

/**
 * One shell word that sh reads back as exactly `value`: as is when plainly safe (`m1` stays
 * `m1`), else in single quotes, inside which sh expands nothing; an embedded `'` becomes `'\''`.
 * A NUL byte cannot pass through any shell, so names holding one cannot be pasted faithfully.
 */
export function shellQuote(value: string): string {
  return PLAIN.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
