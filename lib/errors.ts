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
  INTERNAL: 500,
};

export class RingsideError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The input field at fault, for INVALID. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'RingsideError';
  }
}

export function isRingsideError(e: unknown): e is RingsideError {
  return e instanceof RingsideError;
}
