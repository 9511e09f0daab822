import { api } from '@/lib/api/contract';
import { opsOf, started } from '@/lib/http/ops';
import { route } from '@/lib/http/route';

/** A restore drill of one stored backup: `{ store? }` picks the copy when several stores hold the same ID. */
export const POST = route(api.drill, ({ root, principal, monitor, params, body }) => started(opsOf(root).backups.drillNow(principal, monitor, { backup: params.backup, store: body.store })));
