import 'server-only';
import { requireOperator, type Principal } from '../auth/access';
import { RingsideError } from '../errors';
import type { ClusterMonitor } from '../monitor/cluster-monitor';
import { getMonitor } from '../monitor/registry';
import type { Operation } from '../ops/types';
import { handle, json, parseClusterName } from './respond';

const MAX_BODY = 16 * 1024;

/** A JSON object body of at most 16 KB; an empty body is `{}`. Bad input names what was wrong. */
export async function readBody(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (text.length > MAX_BODY) throw new RingsideError('INVALID', `body: larger than ${MAX_BODY} bytes`, 'body');
  if (!text.trim()) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new RingsideError('INVALID', 'body: not valid JSON', 'body');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new RingsideError('INVALID', 'body: expected a JSON object', 'body');
  return v as Record<string, unknown>;
}

type Params = Promise<Record<string, string | string[]>>;

/**
 * Every mutating route goes through here: the operator first (401/403/404 before anything is
 * read), then the cluster, then the body; the action answers 202 with the operation it started.
 */
export function action(
  req: Request,
  params: Params,
  what: string,
  run: (p: Principal, monitor: ClusterMonitor, body: Record<string, unknown>, params: Record<string, string | string[]>) => Promise<{ operation: Operation }>,
): Promise<Response> {
  return handle(async () => {
    const principal = await requireOperator(req, { action: what });
    const ps = await params;
    const monitor = getMonitor(parseClusterName(String(ps.name)));
    const body = await readBody(req);
    const { operation } = await run(principal, monitor, body, ps);
    return json({ operation }, 202);
  });
}
