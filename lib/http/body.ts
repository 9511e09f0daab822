import { RingsideError } from '../errors';

/**
 * The one way a request body is read. It stops at `cap` bytes whatever the framing: a
 * Content-Length above the cap is refused before a byte is read, and a chunked body is counted
 * as it arrives and abandoned the moment it passes the cap, so a client cannot make the server
 * hold more than `cap` bytes of one request.
 */
export async function readCapped(req: Request, cap: number): Promise<Buffer> {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > cap) throw tooLarge(cap);
  if (!req.body) return Buffer.alloc(0);
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > cap) throw tooLarge(cap);
      parts.push(value);
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(parts, size);
}

function tooLarge(cap: number): RingsideError {
  return new RingsideError('TOO_LARGE', `body: larger than ${cap} bytes`, 'body');
}

/** Action bodies are small JSON objects; 16 KiB leaves room for any of them. */
export const MAX_ACTION_BODY = 16 * 1024;

/** A JSON object body (an empty body is `{}`). Bad input names what was wrong. */
export async function readJsonObject(req: Request, cap = MAX_ACTION_BODY, expected = 'expected a JSON object'): Promise<Record<string, unknown>> {
  const raw = await readCapped(req, cap);
  const text = utf8(raw);
  if (!text.trim()) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new RingsideError('INVALID', `body: not valid JSON; ${expected}`, 'body');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new RingsideError('INVALID', `body: ${expected}`, 'body');
  return v as Record<string, unknown>;
}

/** A native form POST (`application/x-www-form-urlencoded`) as its fields. */
export async function readForm(req: Request, cap = 4096): Promise<Record<string, string>> {
  return Object.fromEntries(new URLSearchParams(utf8(await readCapped(req, cap))));
}

function utf8(raw: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new RingsideError('INVALID', 'body: not valid UTF-8', 'body');
  }
}
