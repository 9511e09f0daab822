import 'server-only';
import { dehydrate, type DehydratedState } from '@tanstack/react-query';
import { certificatesView } from '../certs/view';
import { DELIVERY_OFF } from '../notify/delivery';
import { makeQueryClient } from '../query/make-query-client';
import * as z from 'zod/mini';
import { api } from '../api/contract';
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
  if (root.settings) qc.setQueryData(ringKeys.certificates(name), certificatesView(name, m.certificates, root.settings.certificates, Date.now()));
  qc.setQueryData(ringKeys.backupStatus(name), m.backups);
  // The backups as last listed (no store is asked while the page renders); paths for operators only.
  const backups = root.ops?.backups.cachedList(m);
  if (backups && root.settings) {
    const operator = root.access.principal(req)?.role === 'operator';
    qc.setQueryData(opsKeys.backups(name), operator ? backups : hideServerPaths(backups, serverPathsOf(root.settings)));
  }
  return dehydrate(qc);
}

/** The Notifications page: every receiver's state and the delivery lines of the audit log. */
export async function notificationsFirstPaint(root: Ringside): Promise<DehydratedState> {
  const qc = makeQueryClient();
  qc.setQueryData(ringKeys.notifications(), { ...(root.delivery?.view() ?? DELIVERY_OFF), recent: (await root.delivery?.recent()) ?? [] });
  return dehydrate(qc);
}

/**
 * The upgrade page's first paint: the ring, and the plan for `to` when it is a version (a bad one
 * is left to the page's own query, which shows the API's message naming the field).
 */
export async function upgradeFirstPaint(root: Ringside, name: string, to: string | null): Promise<DehydratedState> {
  const qc = makeQueryClient();
  const m = root.monitor(name);
  if (m.ring) qc.setQueryData(ringKeys.ring(name), m.ring);
  if (to && root.ops && z.safeParse(api.upgrade.query, { to }).success) {
    const plan = await root.ops.upgrades.planOf(m, to).catch(() => null);
    if (plan) qc.setQueryData(opsKeys.upgrade(name, to), plan);
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
