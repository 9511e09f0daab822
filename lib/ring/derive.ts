import type { AlarmEntry, MemberListEntry, MemberProbe, MemberStatus, PollResult } from '../etcd/types';
import { memberLabel } from '../model/labels';
import { versionAdvisories } from './advisories';
import type { MemberState, Quorum, RingHealth, RingState, RingWarning } from './types';

export interface DeriveContext {
  bootId: string;
  pollIntervalMs: number;
}

/** Majority of `voters`: 2 of 3, 3 of 5, 1 of 1. */
export function quorumNeeded(voters: number): number {
  return Math.floor(voters / 2) + 1;
}


/** How long the page says the cluster ID changed (a restore) after Ringside saw it. */
const CLUSTER_ID_CHANGE_MS = 3_600_000;

/**
 * The ring's cluster ID among what members answer: the one most of them report. A tie (one old
 * member left running beside one restored member) keeps the ID Ringside knew, else the side
 * that has a leader, else the lowest ID, so the choice never flips between polls.
 */
export function ringClusterId(statuses: readonly Pick<MemberStatus, 'clusterId' | 'leader'>[], known: string | null): string | null {
  const count = new Map<string, { n: number; led: boolean }>();
  for (const s of statuses) {
    const c = count.get(s.clusterId) ?? { n: 0, led: false };
    count.set(s.clusterId, { n: c.n + 1, led: c.led || s.leader !== '0' });
  }
  const ranked = [...count.entries()].sort(
    ([a, x], [b, y]) => y.n - x.n || Number(b === known) - Number(a === known) || Number(y.led) - Number(x.led) || a.localeCompare(b),
  );
  return ranked[0]?.[0] ?? known;
}

/**
 * Derives the ring state from one poll and the state before it. Pure: the previous state only
 * supplies what this poll could not learn (membership and alarms when nobody answered, lastSeen).
 *
 * Members that answer with another cluster ID than the ring's are never mixed into it: a member
 * listed at such an endpoint is shown split (not reachable, with why), and every such endpoint is
 * listed in `splits`. When the ring's cluster ID itself changes (the same endpoints now serve a
 * restored cluster), the state says so and the old membership is not carried over.
 */
