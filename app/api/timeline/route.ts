import { api } from '@/lib/api/contract';
import { RingsideError } from '@/lib/errors';
import { route } from '@/lib/http/route';
import { parseTimelineQuery } from '@/lib/http/timeline-query';

/**
 * The incident timeline across clusters, oldest first: ring events, alerts firing and resolving,
 * HashKV verdict changes, corruption and alarm log lines, operator actions. Stored on disk, so it
 * survives a restart. `?cluster=&member=&kind=&from=&to=|last=&limit=`.
 */
export const GET = route(api.timeline, ({ root, query }) => {
  const q = parseTimelineQuery(query);
  for (const c of q.clusters ?? []) if (!root.monitors.has(c)) throw new RingsideError('NOT_FOUND', `no cluster named "${c.slice(0, 80)}" is configured`);
  const { entries, total } = root.timeline ? root.timeline.query(q) : { entries: [], total: 0 };
  return { from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString(), total, entries };
});
