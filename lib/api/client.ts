/**
 * The browser's side of the API contract: typed calls by endpoint name, built from the
 * contract's generated endpoint list (lib/api/endpoints.gen.ts) and its types, so no component
 * spells a path, a query string or the CSRF header. Errors come back as ApiError with the
 * server's own message and field.
 */
import type { Api, BodyOf, ParamsOf, QueryOf, ReplyOf } from './contract';
import { endpoints } from './endpoints.gen';
import { pathOf, queryString } from './paths';

export type EndpointName = keyof Api;

/** The header a cookie session sends its CSRF token in (scripts with a bearer token need none). */
export const CSRF_HEADER = 'x-ringside-csrf';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface CallInput<E extends Api[EndpointName]> {
  params?: ParamsOf<E>;
  query?: Partial<Record<keyof QueryOf<E> & string, string | number | undefined>>;
  body?: BodyOf<E>;
  /** The session's CSRF token, for actions. */
  csrf?: string;
  signal?: AbortSignal;
}

/** The URL of an endpoint, for links, forms and EventSource. */
export function urlOf<N extends EndpointName>(name: N, input: Pick<CallInput<Api[N]>, 'params' | 'query'> = {}): string {
  return `${pathOf(endpoints[name], input.params as Record<string, string> | undefined)}${queryString(input.query as Record<string, string | number | undefined> | undefined)}`;
}

/** Calls an endpoint by name and returns its typed answer, or throws ApiError. */
export async function call<N extends EndpointName>(name: N, input: CallInput<Api[N]> = {}): Promise<ReplyOf<Api[N]>> {
  const e = endpoints[name];
  const url = urlOf(name, input);
  const res = await fetch(url, {
    method: e.method,
    cache: 'no-store',
    signal: input.signal,
    ...(e.method === 'POST'
      ? { headers: { 'content-type': 'application/json', ...(input.csrf ? { [CSRF_HEADER]: input.csrf } : {}) }, body: JSON.stringify(input.body ?? {}) }
      : {}),
  });
  if (!res.ok) throw await apiError(res, url);
  return (await res.json()) as ReplyOf<Api[N]>;
}

/** The server's error (code, message, field) from a failed response. */
export async function apiError(res: Response, url: string): Promise<ApiError> {
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string; field?: string } } | null;
  return new ApiError(res.status, body?.error?.message ?? `${url} answered ${res.status}`, body?.error?.code, body?.error?.field);
}
