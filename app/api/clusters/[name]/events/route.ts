import { handle, json, parseClusterName } from '@/lib/http/respond';
import { getMonitor } from '@/lib/monitor/registry';

/** Recent derived ring events, newest first. */
export function GET(_req: Request, ctx: RouteContext<'/api/clusters/[name]/events'>) {
  return handle(async () => {
    const monitor = getMonitor(parseClusterName((await ctx.params).name));
    return json({ cluster: monitor.cluster.name, events: monitor.recentEvents().reverse() });
  });
}
