import type { ClusterConfig } from '../config/types';
import type { AlarmEntry, MemberListEntry, MemberProbe, MemberStatus, MetricsResult, PollResult } from '../etcd/types';
import { toHexId } from '../etcd/ids';
import { pickLeader } from '../ring/derive';
import type { RingState } from '../ring/types';
import type { MemberClientPool } from './client-pool';
import { targetsOf } from './poll';

/**
 * A full poll (status, member list and alarms) at least this often; between full polls, a status
 * poll carries the last membership and alarms over while the members' answers say nothing changed.
 */
export const FULL_POLL_EVERY_MS = 5_000;

/**
 * The status poll: each member's status alone, one call per member instead of the full poll's
 * member list and alarm list on top (for a one-member ring, a third of the calls). Membership and
 * alarms are carried over from the ring state; null when the statuses call for a full poll
 * (see `fullPollReason`), which the monitor then runs.
 */
export async function pollStatus(o: {
  cluster: Pick<ClusterConfig, 'name' | 'endpoints'>;
  pool: MemberClientPool;
  state: RingState;
  seq: number;
  at: number;
  metrics?: Record<string, MetricsResult>;
}): Promise<PollResult | null> {
  const { cluster, state, seq, at } = o;
  const probes = await Promise.all(targetsOf(cluster, state).map((u) => o.pool.get(u).probe()));
  if (fullPollReason(state, probes) !== null) return null;
  return {
    cluster: cluster.name,
    seq,
    at,
    durationMs: Date.now() - at,
    members: state.members.map(listEntryOf),
    probes,
    alarms: state.alarms.map(({ memberId, alarm }) => ({ memberId, alarm })),
    ...(o.metrics ? { metrics: o.metrics } : {}),
  };
}

/**
 * Why these status answers need a full poll (the member list and the alarm list), or null when
 * the last ones still stand. Anything that can come with a membership or alarm change counts: a
 * member that went down or came back, an unknown member answering, a new leader or term, a
 * learner promoted, an alarm raised or cleared (every member's status lists the active alarms),
 * a member added but not started yet. What no status shows (a member added while everything
 * else is steady) waits for the next full poll, FULL_POLL_EVERY_MS at most. Pure.
 */
export function fullPollReason(state: RingState, probes: readonly MemberProbe[]): string | null {
  if (!state.membersKnown || !state.alarmsKnown) return 'membership or alarms unknown';
  if (state.members.some((m) => !m.started)) return 'a member is not started yet';
  const byEndpoint = new Map(probes.map((p) => [p.endpoint, p]));
  const byId = new Map(state.members.map((m) => [m.id, m]));
  for (const m of state.members) {
    const p = m.endpoint ? byEndpoint.get(m.endpoint) : undefined;
    if (p && p.ok !== m.reachable) return `${m.id} ${p.ok ? 'answers again' : 'stopped answering'}`;
  }
  const statuses: MemberStatus[] = [];
  for (const p of probes) {
    if (!p.ok) continue;
    const m = byId.get(p.status.memberId);
    if (!m) return `unknown member ${p.status.memberId} answered`;
    if (m.isLearner !== p.status.isLearner) return `${m.id} is ${p.status.isLearner ? 'a learner' : 'a voter'} now`;
    statuses.push(p.status);
  }
  if (statuses.length === 0) return 'no member answered';
  if (pickLeader(statuses) !== state.leader) return 'the leader changed';
  if (Math.max(...statuses.map((s) => s.raftTerm)) !== state.raftTerm) return 'the raft term changed';
  const said = alarmsInStatus(statuses);
  const held = new Set(state.alarms.map((a) => `${a.memberId}/${a.alarm}`));
  if (said.length !== held.size || said.some((a) => !held.has(`${a.memberId}/${a.alarm}`))) return 'the alarms changed';
  return null;
}

/**
 * The active alarms as the members' statuses list them in `errors` (etcd appends every alarm it
 * holds: "alarm:CORRUPT " for member 0, "memberID:<decimal> alarm:NOSPACE "). Pure.
 */
export function alarmsInStatus(statuses: readonly MemberStatus[]): AlarmEntry[] {
  const seen = new Map<string, AlarmEntry>();
  for (const s of statuses) {
    for (const e of s.errors) {
      const m = /^(?:memberID:(\d+) )?alarm:(NOSPACE|CORRUPT)\s*$/.exec(e);
      if (!m) continue;
      const a: AlarmEntry = { memberId: m[1] ? toHexId(m[1]) : '0', alarm: m[2] as AlarmEntry['alarm'] };
      seen.set(`${a.memberId}/${a.alarm}`, a);
    }
  }
  return [...seen.values()];
}

function listEntryOf(m: RingState['members'][number]): MemberListEntry {
  return { id: m.id, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner };
}
