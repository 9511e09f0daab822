import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import { opsOf, started } from '@/lib/http/ops';

/** Adds a member as a learner: `{ name, peerURL, clientURL }`. 202 with the operation. */
export const POST = route(api.addLearner, ({ root, principal, monitor, body }) => started(opsOf(root).membership.addLearner(principal, monitor, body)));
