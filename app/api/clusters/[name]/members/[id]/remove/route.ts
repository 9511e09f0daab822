import { action } from '@/lib/http/action';
import { removeMember } from '@/lib/ops/actions';

/** Removes a voter to replace it: `{ confirm: "<member name>" }`. Refused (409) with the reasons when unsafe. */
export function POST(req: Request, ctx: RouteContext<'/api/clusters/[name]/members/[id]/remove'>) {
  return action(req, ctx.params, 'remove members', (p, m, body, params) => removeMember(p, m, { ...body, memberId: params.id }));
}

export const dynamic = 'force-dynamic';
