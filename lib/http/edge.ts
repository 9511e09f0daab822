import 'server-only';
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { HostPolicy } from './hosts';
import { AddressSet, FORWARDED_HEADERS, normalizeAddress, PEER_HEADER } from '../auth/peer';
import { API_CSP, contentSecurityPolicy, securityHeaders } from './security-headers';

/**
 * The edge: every request, before Next.js sees it. Next gives route handlers no socket, so what
 * only the socket knows is decided here, once:
 * - who the peer is (`x-ringside-peer`), and whether X-Forwarded-* and the proxy's user header
 *   may be believed (only from `auth.proxy.trustedProxies`; from anyone else they are removed);
 * - whether the Host is one of Ringside's (DNS rebinding);
 * - the security headers and the page's CSP nonce;
 * - bodies: pages take none, and nothing larger than the API could ever want is accepted;
 * - with `auth.anonymous: none`, that nobody reads anything without signing in.
 */

export interface EdgePolicy {
  trusted: AddressSet;
  hosts: HostPolicy;
  /** The proxy's user header (lower-case): only a trusted proxy may send it. */
  proxyUserHeader?: string;
  dev: boolean;
  /** `auth.anonymous: none`: is this request signed in (session cookie, bearer token or proxy)? */
  signedIn?: (get: (name: string) => string | null) => boolean;
}

/** No API body is near this; anything announcing more is refused before a byte is read. */
export const EDGE_MAX_BODY = 64 * 1024;

/**
 * Reachable without signing in even when anonymous access is off. The probes are here because
 * kubelet brings no session; they answer a fixed word and nothing else (lib/http/probes.ts). They
 * still pass the Host check like everything else: kubelet's Host is the pod IP, and IP literals
 * always pass it.
 */
const PUBLIC_PATHS = [/^\/signin$/, /^\/api\/auth\/(login|logout|session)$/, /^\/api\/(healthz|readyz)$/, /^\/_next\/static\//, /^\/(icon\.svg|favicon\.ico)$/];

export interface EdgeRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  peer: string | undefined;
  encrypted: boolean;
}

export type EdgeDecision =
  | { kind: 'pass'; requestHeaders: Record<string, string>; removeHeaders: string[]; responseHeaders: Record<string, string> }
  | { kind: 'refuse'; status: number; responseHeaders: Record<string, string>; body: string };

function header(h: EdgeRequest['headers'], name: string): string | null {
  const v = h[name];
  return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
}

