import { forRequester } from '@/lib/auth/server-paths';
import { RingsideError } from '@/lib/errors';
import { handle, json, parseClusterName } from '@/lib/http/respond';
import { getMonitor } from '@/lib/monitor/registry';
import { getOps } from '@/lib/ops/service';

/** One operation with its steps; for scripts that follow an action they started. */
export function GET(req: Request, ctx: RouteContext<'/api/clusters/[name]/operations/[id]'>) {
  return handle(async () => {
    const { name, id } = await ctx.params;
    const cluster = getMonitor(parseClusterName(name)).cluster.name;
    const op = getOps().runner.get(cluster, id);
    if (!op) throw new RingsideError('NOT_FOUND', `no operation ${id.slice(0, 40)} on ${cluster} since Ringside started (the audit log has older ones)`);
    return json(forRequester(req, op));
  });
}

export const dynamic = 'force-dynamic';
