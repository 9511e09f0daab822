import { forRequester } from '@/lib/auth/server-paths';
import { handle, parseClusterName } from '@/lib/http/respond';
import { ringStream } from '@/lib/http/sse';
import { getMonitor } from '@/lib/monitor/registry';

/** Server-Sent Events: `ring` (the latest state) and `ring-event` (derived events). */
export function GET(req: Request, ctx: RouteContext<'/api/clusters/[name]/stream'>) {
  // The cluster is resolved before the stream opens, so a bad name is a 4xx, not a dying stream.
  return handle(async () => ringStream(getMonitor(parseClusterName((await ctx.params).name)), req.signal, (op) => forRequester(req, op)));
}

export const dynamic = 'force-dynamic';
