import { action } from '@/lib/http/action';
import { moveLeader } from '@/lib/ops/actions';

/** Moves leadership to a healthy voter: `{ to: "<member id>" }`. */
export function POST(req: Request, ctx: RouteContext<'/api/clusters/[name]/move-leader'>) {
  return action(req, ctx.params, 'move the leader', (p, m, body) => moveLeader(p, m, body));
}

export const dynamic = 'force-dynamic';
