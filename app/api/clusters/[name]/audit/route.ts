import { api } from '@/lib/api/contract';
import { opsOf } from '@/lib/http/ops';
import { route } from '@/lib/http/route';
import { forRequester } from '@/lib/http/server-paths';

/** The audit log of one cluster, newest first: `?limit=` (1-1000, default 200). Server paths for operators only. */
export const GET = route(api.audit, async ({ req, root, monitor, query }) => {
  const cluster = monitor.cluster.name;
  return { cluster, entries: forRequester(root, req, await opsOf(root).deps.audit.query({ cluster, limit: query.limit ? Number(query.limit) : 200 })) };
});
