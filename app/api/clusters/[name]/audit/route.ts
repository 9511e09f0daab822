import { forRequester } from '@/lib/auth/server-paths';
import { RingsideError } from '@/lib/errors';
import { handle, json, parseClusterName } from '@/lib/http/respond';
import { getMonitor } from '@/lib/monitor/registry';
import { getOps } from '@/lib/ops/service';

/** The audit log of one cluster, newest first: `?limit=` (1-1000, default 200). */
export function GET(req: Request, ctx: RouteContext<'/api/clusters/[name]/audit'>) {
  return handle(async () => {
    const cluster = getMonitor(parseClusterName((await ctx.params).name)).cluster.name;
    const raw = new URL(req.url).searchParams.get('limit');
    const limit = raw === null ? 200 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new RingsideError('INVALID', 'limit: expected a whole number from 1 to 1000', 'limit');
    return json({ cluster, entries: forRequester(req, await getOps().audit.query({ cluster, limit })) });
  });
}

export const dynamic = 'force-dynamic';
