import { handle, json, parseClusterName } from '@/lib/http/respond';
import { parseLogQuery } from '@/lib/http/log-query';
import { getMonitor } from '@/lib/monitor/registry';

/** Recent etcd log lines, oldest first, filterable by member, category and text. */
export function GET(req: Request, ctx: RouteContext<'/api/clusters/[name]/logs'>) {
  return handle(async () => {
    const monitor = getMonitor(parseClusterName((await ctx.params).name));
    const query = parseLogQuery(new URL(req.url).searchParams);
    const logs = monitor.logs;
    return json({
      cluster: monitor.cluster.name,
      sources: logs?.sources ?? [],
      lines: logs?.query(query) ?? [],
      audits: logs?.corruptionAudits() ?? [],
      kubernetes: logs?.podStatus() ?? { pods: [], error: null },
    });
  });
}
