import 'server-only';
import { dehydrate, type DehydratedState } from '@tanstack/react-query';
import { makeQueryClient } from '../query/make-query-client';
import { clustersQuery, ringKeys } from '../query/keys';
import { summarizeCluster } from '../ring/summary';
import type { Ringside } from '../root';

/**
 * What a page's first paint shows, straight from this process's state (the monitors are in the
 * same process: there is nothing to fetch). The browser's cache starts from it and the stream
 * keeps it live, so no page opens on "Loading...".
 */
export function fleetFirstPaint(root: Ringside): DehydratedState {
  const qc = makeQueryClient();
  qc.setQueryData(clustersQuery().queryKey, [...root.monitors.values()].map((m) => summarizeCluster(m.cluster, m.ring, m.alerts(), m.hashCheck)));
  return dehydrate(qc);
}

export function clusterFirstPaint(root: Ringside, name: string): DehydratedState {
  const qc = makeQueryClient();
  const m = root.monitor(name);
  if (m.ring) qc.setQueryData(ringKeys.ring(name), m.ring);
  qc.setQueryData(ringKeys.events(name), m.recentEvents().reverse());
  if (m.hashCheck) qc.setQueryData(ringKeys.hashkv(name), { ...m.hashCheck, history: [] });
  qc.setQueryData(ringKeys.alerts(name), m.alerts());
  return dehydrate(qc);
}
