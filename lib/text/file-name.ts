/**
 * File names that carry a member's name. A name is whatever `--name` said (`../../etc/cron.d/x`
 * is a valid one), so it never becomes a path: it is reduced to a label, and the member ID in hex
 * (which is unique) goes beside it. Pure.
 */

const MAX_LABEL = 40;

/** No leading dot (no hidden file, no `..`), at most MAX_LABEL characters, "member" when nothing is left. */
function bounded(label: string): string {
  return Array.from(label.replace(/^\.+/, '')).slice(0, MAX_LABEL).join('') || 'member';
}

/** A member name as part of a file name on a server: ASCII letters, digits, ".", "_" and "-"; any run of other characters becomes one "_". */
export function fileLabel(name: string): string {
  return bounded(name.replace(/[^A-Za-z0-9._-]+/g, '_'));
}

/**
 * The same for a browser download's UTF-8 name: letters, digits, marks and symbols of any script
 * are kept (`m3✓`), while separators, shell characters and invisible format characters (such as a
 * right-to-left override that would disguise the extension) become "_".
 */
export function unicodeFileLabel(name: string): string {
  return bounded(name.replace(/[^\p{L}\p{N}\p{M}\p{So}._-]+/gu, '_'));
}
