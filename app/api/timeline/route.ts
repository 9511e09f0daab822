import { api } from '@/lib/api/contract';
import { RingsideError } from '@/lib/errors';
import { route } from '@/lib/http/route';
import { parseTimelineQuery } from '@/lib/http/timeline-query';
import { collapseRepeats } from '@/lib/model/timeline-collapse';

/**
 * The incident timeline across clusters, oldest first: ring events, alerts firing and resolving,
 * HashKV verdict changes, corruption evidence, alarm and check log lines, operator actions. Stored
 * on disk, so it survives a restart. `?cluster=&member=&kind=&from=&to=|last=&limit=&collapse=`.
 * `total` counts the events that matched, before collapsing and `limit`.
 */
export const GET = route(api.timeline, ({ root, query }) => {
  const q = parseTimelineQuery(query);
  for (const c of q.clusters ?? []) if (!root.monitors.has(c)) throw new RingsideError('NOT_FOUND', `no cluster named "${c.slice(0, 80)}" is configured`);
  // Collapsing comes before the limit, so a down member's check failures every 5 s can never
  // push the member-down event itself out of the answer.
  const { entries: matched, total } = root.timeline ? root.timeline.query(q.collapse ? { ...q, limit: Infinity } : q) : { entries: [], total: 0 };
  const entries = q.collapse ? collapseRepeats(matched).slice(-q.limit) : matched;
  return { from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString(), total, entries };
});
