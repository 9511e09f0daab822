/**
 * The headers every response carries. Pages get a Content-Security-Policy with a fresh nonce per
 * request: Next reads the nonce from the request's own CSP header and puts it on its inline
 * scripts, so no script runs that Ringside did not send, and nothing is evaluated from strings
 * (no 'unsafe-eval' outside `next dev`, whose fast refresh needs it). Style attributes (charts,
 * layout) need 'unsafe-inline' for styles only; styles cannot run code.
 */
export function contentSecurityPolicy(nonce: string, dev: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** For API responses (JSON, SSE, snapshot downloads): nothing in them may run or be framed. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export function securityHeaders(opts: { https: boolean }): Record<string, string> {
  return {
    'X-Content-Type-Options': 'nosniff',
    // Old browsers without frame-ancestors: no framing either (clickjacking an operator's click).
    'X-Frame-Options': 'DENY',
    // Cluster and member names are in URLs; they stay on this site.
    'Referrer-Policy': 'same-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
    ...(opts.https ? { 'Strict-Transport-Security': 'max-age=31536000' } : {}),
  };
}
