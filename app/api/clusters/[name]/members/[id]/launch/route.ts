import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import { opsOf, started } from '@/lib/http/ops';

/** Demo rings: the launcher starts the learner with the wizard's instructions. */
export const POST = route(api.launchMember, ({ root, principal, monitor, params }) => started(opsOf(root).membership.launchMember(principal, monitor, { memberId: params.id })));