/** Pure: what to do with one request. */
export function decide(req: EdgeRequest, policy: EdgePolicy): EdgeDecision {
  const trusted = policy.trusted.has(req.peer);
  const removeHeaders = trusted ? [] : [...FORWARDED_HEADERS, ...(policy.proxyUserHeader ? [policy.proxyUserHeader] : [])];
  const get = (name: string) => (removeHeaders.includes(name) ? null : header(req.headers, name));
  const firstForwarded = (name: string) => get(name)?.split(',')[0]?.trim() || undefined;
  const https = req.encrypted || (trusted && firstForwarded('x-forwarded-proto')?.toLowerCase() === 'https');
  const path = (req.url.split('?')[0] || '/').replace(/\/{2,}/g, '/');
  const isApi = path === '/api' || path.startsWith('/api/');
  const base = { ...securityHeaders({ https }) };

  const refuse = (status: number, code: string, message: string, extra: Record<string, string> = {}, field?: string): EdgeDecision => ({
    kind: 'refuse',
    status,
    responseHeaders: { ...base, 'Content-Security-Policy': API_CSP, 'Content-Type': 'application/json', 'Cache-Control': 'no-store', Connection: 'close', ...extra },
    body: JSON.stringify({ error: { code, message, ...(field ? { field } : {}) } }),
  });

  // Browsers resolve "." and ".." before sending; a path that still holds them, or an encoded
  // slash, is someone probing for traversal, and nothing here has such a path.
  if (/(^|\/)(\.|%2e){1,2}(\/|$)|%2f|%5c/i.test(req.url.split('?')[0])) {
    return refuse(400, 'INVALID', 'path: dot segments and encoded slashes are not allowed', {}, 'path');
  }
  const host = (trusted && firstForwarded('x-forwarded-host')) || get('host');
  if (!policy.hosts.allows(host)) {
    return refuse(421, 'FORBIDDEN', `host: ${JSON.stringify((host ?? '').slice(0, 100))} is not one of this Ringside's host names; add it to http.allowedHosts in the config`, {}, 'host');
  }
  const length = Number(get('content-length') ?? 0);
  if (Number.isFinite(length) && length > EDGE_MAX_BODY) return refuse(413, 'TOO_LARGE', `body: larger than ${EDGE_MAX_BODY} bytes`, {}, 'body');
  const method = req.method.toUpperCase();
  const hasBody = length > 0 || get('transfer-encoding') !== null;
  const devTooling = policy.dev && /^\/(_next|__nextjs)/.test(path);
  if (!isApi && !devTooling && method !== 'GET' && method !== 'HEAD') return refuse(405, 'INVALID', `${method.slice(0, 10)} is not allowed on a page`, { Allow: 'GET, HEAD' });

  if (policy.signedIn && !PUBLIC_PATHS.some((p) => p.test(path)) && !policy.signedIn(get)) {
    if (isApi || method !== 'GET') return refuse(401, 'UNAUTHENTICATED', 'sign in to use Ringside (auth.anonymous is none)');
    const next = encodeURIComponent(req.url.startsWith('/') && !req.url.startsWith('//') ? req.url : '/');
    return { kind: 'refuse', status: 303, responseHeaders: { ...base, 'Content-Security-Policy': API_CSP, Location: `/signin?next=${next}`, 'Cache-Control': 'no-store' }, body: '' };
  }

  const requestHeaders: Record<string, string> = { [PEER_HEADER]: req.peer ?? '' };
  const responseHeaders: Record<string, string> = { ...base };
  // A refused or small body should not keep the connection busy draining what was not read.
  if (hasBody) responseHeaders.Connection = 'close';
  if (isApi) {
    responseHeaders['Content-Security-Policy'] = API_CSP;
  } else {
    const nonce = randomBytes(16).toString('base64');
    const csp = contentSecurityPolicy(nonce, policy.dev);
    requestHeaders['content-security-policy'] = csp;
    responseHeaders['Content-Security-Policy'] = csp;
  }
  return { kind: 'pass', requestHeaders, removeHeaders: [...removeHeaders, 'content-security-policy-report-only'], responseHeaders };
}

/** Applies a decision to Node's request and response. */
function apply(req: IncomingMessage, res: ServerResponse, policy: EdgePolicy): boolean {
  // Whatever a client claims in the peer header is never believed.
  delete req.headers[PEER_HEADER];
  delete req.headers['content-security-policy'];
  const d = decide(
    {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      peer: normalizeAddress(req.socket?.remoteAddress),
      encrypted: Boolean((req.socket as { encrypted?: boolean } | undefined)?.encrypted),
    },
    policy,
  );
  if (d.kind === 'refuse') {
    res.writeHead(d.status, { ...d.responseHeaders, 'Content-Length': String(Buffer.byteLength(d.body)) });
    res.end(d.body);
    return false;
  }
  for (const name of d.removeHeaders) delete req.headers[name];
  for (const [k, v] of Object.entries(d.requestHeaders)) req.headers[k] = v;
  for (const [k, v] of Object.entries(d.responseHeaders)) res.setHeader(k, v);
  return true;
}

const INSTALLED = Symbol.for('ringside.edge');
type Patched = { [INSTALLED]?: { policy: EdgePolicy } };

/**
 * Puts the edge in front of every HTTP(S) server of this process (Next's own, which it creates
 * before instrumentation runs and never hands out). Idempotent; a later call replaces the policy.
 */
export function installEdge(policy: EdgePolicy): void {
  for (const proto of [http.Server.prototype, https.Server.prototype] as (typeof http.Server.prototype & Patched)[]) {
    const installed = proto[INSTALLED];
    if (installed) {
      installed.policy = policy;
      continue;
    }
    const state = { policy };
    proto[INSTALLED] = state;
    const emit = proto.emit;
    proto.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
      if (event === 'request') {
        const [req, res] = args as [IncomingMessage, ServerResponse];
        let pass: boolean;
        try {
          pass = apply(req, res, state.policy);
        } catch (e) {
          console.error('[ringside] edge check failed:', e);
          res.writeHead(500, { 'Content-Type': 'application/json', Connection: 'close' });
          res.end(JSON.stringify({ error: { code: 'INTERNAL', message: 'internal error; see the server log' } }));
          pass = false;
        }
        if (!pass) return true;
      }
      return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
    } as typeof proto.emit;
  }
}
