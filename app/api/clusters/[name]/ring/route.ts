import { RingsideError } from '@/lib/errors';
import { handle, json, parseClusterName } from '@/lib/http/respond';
import { getMonitor } from '@/lib/monitor/registry';

export function GET(_req: Request, ctx: RouteContext<'/api/clusters/[name]/ring'>) {
  return handle(async () => {
    const monitor = getMonitor(parseClusterName((await ctx.params).name));
    const ring = monitor.ring ?? (await monitor.pollNow());
    if (!ring) throw new RingsideError('UNAVAILABLE', 'the first poll has not finished yet');
    return json(ring);
  });
}
