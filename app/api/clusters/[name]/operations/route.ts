import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import { opsOf } from '@/lib/http/ops';

/** The running operation (at most one) and the recent ones of this process, newest first. */
export const GET = route(api.operations, ({ root, monitor }) => ({ cluster: monitor.cluster.name, operations: opsOf(root).deps.runner.list(monitor.cluster.name) }));
