import { action } from '@/lib/http/action';
import { addLearner } from '@/lib/ops/actions';

/** Adds a member as a learner: `{ name, peerURL, clientURL }`. 202 with the operation. */
export function POST(req: Request, ctx: RouteContext<'/api/clusters/[name]/members'>) {
  return action(req, ctx.params, 'add members', (p, m, body) => addLearner(p, m, body));
}

export const dynamic = 'force-dynamic';
