/** The one error type of Ringside. Route handlers map `code` to HTTP; `message` is safe to show. */
export type ErrorCode =
  | 'UNAVAILABLE'
  | 'TIMEOUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'INVALID'
  | 'CONFLICT'
  | 'UNSAFE'
  | 'TOO_LARGE'
  | 'RATE_LIMITED'
  | 'INTERNAL';

export const httpStatus: Record<ErrorCode, number> = {
  UNAVAILABLE: 503,
  TIMEOUT: 504,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INVALID: 400,
  CONFLICT: 409,
  UNSAFE: 409,
  TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};

/**
 * Marks Ringside errors across module graphs: Next loads instrumentation and each route as
 * separate graphs, each with its own copy of this class, so `instanceof` alone misses an error
 * thrown by an object the instrumentation graph built.
 */
const BRAND = Symbol.for('ringside.error');

export class RingsideError extends Error {
  readonly [BRAND] = true;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The input field at fault, for INVALID. */
    readonly field?: string,
    /** RATE_LIMITED: how long to wait, in seconds (the Retry-After header). */
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = 'RingsideError';
  }
}

export function isRingsideError(e: unknown): e is RingsideError {
  return e instanceof RingsideError || (typeof e === 'object' && e !== null && (e as { [BRAND]?: unknown })[BRAND] === true);
}

/**
 * A client's value quoted in a message: bounded, so a 3,000-character parameter is not echoed
 * back whole, and JSON-quoted, so control characters show as escapes.
 */
export function quoteInput(value: string, max = 60): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}
