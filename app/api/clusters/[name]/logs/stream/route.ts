import { handle, parseClusterName } from '@/lib/http/respond';
import { parseLogQuery } from '@/lib/http/log-query';
import { logStream } from '@/lib/http/sse';
import { getStreamAdmission } from '@/lib/http/stream-admission';
import { lineMatcher } from '@/lib/logs/buffer';
import { getMonitor } from '@/lib/monitor/registry';

/** Server-Sent Events: `log` for each new etcd log line matching the same filters as /logs. */
export function GET(req: Request, ctx: RouteContext<'/api/clusters/[name]/logs/stream'>) {
  return handle(async () => {
    const monitor = getMonitor(parseClusterName((await ctx.params).name));
    const query = parseLogQuery(new URL(req.url).searchParams);
    return logStream(monitor, lineMatcher(query), req, getStreamAdmission());
  });
}

export const dynamic = 'force-dynamic';
