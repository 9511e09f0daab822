import 'server-only';
import type * as z from 'zod/mini';
import { type BodyOf, type Endpoint, type ParamsOf, type QueryOf, type ReplyOf } from '../api/contract';
import type { Principal } from '../auth/guard';
import type { ClusterMonitor } from '../monitor/cluster-monitor';
import { ringside, type Ringside } from '../root';
import { readForm, readJsonObject } from './body';
import { handle, json } from './respond';
import { queryObject, validate } from './validate';

export interface RouteInput<E extends Endpoint> {
  req: Request;
  root: Ringside;
  params: ParamsOf<E>;
  query: QueryOf<E>;
  body: BodyOf<E>;
  /** The cluster named by `[name]`, when the path has one. */
  monitor: E['params'] extends z.ZodMiniObject<infer Shape> ? ('name' extends keyof Shape ? ClusterMonitor : undefined) : undefined;
  /** The operator, for actions. */
  principal: E extends { action: string } ? Principal : undefined;
}

type NextContext = { params?: Promise<Record<string, string | string[]>> };

/**
 * A route handler built around its contract entry. In order: for actions, the operator (401, 403,
 * 404 on a read-only deployment) before a byte of the body is read; the path parameters and the
 * cluster (400, 404); the query and the body (400 naming the field); then `handler`. A plain
 * value answers as JSON with the endpoint's status; a Response (a stream, a download) as is.
 */
export function route<E extends Endpoint>(endpoint: E, handler: (input: RouteInput<E>) => Promise<ReplyOf<E> | Response> | ReplyOf<E> | Response) {
  return (req: Request, ctx?: NextContext): Promise<Response> =>
    handle(async () => {
      const root = ringside();
      const form = Boolean(endpoint.form) && (req.headers.get('content-type') ?? '').includes('application/x-www-form-urlencoded');
      let raw: Record<string, unknown> | undefined;
      const readBody = async () => (raw ??= form ? await readForm(req, endpoint.maxBody) : await readJsonObject(req, endpoint.maxBody));
      const principal = endpoint.action
        ? await root.access.requireOperator(req, {
            action: endpoint.action,
            ...(form ? { csrfFromBody: async () => (await readBody()).csrf as string | undefined } : {}),
          })
        : undefined;
      const params = validate(endpoint.params, await (ctx?.params ?? {}), 'path') as ParamsOf<E>;
      const monitor = typeof (params as { name?: unknown }).name === 'string' ? root.monitor((params as { name: string }).name) : undefined;
      const query = validate(endpoint.query, queryObject(req.url), 'query') as QueryOf<E>;
      const body = (endpoint.body ? validate(endpoint.body, await readBody(), 'body') : undefined) as BodyOf<E>;
      const result = await handler({ req, root, params, query, body, monitor, principal } as RouteInput<E>);
      return result instanceof Response ? result : json(result, endpoint.status ?? 200);
    });
}
