import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import { opsOf, started } from '@/lib/http/ops';

/** Rolling defragmentation, followers first, the leader after handing over: `{ memberIds? }` (default: all). */
export const POST = route(api.defragment, ({ root, principal, monitor, body }) => started(opsOf(root).maintenance.defragment(principal, monitor, body)));
