import 'server-only';
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { isRingsideError, RingsideError, type ErrorCode } from '../errors';

/**
 * Plain GETs to the Kubernetes API with a KubeConfig's credentials applied by
 * `applyToHTTPSOptions` (bearer token, client certificate, exec and OIDC plugins, CA, proxy).
 * Why not client-node's own clients: its `Log` class pipes the body without reporting a dropped
 * connection, so a follower could not know when to reconnect; and its generated API types say
 * nothing about request timeouts. One small path serves both the pod list and the log stream.
 */

export interface KubeResponse {
  req: ClientRequest;
  res: IncomingMessage;
}

/** The current cluster's server URL, without credentials or a trailing slash; safe to show. */
export function apiServer(kc: KubeConfig): string {
  const server = kc.getCurrentCluster()?.server ?? '';
  try {
    const u = new URL(server);
    return `${u.protocol}//${u.host}${u.pathname}`.replace(/\/+$/, '');
  } catch {
    return server.replace(/\/+$/, '');
  }
}

/**
 * Starts a GET of `pathAndQuery` and resolves once the response headers arrive, whatever the
 * status. Rejects with a RingsideError when the server cannot be reached, TLS fails, or no
 * headers come within `timeoutMs`. Abort through `signal` to stop a long-running stream.
 */
export async function kubeGet(kc: KubeConfig, pathAndQuery: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<KubeResponse> {
  const server = apiServer(kc);
  const options: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json, */*' } };
  try {
    await kc.applyToHTTPSOptions(options);
  } catch (e) {
    throw new RingsideError('INVALID', `kubeconfig credentials for ${server} could not be applied: ${messageOf(e)}`, 'kubeconfig');
  }
  const url = new URL(server + pathAndQuery);
  const send = url.protocol === 'http:' ? http.request : https.request;
  return new Promise<KubeResponse>((resolve, reject) => {
    const req = send(url, { ...options, signal: opts.signal });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on('socket', (socket) => socket.setKeepAlive(true, 30_000)); // notice a vanished API server on a quiet stream
    req.once('response', (res) => {
      clearTimeout(timer);
      resolve({ req, res });
    });
    req.once('error', (e) => {
      clearTimeout(timer);
      reject(networkError(e, server));
    });
    req.end();
  });
}

/** Reads a response body as text, up to `limit` bytes (a runaway body is cut, not buffered). */
export function readBody(res: IncomingMessage, limit = 16 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) res.destroy(new Error(`answer larger than ${limit} bytes`));
      else chunks.push(c);
    });
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
    res.once('aborted', () => reject(new Error('connection closed mid-answer')));
  });
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'INVALID',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  422: 'INVALID',
  429: 'UNAVAILABLE',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'TIMEOUT',
};

const HINT_BY_STATUS: Record<number, string> = {
  401: ' (the kubeconfig credentials were rejected: expired or wrong token or certificate?)',
  403: ' (the kubeconfig user lacks RBAC permission)',
};

/**
 * A non-2xx answer as a RingsideError: the API's own Status message (`pods "etcd-x" not found`,
 * `Unauthorized`), what was being done, and the server. Reads (and so consumes) the body.
 */
export async function statusError(res: IncomingMessage, doing: string, server: string): Promise<RingsideError> {
  const status = res.statusCode ?? 0;
  let detail = '';
  try {
    const body = await readBody(res, 64 * 1024);
    detail = statusMessage(body);
  } catch {
    // the status line alone still says what happened
  }
  const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'UNAVAILABLE' : 'INTERNAL');
  const reason = res.statusMessage ? ` ${res.statusMessage}` : '';
  return new RingsideError(code, `${doing}: Kubernetes API ${server} answered ${status}${reason}${detail ? `: ${detail}` : ''}${HINT_BY_STATUS[status] ?? ''}`);
}

/** The `message` of a v1 Status body, or a short cut of whatever text came. */
function statusMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON
  }
  return body.trim().split('\n')[0].slice(0, 200);
}

/** A failure below HTTP (refused, DNS, TLS, timeout) as a RingsideError. */
export function networkError(e: unknown, server: string): RingsideError {
  if (isRingsideError(e)) return e;
  const msg = messageOf(e);
  if (/no answer within/.test(msg)) return new RingsideError('TIMEOUT', `Kubernetes API ${server}: ${msg}`);
  if (/certificate|self[- ]signed|SSL|TLS|handshake/i.test(msg)) return new RingsideError('UNAVAILABLE', `Kubernetes API ${server}: TLS failure: ${msg}`);
  return new RingsideError('UNAVAILABLE', `cannot reach Kubernetes API ${server}: ${msg}`);
}

export function messageOf(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 300);
}
