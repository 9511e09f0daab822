import 'server-only';
import { dehydrate, type DehydratedState } from '@tanstack/react-query';
import { makeQueryClient } from '../query/make-query-client';
import { accessQuery, clustersQuery, opsKeys, ringKeys } from '../query/keys';
import { summarizeCluster } from '../ring/summary';
import type { RequestHeaders } from '../auth/guard';
import type { Ringside } from '../root';
import { hideServerPaths, serverPathsOf } from '../auth/server-paths';

/**
 * What a page's first paint shows, straight from this process's state (the monitors are in the
 * same process: there is nothing to fetch). The browser's cache starts from it and the stream
 * keeps it live, so no page opens on "Loading...".
 */
export function fleetFirstPaint(root: Ringside): DehydratedState {
  const qc = makeQueryClient();
  qc.setQueryData(clustersQuery().queryKey, [...root.monitors.values()].map((m) => summarizeCluster(m.cluster, m.ring, m.alerts(), m.hashCheck, m.backups)));
  return dehydrate(qc);
}

export function clusterFirstPaint(root: Ringside, name: string, req: RequestHeaders): DehydratedState {
  const qc = makeQueryClient();
  const m = root.monitor(name);
  if (m.ring) qc.setQueryData(ringKeys.ring(name), m.ring);
  qc.setQueryData(ringKeys.events(name), m.recentEvents().reverse());
  if (m.hashCheck) qc.setQueryData(ringKeys.hashkv(name), { ...m.hashCheck, history: [] });
  qc.setQueryData(ringKeys.alerts(name), m.alerts());
  qc.setQueryData(ringKeys.backupStatus(name), m.backups);
  // The backups as last listed (no store is asked while the page renders); paths for operators only.
  const backups = root.ops?.backups.cachedList(m);
  if (backups && root.settings) {
    const operator = root.access.principal(req)?.role === 'operator';
    qc.setQueryData(opsKeys.backups(name), operator ? backups : hideServerPaths(backups, serverPathsOf(root.settings)));
  }
  return dehydrate(qc);
}

/**
 * Who is looking, as the session route would answer (with the server paths for an operator), so
 * everything that depends on it (the sign-in bar, the actions' buttons and their reasons) draws
 * the same on the server and in the browser.
 */
export function accessFirstPaint(root: Ringside, req: RequestHeaders): DehydratedState {
  const qc = makeQueryClient();
  const view = root.access.view(req);
  const operator = (view.user as { role?: string } | null)?.role === 'operator';
  qc.setQueryData(accessQuery().queryKey, { ...view, ...(operator && root.settings ? { paths: serverPathsOf(root.settings) } : {}) } as never);
  return dehydrate(qc);
}
