import { api } from '@/lib/api/contract';
import { parseLogQuery } from '@/lib/http/log-query';
import { route } from '@/lib/http/route';

/** Recent etcd log lines, oldest first, filterable by member, category and text. */
export const GET = route(api.logs, ({ monitor, query }) => {
  const logs = monitor.logs;
  return {
    cluster: monitor.cluster.name,
    sources: logs?.sources ?? [],
    lines: logs?.query(parseLogQuery(query)) ?? [],
    audits: logs?.corruptionAudits() ?? [],
    kubernetes: logs?.podStatus() ?? { pods: [], error: null },
  };
});
