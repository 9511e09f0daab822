import { api } from '@/lib/api/contract';
import { opsOf } from '@/lib/http/ops';
import { route } from '@/lib/http/route';
import { forRequester } from '@/lib/http/server-paths';

/** The running operation (at most one) and the recent ones of this process, newest first. */
export const GET = route(api.operations, ({ req, root, monitor }) => ({
  cluster: monitor.cluster.name,
  operations: forRequester(root, req, opsOf(root).deps.runner.list(monitor.cluster.name)),
}));
