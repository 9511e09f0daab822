import 'server-only';
import { NextResponse } from 'next/server';
import { clusterNamePattern } from '../config/schema';
import { httpStatus, isRingsideError, quoteInput, RingsideError } from '../errors';

export function json(body: unknown, status = 200): NextResponse {
  return NextResponse.json(body, { status, headers: { 'Cache-Control': 'no-store' } });
}

/** Maps errors to HTTP. Internal messages never leak: an unexpected error is logged and reported as INTERNAL. */
export function errorResponse(e: unknown): NextResponse {
  if (isRingsideError(e)) {
    const res = json({ error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } }, httpStatus[e.code]);
    if (e.retryAfterS !== undefined) res.headers.set('Retry-After', String(Math.max(1, Math.ceil(e.retryAfterS))));
    return res;
  }
  console.error('[ringside] unexpected error in route:', e);
  return json({ error: { code: 'INTERNAL', message: 'internal error; see the server log' } }, 500);
}

/** Runs a route body and turns thrown errors into JSON error responses. */
export async function handle(fn: () => Promise<Response> | Response): Promise<Response> {
  try {
    return await fn();
  } catch (e) {
    return errorResponse(e);
  }
}

/** Validates a `{name}` path segment before anything is looked up. */
export function parseClusterName(raw: string): string {
  if (!clusterNamePattern.test(raw)) {
    throw new RingsideError('INVALID', `name: ${quoteInput(raw)} is not a cluster name (lower-case letters, digits and "-")`, 'name');
  }
  return raw;
}
