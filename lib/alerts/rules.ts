import { certificateConditions, CERTIFICATE_RULE_DEFS, CERTIFICATE_RULES } from '../certs/alerts';
import type { CertificateFinding } from '../certs/findings';
import { abbreviateHashes, formatAge, formatBytes, formatLatency } from '../model/format';
import { THRESHOLDS } from '../model/thresholds';
import type { HashCheck } from '../ring/hashkv';
import { memberLabel } from '../model/labels';
import type { MemberState, RingEvent, RingState } from '../ring/types';
import type { AlertOverrides } from '../config/types';
import type { BackupStatus } from '../backups/types';

/**
 * The alert rules Ringside evaluates on every poll: etcd-mixin's set (contrib/mixin in etcd's
 * repository) with its thresholds, plus what the mixin cannot see. Pure.
 */
export type AlertSeverity = 'warning' | 'critical';

export const ALERT_RULES = [
  'etcdNoLeader',
  'etcdInsufficientMembers',
  'etcdMembersDown',
  'etcdHighNumberOfLeaderChanges',
  'etcdHighFsyncDurations',
  'etcdHighCommitDurations',
  'etcdMemberCommunicationSlow',
  'etcdHighNumberOfFailedProposals',
  'etcdDatabaseQuotaLowSpace',
  'etcdExcessiveDatabaseGrowth',
  'etcdDatabaseHighFragmentationRatio',
  'ringsideCorruptAlarm',
  'ringsideNospaceAlarm',
  'ringsideHashMismatch',
  'ringsideLeaderDisagreement',
  'ringsideApplyBehind',
  'ringsideBackupStale',
  'ringsideDrillFailed',
  // Certificate expiry and names (lib/certs), from findings read on their own interval.
  ...CERTIFICATE_RULES,
] as const;
export type AlertRuleName = (typeof ALERT_RULES)[number];

export interface RuleDef {
  origin: 'etcd-mixin' | 'ringside';
  /** etcd-mixin's `for`, written for 30 s evaluations; see forMsOf(). */
  mixinForMs?: number;
  /** Ringside's own rules: how many polls the condition must hold. */
  forPolls?: number;
  /** The condition reads figures from the members' /metrics, which change once a scrape, not once a poll. */
  scraped?: true;
  /** The condition in words, with its threshold. */
  when: string;
  /** What it means, in one sentence. */
  summary: string;
  /** The safe next step, in one sentence. */
  action: string;
}

const MIN = 60_000;
/** etcd-mixin's evaluations are 30 s apart (its `for` and rate windows assume that scrape interval). */
const MIXIN_EVALUATION_MS = 30_000;

export { THRESHOLDS };

