import { action } from '@/lib/http/action';
import { promoteMember } from '@/lib/ops/actions';

/** Promotes a learner, retrying while it catches up, then verifies health and HashKV. */
export function POST(req: Request, ctx: RouteContext<'/api/clusters/[name]/members/[id]/promote'>) {
  return action(req, ctx.params, 'promote learners', (p, m, body, params) => promoteMember(p, m, { ...body, memberId: params.id }));
}

export const dynamic = 'force-dynamic';
