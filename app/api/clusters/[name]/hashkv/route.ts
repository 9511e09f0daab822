import { handle, json, parseClusterName } from '@/lib/http/respond';
import { getMonitor } from '@/lib/monitor/registry';

/** The latest HashKV agreement check, plus a short history of earlier verdicts. */
export function GET(_req: Request, ctx: RouteContext<'/api/clusters/[name]/hashkv'>) {
  return handle(async () => {
    const monitor = getMonitor(parseClusterName((await ctx.params).name));
    const latest = monitor.hashCheck ?? (await monitor.checkHashes());
    const history = monitor.hashHistory().map((c) => ({ checkedAt: c.checkedAt, revision: c.revision, consistent: c.consistent, summary: c.summary }));
    return json({ ...(latest ?? { revision: null, checkedAt: null, consistent: null, members: [], summary: 'no check yet' }), history });
  });
}
