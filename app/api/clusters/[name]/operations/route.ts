import { forRequester } from '@/lib/auth/server-paths';
import { handle, json, parseClusterName } from '@/lib/http/respond';
import { getMonitor } from '@/lib/monitor/registry';
import { getOps } from '@/lib/ops/service';

/** The running operation (at most one) and the recent ones of this process, newest first. */
export function GET(req: Request, ctx: RouteContext<'/api/clusters/[name]/operations'>) {
  return handle(async () => {
    const cluster = getMonitor(parseClusterName((await ctx.params).name)).cluster.name;
    return json({ cluster, operations: forRequester(req, getOps().runner.list(cluster)) });
  });
}

export const dynamic = 'force-dynamic';