export function deriveRing(poll: PollResult, prev: RingState | null, ctx: DeriveContext): RingState {
  const at = new Date(poll.at).toISOString();
  const answeredAll = poll.probes.filter((p): p is Extract<MemberProbe, { ok: true }> => p.ok);
  const clusterId = ringClusterId(
    answeredAll.map((p) => p.status),
    prev?.clusterId ?? null,
  );
  const answered = answeredAll.filter((p) => p.status.clusterId === clusterId);
  const foreign = new Map(answeredAll.filter((p) => p.status.clusterId !== clusterId).map((p) => [p.endpoint, p.status]));
  const byMemberId = new Map<string, Extract<MemberProbe, { ok: true }>>();
  for (const p of answered) byMemberId.set(p.status.memberId, p);
  const failedByEndpoint = new Map(poll.probes.filter((p) => !p.ok).map((p) => [p.endpoint, p]));

  const changed = prev?.clusterId != null && clusterId !== null && clusterId !== prev.clusterId;
  // A list from a member of another cluster is that cluster's membership, not the ring's.
  const listIsRings = poll.members !== null && (!poll.membersFrom || !foreign.has(poll.membersFrom));
  const membersKnown = listIsRings;
  const carried = changed ? null : prev?.members.map(toListEntry);
  const list: MemberListEntry[] = (listIsRings ? poll.members : null) ?? carried ?? membersFromProbes(answered);
  const prevById = new Map(prev?.members.map((m) => [m.id, m]));

  const leader = pickLeader(answered.map((p) => p.status));
  const warnings: RingWarning[] = [];

  const members: MemberState[] = list.map((entry) => {
    const probe = byMemberId.get(entry.id);
    const before = prevById.get(entry.id);
    const started = entry.name !== '' || entry.clientURLs.length > 0;
    const endpoint = probe?.endpoint ?? entry.clientURLs[0] ?? null;
    const failed = endpoint ? failedByEndpoint.get(endpoint) : undefined;
    const s = probe?.status;
    const scraped = poll.metrics?.[entry.id];
    const other = probe ? undefined : entry.clientURLs.map((u) => foreign.get(u)).find(Boolean) ?? (endpoint ? foreign.get(endpoint) : undefined);
    return {
      id: entry.id,
      name: entry.name,
      clientURLs: entry.clientURLs,
      peerURLs: entry.peerURLs,
      // The member list is authoritative for learners; status says so too once it answers.
      isLearner: entry.isLearner,
      started,
      reachable: Boolean(probe),
      isLeader: leader !== null && entry.id === leader,
      endpoint,
      version: s?.version ?? null,
      revision: s?.revision ?? null,
      raftTerm: s?.raftTerm ?? null,
      raftIndex: s?.raftIndex ?? null,
      raftAppliedIndex: s?.raftAppliedIndex ?? null,
      dbSize: s?.dbSize ?? null,
      dbSizeInUse: s?.dbSizeInUse ?? null,
      leaderSeen: s?.leader ?? null,
      errors: s?.errors ?? [],
      latencyMs: probe ? probe.latencyMs : (failed?.latencyMs ?? null),
      error: probe
        ? null
        : other
          ? `split from the ring: it answers as member ${other.memberId} of cluster ${other.clusterId}, not of ${clusterId}`
          : !started
          ? 'not started: added to the member list but has not joined yet'
          : (failed?.error ?? (endpoint ? 'not polled yet' : 'no client URL to poll')),
      lastSeen: probe ? at : (before?.lastSeen ?? null),
      metrics: scraped?.ok ? scraped.metrics : null,
      metricsError: scraped && !scraped.ok ? scraped.error : null,
      metricsURL: scraped?.url ?? null,
      split: other ? { clusterId: other.clusterId, memberId: other.memberId } : null,
    };
  });

  const quorum = computeQuorum(members, leader);

  const splits = [...foreign.entries()].map(([endpoint, st]) => ({
    endpoint,
    memberId: st.memberId,
    clusterId: st.clusterId,
    ringMemberId: members.find((m) => m.clientURLs.includes(endpoint) || m.endpoint === endpoint)?.id ?? null,
  }));
  for (const sp of splits) {
    const m = members.find((x) => x.id === sp.ringMemberId);
    warnings.push({
      kind: 'cluster-split',
      message: `${m ? memberLabel(m) : sp.endpoint} is split from the ring: ${sp.endpoint} answers as member ${sp.memberId} of cluster ${sp.clusterId}, while the ring is cluster ${clusterId}. It is a member of another cluster (e.g. left running after a restore): stop it, or restore it into the ring.`,
    });
  }
  const clusterIdChanged = changed
    ? { from: prev!.clusterId!, at }
    : prev?.clusterIdChanged && poll.at - Date.parse(prev.clusterIdChanged.at) < CLUSTER_ID_CHANGE_MS
      ? prev.clusterIdChanged
      : null;
  if (clusterIdChanged) {
    warnings.push({
      kind: 'cluster-id-changed',
      message: `The cluster ID changed from ${clusterIdChanged.from} to ${clusterId} at ${clusterIdChanged.at.slice(11, 19)} UTC: the same endpoints now serve a new cluster (restored from a backup, or rebuilt). Members, events and history before then belong to the old cluster.`,
    });
  }

  const leadersSeen = new Set(answered.map((p) => p.status.leader).filter((l) => l !== '0'));
  if (leadersSeen.size > 1) {
    const views = answered
      .filter((p) => p.status.leader !== '0')
      .map((p) => `${nameOf(members, p.status.memberId)} follows ${nameOf(members, p.status.leader)}`);
    warnings.push({ kind: 'leader-disagreement', message: `Members disagree on the leader: ${views.join(', ')}` });
  }
  const leaderless = members.filter((m) => m.reachable && m.leaderSeen === '0');
  if (leaderless.length > 0) {
    warnings.push({
      kind: 'no-leader',
      message: `${leaderless.map(memberLabel).join(', ')} ${leaderless.length === 1 ? 'sees' : 'see'} no leader`,
    });
  }
  if (!membersKnown && answered.length === 0 && list.length > 0) {
    warnings.push({ kind: 'membership-unknown', message: 'No member answered; membership shown as last seen' });
  }
  if (poll.alarms === null && answered.length > 0) {
    warnings.push({ kind: 'alarms-unknown', message: 'Alarms could not be read (the alarm list needs quorum)' });
  }
  for (const m of members.filter((x) => !x.started)) {
    warnings.push({
      kind: 'unstarted-member',
      message: `Member ${m.id} was added (${m.peerURLs.join(', ')}) but has not started${m.isLearner ? '' : '; it already counts toward quorum'}`,
    });
  }
  // "alarm:CORRUPT" on every member repeats the alarm list, which is shown on its own.
  for (const m of members) {
    const errors = m.errors.filter((e) => !isAlarmError(e));
    if (errors.length) warnings.push({ kind: 'member-errors', message: `${memberLabel(m)} reports: ${errors.join('; ')}` });
  }

  const advisories = versionAdvisories(
    members.map((m) => ({ name: memberLabel(m), version: m.version, reachable: m.reachable, lastSeen: m.lastSeen })),
    poll.versionRefusals,
  );
  for (const a of advisories) {
    warnings.push({ kind: 'version-advisory', message: a.message });
  }

  const memberEndpoints = new Set(members.flatMap((m) => [...m.clientURLs, ...(m.endpoint ? [m.endpoint] : [])]));
  const endpointErrors = poll.probes
    .filter((p): p is Extract<MemberProbe, { ok: false }> => !p.ok && !memberEndpoints.has(p.endpoint))
    .map((p) => ({ endpoint: p.endpoint, error: p.error }));
  for (const e of endpointErrors) {
    warnings.push({ kind: 'endpoint-unreachable', message: `${e.endpoint} does not answer: ${e.error}` });
  }

  const alarmsKnown = poll.alarms !== null && (listIsRings || poll.members === null);
  const seenSince = new Map(prev?.alarms.map((a) => [`${a.memberId}/${a.alarm}`, a.since]));
  const alarms = ((listIsRings || poll.members === null ? poll.alarms : null) ?? (changed ? [] : prev?.alarms) ?? []).map((a: AlarmEntry) => ({
    memberId: a.memberId,
    alarm: a.alarm,
    since: seenSince.get(`${a.memberId}/${a.alarm}`) ?? at,
  }));
  const leaderStatus = leader ? byMemberId.get(leader)?.status : undefined;
  const raftTerm = leaderStatus?.raftTerm ?? maxOrNull(answered.map((p) => p.status.raftTerm));
  const firstFailure = poll.probes.find((p) => !p.ok);
  const { health, summary } = assessHealth(members, quorum, alarms, answered.length, firstFailure && !firstFailure.ok ? `${firstFailure.endpoint}: ${firstFailure.error}` : null);

  return {
    cluster: poll.cluster,
    at,
    seq: poll.seq,
    bootId: ctx.bootId,
    clusterId,
    splits,
    clusterIdChanged,
    leader,
    raftTerm,
    quorum,
    members,
    alarms,
    alarmsKnown,
    membersKnown,
    health,
    summary,
    warnings,
    endpointErrors,
    pollDurationMs: poll.durationMs,
    pollIntervalMs: ctx.pollIntervalMs,
  };
}

