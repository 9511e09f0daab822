import { api } from '@/lib/api/contract';
import { RingsideError } from '@/lib/errors';
import { opsOf } from '@/lib/http/ops';
import { route } from '@/lib/http/route';
import { forRequester } from '@/lib/http/server-paths';

/** One operation with its steps; for scripts that follow an action they started. */
export const GET = route(api.operation, ({ req, root, monitor, params }) => {
  const cluster = monitor.cluster.name;
  const op = opsOf(root).deps.runner.get(cluster, params.id);
  if (!op) throw new RingsideError('NOT_FOUND', `no operation ${params.id} on ${cluster} since Ringside started (the audit log has older ones)`);
  return forRequester(root, req, op);
});