export const RULES: Record<AlertRuleName, RuleDef> = {
  etcdNoLeader: {
    origin: 'etcd-mixin',
    mixinForMs: 1 * MIN,
    when: 'a reachable member sees no leader',
    summary: 'The member has no leader: it cannot serve linearizable reads or writes.',
    action: 'Check whether the other members are up and can reach this one on the peer port.',
  },
  etcdInsufficientMembers: {
    origin: 'etcd-mixin',
    mixinForMs: 3 * MIN,
    when: 'fewer healthy voters than a majority',
    summary: 'The ring has lost quorum: every write is blocked.',
    action: 'Bring the down members back first; never remove or add a member while quorum is lost.',
  },
  etcdMembersDown: {
    origin: 'etcd-mixin',
    mixinForMs: 10 * MIN,
    when: 'a member does not answer, or peers fail to send to it (> 0.01/s)',
    summary: 'A member is down or cut off from its peers; the ring can lose fewer members before it stops.',
    action: 'Restart the member; if its data is lost or corrupt, replace it through a learner.',
  },
  etcdHighNumberOfLeaderChanges: {
    origin: 'etcd-mixin',
    mixinForMs: 5 * MIN,
    when: '4 or more leader changes within 15 minutes',
    summary: 'Elections keep happening: a sign of slow disks, an overloaded member or a flaky network.',
    action: 'Look at WAL fsync and peer round-trip times around the leader changes.',
  },
  etcdHighFsyncDurations: {
    origin: 'etcd-mixin',
    scraped: true,
    mixinForMs: 10 * MIN,
    when: `WAL fsync p99 above ${THRESHOLDS.walFsyncP99Ms.warning} ms (critical above ${THRESHOLDS.walFsyncP99Ms.critical / 1000} s)`,
    summary: 'The member’s disk is slow to persist the log; slow fsyncs cause missed heartbeats and elections.',
    action: 'Move etcd to a faster dedicated disk (SSD); check for noisy neighbours on the volume.',
  },
  etcdHighCommitDurations: {
    origin: 'etcd-mixin',
    scraped: true,
    mixinForMs: 10 * MIN,
    when: `backend commit p99 above ${THRESHOLDS.backendCommitP99Ms.warning} ms`,
    summary: 'The member’s disk is slow to commit the database.',
    action: 'Check disk latency; defragment if the db is heavily fragmented.',
  },
  etcdMemberCommunicationSlow: {
    origin: 'etcd-mixin',
    scraped: true,
    mixinForMs: 10 * MIN,
    when: `peer round-trip p99 above ${THRESHOLDS.peerRttP99Ms.warning} ms`,
    summary: 'Messages between two members are slow; elections and commits slow down with them.',
    action: 'Check the network path between the two members.',
  },
  etcdHighNumberOfFailedProposals: {
    origin: 'etcd-mixin',
    scraped: true,
    mixinForMs: 15 * MIN,
    when: `more than ${THRESHOLDS.proposalsFailed15m.warning} failed proposals within 15 minutes`,
    summary: 'Proposals are failing, usually around leader elections or lost quorum.',
    action: 'Look for leader changes and members down at the same time.',
  },
  etcdDatabaseQuotaLowSpace: {
    origin: 'etcd-mixin',
    scraped: true,
    mixinForMs: 10 * MIN,
    when: `db size above ${THRESHOLDS.quotaUsedPct.critical}% of the backend quota`,
    summary: 'The database is about to hit its quota; etcd then raises NOSPACE and refuses writes.',
    action: 'Compact and defragment, then raise --quota-backend-bytes if the data really needs it.',
  },
  etcdExcessiveDatabaseGrowth: {
    origin: 'etcd-mixin',
    mixinForMs: 10 * MIN,
    when: 'at the growth of the last 4 hours, the db passes its quota within 4 hours',
    summary: 'The database is growing fast enough to hit its quota soon.',
    action: 'Find what writes so much (events, leases); compact and defragment.',
  },
  etcdDatabaseHighFragmentationRatio: {
    origin: 'etcd-mixin',
    mixinForMs: 10 * MIN,
    when: `in use below ${THRESHOLDS.inUsePct.warning}% of the db file, and more than 100 MiB in use`,
    summary: 'Most of the db file is free pages left by compaction.',
    action: 'Defragment one member at a time, followers first, the leader last.',
  },
  ringsideCorruptAlarm: {
    origin: 'ringside',
    forPolls: 0,
    when: 'etcd raised the CORRUPT alarm',
    summary: 'etcd found members whose data differ; every write fails until the alarm is disarmed.',
    action: 'Find the member HashKV singles out, replace it through a learner, confirm hashes agree, then disarm.',
  },
  ringsideNospaceAlarm: {
    origin: 'ringside',
    forPolls: 0,
    when: 'etcd raised the NOSPACE alarm',
    summary: 'The database hit its quota; etcd accepts only reads and deletes.',
    action: 'Compact, defragment every member, then disarm NOSPACE.',
  },
  ringsideHashMismatch: {
    origin: 'ringside',
    forPolls: 0,
    when: 'HashKV at a common revision differs between voters',
    summary: 'Members hold different data at the same revision: corruption, whether or not etcd has noticed.',
    action: 'Snapshot a majority member, then replace the minority member through a learner.',
  },
  ringsideLeaderDisagreement: {
    origin: 'ringside',
    forPolls: 3,
    when: 'reachable members follow different leaders',
    summary: 'Members disagree on who leads: a partition or a member stuck in an old term.',
    action: 'Check the network between members; the member in the old term usually catches up or needs a restart.',
  },
  ringsideApplyBehind: {
    origin: 'ringside',
    forPolls: 10,
    when: `a member's applied index more than ${THRESHOLDS.applyLag.warning} entries behind the leader's raft index`,
    summary: 'The member cannot keep up applying the log; reads from it are stale and it may be throttled.',
    action: 'Check the member’s disk (backend commit, fsync) and CPU.',
  },
  ringsideBackupStale: {
    origin: 'ringside',
    forPolls: 0,
    when: 'the newest verified backup is older than backups.staleAfter (default 2 schedule periods), or there is none',
    summary: 'No recent backup to restore from: a disaster now would lose everything written since the last good one.',
    action: 'Look in the timeline for skipped or failed scheduled backups (no quorum, a store refusing writes), fix that, then take a backup from the cluster page.',
  },
  ringsideDrillFailed: {
    origin: 'ringside',
    forPolls: 0,
    when: 'the latest restore drill of a backup failed',
    summary: 'A stored backup did not restore to what the ring held: it was altered or damaged in its store, or the restore itself failed.',
    action: 'Read which check failed in the backups panel; take a new backup, drill it, and check the store that held the bad one.',
  },
  ...CERTIFICATE_RULE_DEFS,
};

