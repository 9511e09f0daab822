import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import { opsOf, started } from '@/lib/http/ops';

/** Promotes a learner, retrying while it catches up, then verifies health and HashKV. */
export const POST = route(api.promoteMember, ({ root, principal, monitor, params }) => started(opsOf(root).membership.promoteMember(principal, monitor, { memberId: params.id })));
