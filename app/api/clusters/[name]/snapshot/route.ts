import { requireOperator } from '@/lib/auth/access';
import { readForm, readJsonObject } from '@/lib/http/body';
import { handle, parseClusterName } from '@/lib/http/respond';
import { getMonitor } from '@/lib/monitor/registry';
import { downloadSnapshot } from '@/lib/ops/snapshots';

/**
 * A snapshot as a download, streamed from a healthy follower (or `member`). Takes a native form
 * POST (fields `csrf`, `member`) so the browser saves it to disk as it arrives, or JSON. Nobody
 * gets a byte of their body read before they are known to be an operator.
 */
export function POST(req: Request, ctx: RouteContext<'/api/clusters/[name]/snapshot'>) {
  return handle(async () => {
    const form = (req.headers.get('content-type') ?? '').includes('application/x-www-form-urlencoded');
    let fields: Record<string, unknown> | undefined;
    const readFields = async () => (fields ??= form ? await readForm(req) : await readJsonObject(req));
    const principal = await requireOperator(req, {
      csrfFromBody: form ? async () => ((await readFields()).csrf as string | undefined) : undefined,
      action: 'take snapshots',
    });
    const monitor = getMonitor(parseClusterName((await ctx.params).name));
    return downloadSnapshot(principal, monitor, { member: (await readFields()).member }, req.signal);
  });
}

export const dynamic = 'force-dynamic';
