import { action } from '@/lib/http/action';
import { launchMember } from '@/lib/ops/actions';

/** Demo rings: the launcher starts the learner with the wizard's instructions. */
export function POST(req: Request, ctx: RouteContext<'/api/clusters/[name]/members/[id]/launch'>) {
  return action(req, ctx.params, 'start members', (p, m, body, params) => launchMember(p, m, { ...body, memberId: params.id }));
}

export const dynamic = 'force-dynamic';
