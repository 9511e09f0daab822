import { RingsideError } from '@/lib/errors';
import { handle, json } from '@/lib/http/respond';
import { parseTimelineQuery } from '@/lib/http/timeline-query';
import { getRegistry } from '@/lib/monitor/registry';
import { collapseRepeats } from '@/lib/timeline/collapse';
import { getTimeline } from '@/lib/timeline/service';

/**
 * The incident timeline across clusters, oldest first: ring events, alerts firing and resolving,
 * HashKV verdict changes, corruption evidence, alarm and check log lines, operator actions. Stored
 * on disk, so it survives a restart. `?cluster=&member=&kind=&from=&to=|last=&limit=&collapse=`.
 * `total` counts the events that matched, before collapsing and `limit`.
 */
export function GET(req: Request) {
  return handle(() => {
    const q = parseTimelineQuery(new URL(req.url).searchParams);
    const known = getRegistry().monitors;
    for (const c of q.clusters ?? []) if (!known.has(c)) throw new RingsideError('NOT_FOUND', `no cluster named "${c.slice(0, 80)}" is configured`);
    const store = getTimeline();
    // Collapsing comes before the limit, so a down member's check failures every 5 s can never
    // push the member-down event itself out of the answer.
    const { entries: matched, total } = store ? store.query(q.collapse ? { ...q, limit: Infinity } : q) : { entries: [], total: 0 };
    const entries = q.collapse ? collapseRepeats(matched).slice(-q.limit) : matched;
    return json({ from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString(), total, entries });
  });
}

export const dynamic = 'force-dynamic';
