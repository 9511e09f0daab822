import { handle, json, parseClusterName } from '@/lib/http/respond';
import { getMonitor } from '@/lib/monitor/registry';
import { replacementOf } from '@/lib/ops/actions';

/** Where a member replacement stands, from etcd's membership and the audit log: `?member=<id>` picks the member to replace. */
export function GET(req: Request, ctx: RouteContext<'/api/clusters/[name]/replacement'>) {
  return handle(async () => {
    const monitor = getMonitor(parseClusterName((await ctx.params).name));
    return json(await replacementOf(monitor, new URL(req.url).searchParams.get('member')));
  });
}

export const dynamic = 'force-dynamic';
