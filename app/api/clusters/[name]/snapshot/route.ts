import { requireOperator } from '@/lib/auth/access';
import { RingsideError } from '@/lib/errors';
import { readBody } from '@/lib/http/action';
import { handle, parseClusterName } from '@/lib/http/respond';
import { getMonitor } from '@/lib/monitor/registry';
import { downloadSnapshot } from '@/lib/ops/snapshots';

/**
 * A snapshot as a download, streamed from a healthy follower (or `member`). Takes a native form
 * POST (fields `csrf`, `member`) so the browser saves it to disk as it arrives, or JSON.
 */
export function POST(req: Request, ctx: RouteContext<'/api/clusters/[name]/snapshot'>) {
  return handle(async () => {
    const form = (req.headers.get('content-type') ?? '').includes('application/x-www-form-urlencoded');
    let fields: Record<string, unknown>;
    if (form) {
      const text = await req.text();
      if (text.length > 4096) throw new RingsideError('INVALID', 'body: too large', 'body');
      fields = Object.fromEntries(new URLSearchParams(text));
    } else {
      fields = await readBody(req);
    }
    const principal = await requireOperator(req, { csrf: typeof fields.csrf === 'string' ? fields.csrf : undefined, action: 'take snapshots' });
    const monitor = getMonitor(parseClusterName((await ctx.params).name));
    return downloadSnapshot(principal, monitor, { member: fields.member }, req.signal);
  });
}

export const dynamic = 'force-dynamic';
