import { api } from '@/lib/api/contract';
import { capacityOf } from '@/lib/http/ops';
import { route } from '@/lib/http/route';

/**
 * The newest keyspace report (`?source=live|backup`, default the newest of either), its change
 * since the one before, quota, growth and the NOSPACE date per member, and the defragment rules'
 * dry run.
 */
export const GET = route(api.keyspace, async ({ root, monitor, query }) => {
  const capacity = capacityOf(root);
  // Another replica may have scanned since (or this process restarted): the stored reports first.
  await capacity.refresh(monitor.cluster.name);
  return capacity.view(monitor, query.source);
});

/** Starts a keyspace scan now: `{ source: 'live' | 'backup' }`; 409 while one runs on the cluster. */
export const POST = route(api.keyspaceScan, ({ root, principal, monitor, body }) => ({ scan: capacityOf(root).scanNow(monitor, body.source, principal).scan }));