/**
 * The leader is the one named by the member with the highest term: a member stuck in an old
 * term (partitioned, or just restarted) may still name a leader that has been replaced.
 */
export function pickLeader(statuses: MemberStatus[]): string | null {
  let best: MemberStatus | undefined;
  for (const s of statuses) {
    if (s.leader === '0') continue;
    if (!best || s.raftTerm > best.raftTerm) best = s;
  }
  return best?.leader ?? null;
}

export function computeQuorum(members: MemberState[], leader: string | null): Quorum {
  const voters = members.filter((m) => !m.isLearner);
  const needed = quorumNeeded(voters.length);
  const healthy = leader
    ? voters.filter((m) => m.reachable && m.leaderSeen === leader && onlyAlarmErrors(m)).length
    : 0;
  const hasQuorum = leader !== null && healthy >= needed;
  return { voters: voters.length, healthy, needed, canLose: hasQuorum ? healthy - needed : 0, hasQuorum };
}

/** Alarm errors ("alarm:CORRUPT") do not stop a member from voting; any other error counts it out. */
function onlyAlarmErrors(m: MemberState): boolean {
  return m.errors.every(isAlarmError);
}

/**
 * A status error that only repeats an active alarm. etcd prints the alarm member:
 * "alarm:CORRUPT " (raised with member 0) or "memberID:14424102421286437872 alarm:NOSPACE ".
 */
export function isAlarmError(e: string): boolean {
  return /^(memberID:\d+ )?alarm:(NOSPACE|CORRUPT)\s*$/.test(e);
}

function assessHealth(
  members: MemberState[],
  quorum: Quorum,
  alarms: { alarm: string }[],
  answered: number,
  failure: string | null,
): { health: RingHealth; summary: string } {
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  if (answered === 0) {
    // Members never listed: none of the configured endpoints has answered yet (a lost control
    // plane, or a wrong address); say what the first one said.
    if (!members.length) return { health: 'unknown', summary: failure ? `no endpoint answers (${failure})` : 'no endpoint answers' };
    return { health: 'unknown', summary: 'no member answers' };
  }
  if (!quorum.hasQuorum) {
    return {
      health: 'no-quorum',
      summary: `NO QUORUM: ${quorum.healthy} of ${quorum.voters} voters healthy, ${quorum.needed} needed; writes are blocked`,
    };
  }
  const margin = `can lose ${plural(quorum.canLose, 'more member')}`;
  if (alarms.length > 0) {
    const kinds = [...new Set(alarms.map((a) => a.alarm))].join(' and ');
    return { health: 'alarm', summary: `${kinds} alarm active; ${margin}` };
  }
  const down = members.filter((m) => !m.reachable);
  if (down.length > 0 || quorum.canLose === 0) {
    const what = down.length > 0 ? `${plural(down.length, 'member')} down` : 'no fault margin';
    return { health: 'degraded', summary: `${what}; ${margin}` };
  }
  return { health: 'healthy', summary: `all ${plural(members.length, 'member')} healthy; ${margin}` };
}

function toListEntry(m: MemberState): MemberListEntry {
  return { id: m.id, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner };
}

/** Before any member list has been read, the answering endpoints are all we know. */
function membersFromProbes(answered: Extract<MemberProbe, { ok: true }>[]): MemberListEntry[] {
  return answered.map((p) => ({
    id: p.status.memberId,
    name: '',
    peerURLs: [],
    clientURLs: [p.endpoint],
    isLearner: p.status.isLearner,
  }));
}

function nameOf(members: MemberState[], id: string): string {
  const m = members.find((x) => x.id === id);
  return m ? memberLabel(m) : id;
}

function maxOrNull(xs: number[]): number | null {
  return xs.length ? Math.max(...xs) : null;
}
