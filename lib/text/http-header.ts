/**
 * Header values built from data. Headers carry bytes up to 0xFF only (fetch's Headers throws on
 * more, which once turned a member named `m3✓` into a 500), so anything else is percent-encoded.
 * Pure.
 */

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** UTF-8, percent-encoded as RFC 5987 (8187) `value-chars`: only its attr-chars stay as they are. */
export function percentEncode(s: string): string {
  // encodeURIComponent throws on a lone surrogate, and keeps ' ( ) * which attr-char does not allow.
  return encodeURIComponent(s.replace(LONE_SURROGATE, '\ufffd')).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Content-Disposition for a download (RFC 6266): `filename` in printable ASCII for clients that
 * know nothing else, and the exact name in `filename*` as UTF-8 (RFC 5987), which browsers prefer.
 */
export function attachment(asciiName: string, utf8Name: string): string {
  const fallback = asciiName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${percentEncode(utf8Name)}`;
}
