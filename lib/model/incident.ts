import type { Alert } from '../alerts/tracker';
import { alertEvidence, type CheckEvidence } from './check-evidence';
import { suspectsOf, type HashCheck } from './hash-verdicts';
import type { RingState } from '../ring/types';
import { markdownCode, markdownText as md } from '../text/markdown';
import { collapseRepeats, whatChanged } from './timeline-collapse';
import type { TimelineEntry } from '../timeline/types';

/** The guided action or runbook step that addresses a condition. */
export interface TriageLink {
  label: string;
  href: string;
}

export interface TriageCondition {
  /** What is wrong and what it means, in one sentence. */
  sentence: string;
  severity: 'critical' | 'warning';
  link: TriageLink | null;
  /** `corruption` for conditions about the data itself (a hash split, the CORRUPT alarm). */
  evidence: CheckEvidence | null;
}

export interface Triage {
  /** Something needs a person: the cluster page shows the triage panel. */
  trouble: boolean;
  conditions: TriageCondition[];
  /** What changed in the window: ring events, alerts and actions first, repeats collapsed, newest first within each rank. */
  changes: TimelineEntry[];
}

/** Quorum lost for good: the guided disaster restore from a stored backup. */
const restoreLink = (cluster: string): TriageLink => ({ label: 'Disaster restore from a stored backup (the wizard)', href: `/clusters/${cluster}/restore` });

/** The link that carries out the next step for a firing alert, when Ringside has one. */
function linkFor(cluster: string, a: Alert, ring: RingState, hash: HashCheck | null): TriageLink | null {
  const suspect = suspectsOf(hash)[0];
  switch (a.rule) {
    case 'etcdMembersDown':
      return a.memberId ? { label: `Replace ${a.memberName ?? a.memberId} (if it will not come back)`, href: `/clusters/${cluster}/replace?member=${a.memberId}` } : null;
    case 'ringsideHashMismatch':
    case 'ringsideCorruptAlarm':
      return suspect
        ? { label: `Replace ${suspect.name}, whose data differs`, href: `/clusters/${cluster}/replace?member=${suspect.id}` }
        : { label: 'See the corruption evidence', href: `/clusters/${cluster}#consistency` };
    case 'ringsideNospaceAlarm':
    case 'etcdDatabaseQuotaLowSpace':
    case 'etcdDatabaseHighFragmentationRatio':
      return { label: a.rule === 'ringsideNospaceAlarm' ? 'Disarm NOSPACE (compact, defragment)' : 'Defragment (Operations)', href: `/clusters/${cluster}#operations` };
    case 'ringsideCertificateExpiry':
    case 'ringsideCertificateHostMismatch':
      return { label: 'See the certificates', href: `/clusters/${cluster}#certificates` };
    case 'etcdInsufficientMembers':
    case 'etcdNoLeader':
      return ring.quorum.hasQuorum ? null : restoreLink(cluster);
    case 'ringsideBackupStale':
    case 'ringsideDrillFailed':
      return { label: a.rule === 'ringsideBackupStale' ? 'Back up now (Backups)' : 'See which check failed (Backups)', href: `/clusters/${cluster}#backups` };
    default:
      return { label: `What ${a.rule} means`, href: `/clusters/${cluster}#alerts` };
  }
}

/**
 * What the on-call engineer needs first: each firing condition in one sentence with the step
 * that addresses it, and what changed in the window (from the timeline).
 */
export function triage(cluster: string, ring: RingState, alerts: Alert[], hash: HashCheck | null, window: TimelineEntry[]): Triage {
  const firing = alerts.filter((a) => a.state === 'firing');
  const conditions: TriageCondition[] = firing.map((a) => ({
    sentence: `${a.message}. ${a.summary}`,
    severity: a.severity,
    link: linkFor(cluster, a, ring, hash),
    evidence: alertEvidence(a.rule),
  }));
  if (!ring.quorum.hasQuorum && !firing.some((a) => a.rule === 'etcdInsufficientMembers')) {
    conditions.unshift({ sentence: `${ring.summary}. Writes are blocked until enough voters are back.`, severity: 'critical', link: restoreLink(cluster), evidence: null });
  }
  const trouble = conditions.length > 0 || ring.health !== 'healthy' || alerts.some((a) => a.state === 'pending');
  return { trouble, conditions, changes: whatChanged(window) };
}

