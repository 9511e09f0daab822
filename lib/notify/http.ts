import 'server-only';
import { oneLine } from '../text/markdown';
import { retryAfterMs, verdictOf, type Verdict } from './backoff';

/** `fetch`, injected so tests can stand in for the network. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface PostOutcome {
  verdict: Verdict;
  status: number | null;
  /** Why it failed, secret-free: never the URL's path or query (a Slack URL is its secret). */
  error: string | null;
  retryAfterMs: number | null;
}

/** Enough of an error answer to see why ("invalid label set"), not a page of HTML. */
const SNIPPET_BYTES = 300;

/**
 * One POST with a deadline. Redirects are not followed: a POST turned into a GET would lose the
 * alert while looking delivered. Never throws.
 */
export async function postJson(fetchImpl: FetchLike, url: string, body: string, headers: Record<string, string>, timeoutMs: number, now: () => number): Promise<PostOutcome> {
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Ringside', ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    return { verdict: 'retry', status: null, error: networkError(e, timeoutMs), retryAfterMs: null };
  }
  const verdict = verdictOf(res.status);
  const snippet = await readSnippet(res);
  if (verdict === 'delivered') return { verdict, status: res.status, error: null, retryAfterMs: null };
  return {
    verdict,
    status: res.status,
    error: `HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`,
    retryAfterMs: retryAfterMs(res.headers.get('retry-after'), now()),
  };
}

async function readSnippet(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // a body cut short says nothing more
  } finally {
    // Release the connection without reading a large answer to its end.
    await reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8');
  return oneLine(text.trim()).slice(0, 200);
}

function networkError(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; cause?: { code?: string; name?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `timed out after ${timeoutMs / 1000} s`;
  const code = err?.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect timed out';
  if (code && /CERT|SSL|TLS|SELF_SIGNED/.test(code)) return `TLS failure (${code})`;
  return `network error${code ? ` (${code})` : ''}`;
}