/**
 * `for` at our resolution. etcd-mixin's `for` counts 30 s evaluations; Ringside evaluates every
 * poll, so it keeps the number of evaluations: mixin `for` x poll interval / 30 s, and at least
 * 3 polls so one slow poll never fires an alert. At a 1 s interval etcdMembersDown's 10m is 20 s.
 * A rule on scraped figures sees new values only once a scrape (`metricsIntervalMs`), so its
 * `for` spans at least one scrape interval and 3 polls: two scrapes in a row must show the
 * condition, never one (20 s at the defaults either way).
 */
export function forMsOf(rule: AlertRuleName, pollIntervalMs: number, metricsIntervalMs = pollIntervalMs): number {
  const def = RULES[rule];
  if (def.forPolls !== undefined) return def.forPolls * pollIntervalMs;
  const polls = Math.max(3 * pollIntervalMs, Math.round((def.mixinForMs! * pollIntervalMs) / MIXIN_EVALUATION_MS));
  return def.scraped ? Math.max(polls, metricsIntervalMs + 3 * pollIntervalMs) : polls;
}

/** What an alert is about: a member, a member's link to a peer, or (neither) the whole cluster. */
export interface AlertSubject {
  memberId?: string;
  memberName?: string;
  peerId?: string;
  peerName?: string;
  /**
   * What else tells two instances of one rule apart, as labels downstream (Alertmanager's identity
   * of an alert is its label set): the CA's certificate and Ringside's own, neither a member's.
   */
  labels?: Record<string, string>;
}

/** One rule's condition holding for one subject at one evaluation. */
export interface AlertCondition extends AlertSubject {
  rule: AlertRuleName;
  /** Unique per rule and subject: `etcdMembersDown/8e9e05c52164694d`. */
  key: string;
  severity: AlertSeverity;
  value: number | null;
  /** This instance in one line: "m2: WAL fsync p99 812 ms (> 500 ms)". */
  message: string;
}

export interface AlertInput {
  ring: RingState;
  /** Recent HashKV checks, oldest first. */
  hashChecks: readonly HashCheck[];
  /** Recent ring events, any order. */
  events: readonly RingEvent[];
  /** Each member's db size predicted 4 hours ahead from its recent growth, by member ID. */
  dbSizeIn4h?: ReadonlyMap<string, number | null>;
  /**
   * What the latest certificate read says at `now` (lib/certs/findings). Passed on every
   * evaluation, not only when certificates are read: a condition missing once resolves its alert.
   */
  certificates?: readonly CertificateFinding[];
  /** The cluster's backups (freshness and the last drill); absent or null when it has no backup store. */
  backups?: BackupStatus | null;
  now: number;
}

