import { api } from '@/lib/api/contract';
import { RingsideError } from '@/lib/errors';
import { route } from '@/lib/http/route';
import { opsOf } from '@/lib/http/ops';

/** One operation with its steps; for scripts that follow an action they started. */
export const GET = route(api.operation, ({ root, monitor, params }) => {
  const cluster = monitor.cluster.name;
  const op = opsOf(root).deps.runner.get(cluster, params.id);
  if (!op) throw new RingsideError('NOT_FOUND', `no operation ${params.id} on ${cluster} since Ringside started (the audit log has older ones)`);
  return op;
});
