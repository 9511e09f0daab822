import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import { opsOf, started } from '@/lib/http/ops';

/** Moves leadership to a healthy voter: `{ to: "<member id>" }`. */
export const POST = route(api.moveLeader, ({ root, principal, monitor, body }) => started(opsOf(root).maintenance.moveLeader(principal, monitor, body)));