/** Every condition that holds now. Pure: the tracker turns these into pending and firing alerts. */
export function evaluateRules(input: AlertInput): AlertCondition[] {
  const { ring, now } = input;
  const out: AlertCondition[] = [];
  const add = (rule: AlertRuleName, subject: string, c: Omit<AlertCondition, 'rule' | 'key'>) => out.push({ rule, key: `${rule}/${subject}`, ...c });
  const who = (m: MemberState) => ({ memberId: m.id, memberName: memberLabel(m) });
  const byId = new Map(ring.members.map((m) => [m.id, m]));
  const nameOf = (id: string) => (byId.get(id) ? memberLabel(byId.get(id)!) : id);

  for (const m of ring.members) {
    if (m.reachable && (m.leaderSeen === '0' || m.metrics?.hasLeader === false)) {
      add('etcdNoLeader', m.id, { ...who(m), severity: 'critical', value: null, message: `${memberLabel(m)} sees no leader` });
    }
  }

  const voters = ring.members.filter((m) => !m.isLearner);
  if (voters.length > 0 && !ring.quorum.hasQuorum) {
    const q = ring.quorum;
    add('etcdInsufficientMembers', 'cluster', {
      severity: 'critical',
      value: q.healthy,
      message: `${q.healthy} of ${q.voters} voters healthy, ${q.needed} needed: no quorum`,
    });
  }

  // Peers that others fail to send to, as etcd-mixin's second way of counting a member down.
  const cutOff = new Map<string, string[]>();
  for (const m of ring.members) {
    for (const p of m.metrics?.peers ?? []) {
      if ((p.sentFailuresPerSec ?? 0) > THRESHOLDS.peerSentFailuresPerSec) cutOff.set(p.to, [...(cutOff.get(p.to) ?? []), memberLabel(m)]);
    }
  }
  for (const m of ring.members) {
    const countsForQuorum = m.started || !m.isLearner;
    if (!m.reachable && countsForQuorum) {
      add('etcdMembersDown', m.id, { ...who(m), severity: 'critical', value: null, message: `${memberLabel(m)} is down: ${m.error ?? 'no answer'}` });
    } else if (cutOff.has(m.id) && countsForQuorum) {
      // An added learner that nobody has started yet is expected to be unreachable to its peers.
      add('etcdMembersDown', m.id, { ...who(m), severity: 'critical', value: null, message: `${memberLabel(m)} is cut off: ${cutOff.get(m.id)!.join(', ')} cannot send to it` });
    }
  }

  const since = now - 15 * MIN;
  const elections = input.events.filter((e) => e.kind === 'leader-changed' && e.to && Date.parse(e.at) > since).length;
  const seen = Math.max(elections, ...ring.members.map((m) => m.metrics?.leaderChanges15m ?? 0));
  if (seen >= THRESHOLDS.leaderChanges15m.warning) {
    add('etcdHighNumberOfLeaderChanges', 'cluster', { severity: 'warning', value: seen, message: `${seen} leader changes in the last 15 minutes` });
  }

  for (const m of ring.members) {
    const x = m.metrics;
    if (!x || !m.reachable) continue;
    const name = memberLabel(m);
    if (x.walFsyncP99Ms !== null && x.walFsyncP99Ms > THRESHOLDS.walFsyncP99Ms.warning) {
      const critical = x.walFsyncP99Ms > THRESHOLDS.walFsyncP99Ms.critical;
      add('etcdHighFsyncDurations', m.id, {
        ...who(m),
        severity: critical ? 'critical' : 'warning',
        value: x.walFsyncP99Ms,
        message: `${name}: WAL fsync p99 ${formatLatency(x.walFsyncP99Ms)} (> ${critical ? '1 s' : '500 ms'})`,
      });
    }
    if (x.backendCommitP99Ms !== null && x.backendCommitP99Ms > THRESHOLDS.backendCommitP99Ms.warning) {
      add('etcdHighCommitDurations', m.id, { ...who(m), severity: 'warning', value: x.backendCommitP99Ms, message: `${name}: backend commit p99 ${formatLatency(x.backendCommitP99Ms)} (> 250 ms)` });
    }
    for (const p of x.peers) {
      if (p.rttP99Ms === null || p.rttP99Ms <= THRESHOLDS.peerRttP99Ms.warning) continue;
      add('etcdMemberCommunicationSlow', `${m.id}->${p.to}`, {
        ...who(m),
        peerId: p.to,
        peerName: nameOf(p.to),
        severity: 'warning',
        value: p.rttP99Ms,
        message: `${name} → ${nameOf(p.to)}: peer round-trip p99 ${formatLatency(p.rttP99Ms)} (> 150 ms)`,
      });
    }
    if (x.proposalsFailed15m !== null && x.proposalsFailed15m > THRESHOLDS.proposalsFailed15m.warning) {
      add('etcdHighNumberOfFailedProposals', m.id, { ...who(m), severity: 'warning', value: x.proposalsFailed15m, message: `${name}: ${x.proposalsFailed15m} failed proposals in 15 minutes` });
    }
    if (x.quotaUsedPct !== null && x.quotaUsedPct > THRESHOLDS.quotaUsedPct.critical) {
      add('etcdDatabaseQuotaLowSpace', m.id, {
        ...who(m),
        severity: 'critical',
        value: x.quotaUsedPct,
        message: `${name}: db ${formatBytes(x.dbSize)} is ${x.quotaUsedPct.toFixed(1)}% of its ${formatBytes(x.quotaBytes)} quota`,
      });
    }
    const predicted = input.dbSizeIn4h?.get(m.id);
    if (predicted != null && x.quotaBytes && predicted > x.quotaBytes) {
      add('etcdExcessiveDatabaseGrowth', m.id, { ...who(m), severity: 'warning', value: predicted, message: `${name}: db heading for ${formatBytes(predicted)} within 4 hours, above its ${formatBytes(x.quotaBytes)} quota` });
    }
  }

  for (const m of ring.members) {
    if (!m.reachable || !m.dbSize || m.dbSizeInUse === null) continue;
    const pct = (m.dbSizeInUse / m.dbSize) * 100;
    if (pct < THRESHOLDS.inUsePct.warning && m.dbSizeInUse > THRESHOLDS.fragmentedMinBytes) {
      add('etcdDatabaseHighFragmentationRatio', m.id, {
        ...who(m),
        severity: 'warning',
        value: pct,
        message: `${memberLabel(m)}: ${formatBytes(m.dbSizeInUse)} in use of a ${formatBytes(m.dbSize)} db (${pct.toFixed(0)}%)`,
      });
    }
  }

  for (const a of ring.alarms) {
    const rule = a.alarm === 'CORRUPT' ? 'ringsideCorruptAlarm' : 'ringsideNospaceAlarm';
    const on = a.memberId === '0' ? 'the cluster (member 0)' : nameOf(a.memberId);
    add(rule, a.memberId, {
      ...(a.memberId !== '0' ? { memberId: a.memberId, memberName: nameOf(a.memberId) } : {}),
      severity: 'critical',
      value: null,
      message: `${a.alarm} alarm on ${on}`,
    });
  }

  // A skip is never a pass: the last check that could tell decides.
  const decisive = [...input.hashChecks].reverse().find((c) => c.consistent !== null);
  if (decisive?.consistent === false) {
    add('ringsideHashMismatch', 'cluster', { severity: 'critical', value: decisive.revision, message: decisive.summary });
  }

  const disagreement = ring.warnings.find((w) => w.kind === 'leader-disagreement');
  if (disagreement) add('ringsideLeaderDisagreement', 'cluster', { severity: 'warning', value: null, message: disagreement.message });

  const leader = ring.members.find((m) => m.isLeader && m.raftIndex !== null);
  for (const m of ring.members) {
    if (!leader || !m.reachable || m.raftAppliedIndex === null) continue;
    const lag = leader.raftIndex! - m.raftAppliedIndex;
    if (lag > THRESHOLDS.applyLag.warning) {
      add('ringsideApplyBehind', m.id, { ...who(m), severity: 'warning', value: lag, message: `${memberLabel(m)}: applied index ${lag.toLocaleString('en-US')} entries behind the leader` });
    }
  }

  // Freshness ages with the clock: judged here, at every poll, from when the newest backup was taken.
  const b = input.backups;
  if (b && b.staleAfterMs !== null) {
    const ageMs = b.newestAt ? Math.max(0, now - Date.parse(b.newestAt)) : null;
    if (ageMs === null || ageMs > b.staleAfterMs) {
      add('ringsideBackupStale', 'cluster', {
        severity: 'warning',
        // Not the age itself: a value that changed every poll would resend the alert list every poll.
        value: null,
        message: ageMs === null ? `no verified backup of ${ring.cluster} at all` : `the newest verified backup is ${formatAge(ageMs)} old (stale after ${formatAge(b.staleAfterMs)})`,
      });
    }
  }
  if (b?.lastDrill?.result === 'failed') {
    add('ringsideDrillFailed', 'cluster', { severity: 'critical', value: null, message: `the restore drill of ${b.lastDrill.backup} failed: ${abbreviateHashes(b.lastDrill.reason)}` });
  }

  out.push(...certificateConditions(input.certificates ?? []));
  return out;
}

/** Every rule with its condition, meaning and next step, and its `for` and on/off at this deployment. */
export function rulesAt(pollIntervalMs: number, overrides: AlertOverrides = {}, metricsIntervalMs = pollIntervalMs): (RuleDef & { name: AlertRuleName; forMs: number; disabled: boolean })[] {
  return ALERT_RULES.map((name) => ({
    name,
    ...RULES[name],
    forMs: overrides[name]?.forMs ?? forMsOf(name, pollIntervalMs, metricsIntervalMs),
    disabled: Boolean(overrides[name]?.disabled),
  }));
}
