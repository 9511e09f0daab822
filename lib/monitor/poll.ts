import 'server-only';
import type { ClusterConfig } from '../config/types';
import type { MemberClient } from '../etcd/client';
import type { AlarmEntry, MemberListEntry, MetricsResult, PollResult } from '../etcd/types';
import { ringClusterId } from '../ring/derive';
import type { RingState } from '../ring/types';
import type { MemberClientPool } from './client-pool';

/**
 * One full poll of a cluster, the network part: status from every member in parallel; membership
 * and alarms from the leader (or any member that answers). `metrics`: the latest /metrics scrape
 * (taken on its own schedule), carried into the result.
 */
export async function pollCluster(o: {
  cluster: ClusterConfig;
  pool: MemberClientPool;
  state: RingState | null;
  seq: number;
  at: number;
  metrics?: Record<string, MetricsResult>;
}): Promise<PollResult> {
  const { cluster, pool, state, seq, at } = o;
  const targets = targetsOf(cluster, state).map((u) => pool.get(u));
  const preferred = preferredClient(state, targets);

  const [probes, first] = await Promise.all([
    Promise.all(targets.map((c) => c.probe())),
    preferred ? Promise.allSettled([preferred.memberList(), preferred.alarms()]) : null,
  ]);
  const metrics = o.metrics;

  let members: MemberListEntry[] | null = first?.[0].status === 'fulfilled' ? first[0].value : null;
  let alarms: AlarmEntry[] | null = first?.[1].status === 'fulfilled' ? first[1].value : null;
  let membersFrom = members ? preferred?.endpoint : undefined;

  // Only members of the ring's cluster speak for it: after a restore, an old member left running
  // answers with the old cluster's membership.
  const ring = ringClusterId(probes.flatMap((p) => (p.ok ? [p.status] : [])), state?.clusterId ?? null);
  const inRing = (i: number) => probes[i].ok && (probes[i] as { status: { clusterId: string } }).status.clusterId === ring;
  const preferredIndex = preferred ? targets.indexOf(preferred) : -1;
  if (preferred && preferredIndex >= 0 && probes[preferredIndex].ok && !inRing(preferredIndex)) {
    members = null;
    alarms = null;
    membersFrom = undefined;
  }
  // A learner answers only Status and serializable reads (v3rpc isRPCSupportedForLearner, 3.4-3.6):
  // the member list and the alarms come from voters.
  const answered = targets.filter((c, i) => inRing(i) && !(probes[i] as { status: { isLearner: boolean } }).status.isLearner && c !== preferred);
  if (members === null && answered.length) {
    const got = await Promise.any(answered.map((c) => c.memberList().then((list) => ({ list, from: c.endpoint })))).catch(() => null);
    members = got?.list ?? null;
    membersFrom = got?.from;
  }
  // The alarm list goes through raft; a timeout on the preferred member means no quorum, and
  // asking the others would only wait another deadline for the same answer.
  const alarmTimedOut = first?.[1].status === 'rejected' && /deadline/i.test(String(first[1].reason));
  if (alarms === null && !alarmTimedOut && answered.length) {
    alarms = await Promise.any(answered.map((c) => c.alarms())).catch(() => null);
  }

  // Members the list revealed that were not probed (first poll, or just added): probe them now,
  // so a newly discovered member is never reported down and then "up" a second later.
  if (members) {
    const probed = new Set(targets.map((c) => c.endpoint));
    const answeredIds = new Set(probes.flatMap((p) => (p.ok ? [p.status.memberId] : [])));
    const fresh = members
      .filter((m) => m.clientURLs.length > 0 && !answeredIds.has(m.id) && !m.clientURLs.some((u) => probed.has(u)))
      .map((m) => pool.get(m.clientURLs[0]));
    if (fresh.length) probes.push(...(await Promise.all(fresh.map((c) => c.probe()))));
  }

  return { cluster: cluster.name, seq, at, durationMs: Date.now() - at, members, ...(membersFrom ? { membersFrom } : {}), probes, alarms, ...(metrics ? { metrics } : {}) };
}

/**
 * Endpoints to probe: one per known member (its first client URL, or the configured endpoint
 * that names it), plus the configured endpoints while membership is not known yet. Pure.
 */
export function targetsOf(cluster: Pick<ClusterConfig, 'endpoints'>, state: RingState | null): string[] {
  const urls = new Set<string>();
  const seeds = cluster.endpoints;
  const members = state?.members ?? [];
  for (const m of members) {
    if (m.clientURLs.length === 0) continue;
    urls.add(m.clientURLs.find((u) => seeds.includes(u)) ?? m.clientURLs[0]);
  }
  if (!state?.membersKnown || members.every((m) => !m.reachable)) {
    for (const s of seeds) urls.add(s);
  }
  return [...urls];
}

/** The leader answers membership fastest and is most likely current; else any voter that answered last time. */
function preferredClient(state: RingState | null, targets: MemberClient[]): MemberClient | undefined {
  const members = state?.members ?? [];
  const leader = members.find((m) => m.isLeader && m.endpoint);
  const alive = members.find((m) => m.reachable && m.endpoint && !m.isLearner);
  const endpoint = leader?.endpoint ?? alive?.endpoint;
  return targets.find((c) => c.endpoint === endpoint) ?? targets[0];
}
