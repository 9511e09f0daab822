import 'server-only';
import { requireOperator, type Principal } from '../auth/access';
import type { ClusterMonitor } from '../monitor/cluster-monitor';
import { getMonitor } from '../monitor/registry';
import type { Operation } from '../ops/types';
import { readJsonObject } from './body';
import { handle, json, parseClusterName } from './respond';

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
    const body = await readJsonObject(req);
    const { operation } = await run(principal, monitor, body, ps);
    return json({ operation }, 202);
  });
}
