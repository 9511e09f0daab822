import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import { opsOf } from '@/lib/http/ops';

/** The audit log of one cluster, newest first: `?limit=` (1-1000, default 200). */
export const GET = route(api.audit, async ({ root, monitor, query }) => {
  const cluster = monitor.cluster.name;
  return { cluster, entries: await opsOf(root).deps.audit.query({ cluster, limit: query.limit ? Number(query.limit) : 200 }) };
});