const clock = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

/** "24 times, 05:13:48Z to 05:15:18Z" for a collapsed line. */
const repeats = (e: TimelineEntry) => (e.repeat ? `, ${e.repeat.count} times, ${clock(e.repeat.firstAt)} to ${clock(e.at)}` : '');

/**
 * The incident as Markdown, for the incident channel: window, current state, key events, evidence
 * (HashKV, alarms, the members' own log lines), the checks that could not compare (kept apart
 * from evidence, repeats collapsed) and actions taken, all from the same window. Names, messages
 * and log lines are data (a member may be named `[x](http://evil)`): every one is escaped as text
 * or set in a code span, and none can start a line.
 */
export function incidentMarkdown(input: {
  cluster: string;
  ring: RingState;
  alerts: Alert[];
  hash: HashCheck | null;
  entries: TimelineEntry[];
  from: string;
  to: string;
  url?: string;
}): string {
  const { cluster, ring, alerts, hash, entries, from, to } = input;
  const leader = ring.members.find((m) => m.isLeader);
  const events = entries.filter((e) => e.source === 'ring' || e.source === 'alert' || e.source === 'hashkv');
  const logs = collapseRepeats(entries.filter((e) => e.source === 'log'));
  const evidence = logs.filter((e) => e.kind === 'log-corruption' || e.kind === 'log-alarm');
  const checks = logs.filter((e) => e.kind === 'log-check');
  const actions = entries.filter((e) => e.source === 'audit');
  const firing = alerts.filter((a) => a.state === 'firing');
  const lines = [
    `### Incident summary: ${md(cluster)}`,
    '',
    `**Window:** ${clock(from)} to ${clock(to)}`,
    `**Now:** ${md(`${ring.health.toUpperCase()}: ${ring.summary}.`)} Leader: ${leader ? `${md(leader.name)} (${leader.id})` : 'none'}; quorum ${ring.quorum.healthy} of ${ring.quorum.voters} voters healthy, ${ring.quorum.needed} needed.`,
    `**HashKV:** ${hash ? `${md(hash.summary)} (checked ${clock(hash.checkedAt)})` : 'no check yet'}`,
    `**Alarms:** ${ring.alarms.length ? ring.alarms.map((a) => `${md(a.alarm)} (member ${md(a.memberId)}, since ${clock(a.since)})`).join(', ') : 'none'}`,
    '',
    `**Firing alerts (${firing.length}):**`,
    ...(firing.length ? firing.map((a) => `- [${a.severity}] ${md(`${a.rule}: ${a.message}`)} (since ${clock(a.firingSince ?? a.activeSince)})`) : ['- none']),
    '',
    `**Members:**`,
    ...ring.members.map((m) => `- ${md(m.name || m.id)} (${m.id}): ${m.isLeader ? 'leader' : m.isLearner ? 'learner' : 'follower'}, ${m.reachable ? `up, revision ${m.revision}` : `DOWN: ${md(m.error ?? 'no answer')}`}`),
    '',
    `**Key events (${events.length}):**`,
    ...(events.length ? events.map((e) => `- ${clock(e.at)} ${md(`${e.kind}${e.memberName ? ` ${e.memberName}` : ''}: ${e.message}`)}`) : ['- none in the window']),
    '',
    `**Evidence from the members' logs (${evidence.length}):**`,
    ...(evidence.length ? evidence.slice(-20).map((e) => `- ${clock(e.at)} ${md(e.memberName ?? '?')}: ${markdownCode(Array.from(String(e.details?.raw ?? e.message)).slice(0, 400).join(''))}${repeats(e)}`) : ['- none in the window']),
    '',
    `**Checks that could not compare (${checks.length}):**`,
    ...(checks.length ? checks.map((e) => `- ${clock(e.at)} ${md(e.memberName ?? '?')}: ${md(e.message)}${repeats(e)}${e.details?.outage ? ` (${md(String(e.details.peer))} is down: a consequence of that outage)` : ''}`) : ['- none']),
    '',
    `**Actions taken (${actions.length}):**`,
    ...(actions.length ? actions.map((e) => `- ${clock(e.at)} ${md(e.message)}`) : ['- none']),
    '',
    `_From Ringside${input.url ? ` (${md(input.url)})` : ''}._`,
  ];
  return lines.join('\n');
}
