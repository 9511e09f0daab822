import { action } from '@/lib/http/action';
import { defragment } from '@/lib/ops/actions';

/** Rolling defragmentation, followers first, the leader after handing over: `{ memberIds? }` (default: all). */
export function POST(req: Request, ctx: RouteContext<'/api/clusters/[name]/defragment'>) {
  return action(req, ctx.params, 'defragment members', (p, m, body) => defragment(p, m, body));
}

export const dynamic = 'force-dynamic';
