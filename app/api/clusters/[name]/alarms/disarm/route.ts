import { action } from '@/lib/http/action';
import { disarmAlarm } from '@/lib/ops/actions';

/** `{ alarm: "NOSPACE" | "CORRUPT", confirm: "<cluster name>" }`: NOSPACE after compaction and defrag, CORRUPT once hashes agree. */
export function POST(req: Request, ctx: RouteContext<'/api/clusters/[name]/alarms/disarm'>) {
  return action(req, ctx.params, 'disarm alarms', (p, m, body) => disarmAlarm(p, m, body));
}

export const dynamic = 'force-dynamic';
