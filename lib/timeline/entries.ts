import type { AuditEntry } from '../audit/types';
import { parseLine } from '../logs/parse';
import { alertEvidence, isCheckFailure, type CheckEvidence } from '../ring/check-evidence';
import type { HashCheck } from '../ring/hashkv';
import { suspectsOf } from '../ring/hashkv';
import type { LogLine } from '../logs/types';
import type { RingEvent } from '../ring/types';
import type { TimelineEntry } from './types';

/** Pure mappers from what the monitor and the audit log produce to timeline entries. */

export function fromRingEvent(e: RingEvent): TimelineEntry {
  const alert = e.kind === 'alert-firing' || e.kind === 'alert-resolved';
  const evidence: CheckEvidence | null = alert ? alertEvidence(e.rule ?? '') : e.alarm === 'CORRUPT' ? 'corruption' : null;
  return {
    id: `ring:${e.cluster}:${e.id}`,
    at: e.at,
    cluster: e.cluster,
    kind: e.kind,
    source: alert ? 'alert' : 'ring',
    severity: e.severity,
    ...(e.memberId ? { memberId: e.memberId } : {}),
    ...(e.memberName ? { memberName: e.memberName } : {}),
    message: e.message,
    ...(e.rule || e.alarm || e.from !== undefined
      ? { details: { ...(e.rule ? { rule: e.rule } : {}), ...(e.alarm ? { alarm: e.alarm } : {}), ...(e.from !== undefined ? { from: e.from, to: e.to } : {}) } }
      : {}),
    ...(evidence ? { evidence } : {}),
  };
}

/** Only a change of HashKV verdict is an event: agree after a mismatch, or a mismatch. "Could not tell" is neither. */
export function fromHashCheck(prev: boolean | null | undefined, check: HashCheck): TimelineEntry | null {
  if (check.consistent === null) return null;
  if (check.consistent === true && prev !== false) return null;
  if (check.consistent === false && prev === false) return null;
  const suspect = suspectsOf(check)[0];
  return {
    id: `hashkv:${check.cluster}:${check.checkedAt}`,
    at: check.checkedAt,
    cluster: check.cluster,
    kind: check.consistent ? 'hashkv-agree' : 'hashkv-mismatch',
    source: 'hashkv',
    severity: check.consistent ? 'good' : 'critical',
    ...(suspect && !check.consistent ? { memberId: suspect.id, memberName: suspect.name } : {}),
    message: check.summary,
    details: { revision: check.revision, hashes: check.members.map((m) => ({ name: m.name, hash: m.hash, verdict: m.verdict })) },
    // Agreement again is a check that ran and passed; a mismatch is the data differing.
    evidence: check.consistent ? 'check-health' : 'corruption',
  };
}

/**
 * The members' own lines worth a place in the timeline: corruption evidence, alarms, the checks
 * announcing they are on, and a check that could not do its job (with the member it could not
 * reach, and whether Ringside knew that member was down). Checks that started, passed or ended a
 * round are left out: they stay in the log panel.
 */
export function fromLogLine(cluster: string, line: LogLine): TimelineEntry | null {
  if (line.good || !line.at) return null;
  const f = line.check;
  const base = {
    id: `log:${cluster}:${line.source}:${line.at}:${hashText(line.raw)}`,
    at: line.at,
    cluster,
    source: 'log' as const,
    ...(line.member ? { memberName: line.member } : {}),
  };
  const raw = line.raw.slice(0, 2000);
  if (line.category === 'corruption' || line.category === 'alarm') {
    const severe = line.level === 'error' || line.level === 'fatal' || line.level === 'panic' || line.category === 'corruption';
    return {
      ...base,
      kind: line.category === 'corruption' ? 'log-corruption' : 'log-alarm',
      severity: severe ? 'critical' : 'warning',
      message: line.message,
      details: { level: line.level, raw, ...(f?.peer ? { peer: f.about?.name ?? f.peer } : {}) },
      ...(line.category === 'corruption' ? { evidence: 'corruption' as const } : {}),
    };
  }
  if (f?.evidence === 'check-config') {
    const every = typeof line.fields.interval === 'string' ? ` (every ${line.fields.interval})` : '';
    return { ...base, kind: 'log-check-config', severity: 'info', message: `${line.message}${every}`, details: { level: line.level, raw }, evidence: 'check-config' };
  }
  // A round ending without every peer says nothing the failure before it did not.
  if (!f || !isCheckFailure(f) || f.outcome === 'partial') return null;
  const peer = f.about?.name ?? f.peer;
  const outage = f.about?.down === true;
  return {
    ...base,
    kind: 'log-check',
    // Caused by an outage Ringside already reports: context, not a new problem.
    severity: outage ? 'info' : 'warning',
    message: peer ? `${line.message}${f.outcome === 'unreachable' ? ' to' : ', peer'} ${peer}` : line.message,
    details: { level: line.level, raw, outcome: f.outcome, ...(peer ? { peer } : {}), ...(f.about ? { peerId: f.about.id, outage } : {}) },
    evidence: 'check-health',
  };
}

/**
 * Entries stored before corruption evidence and the checks' health were told apart said
 * "log-corruption" for both: classify their raw line again. An entry whose line cannot be read
 * again (cut at 2000 characters) is kept as it was.
 */
export function upgradeEntry(e: TimelineEntry): TimelineEntry | null {
  if (e.kind !== 'log-corruption' || e.evidence !== undefined || typeof e.details?.raw !== 'string') return e;
  const line = parseLine(e.details.raw, 'stored');
  if (line.category === 'other') return e;
  const next = fromLogLine(e.cluster, { ...line, at: e.at, member: e.memberName ?? null });
  return next && { ...next, id: e.id };
}

const actionWords: Record<string, string> = {
  'member-remove': 'removed',
  'member-add': 'added',
  'member-launch': 'started',
  'member-promote': 'promoted',
  defragment: 'defragmented',
  'move-leader': 'moved leadership to',
  'alarm-disarm': 'disarmed',
  'snapshot-download': 'downloaded a snapshot of',
  'snapshot-backup': 'saved a snapshot of',
};

/** An operator's action once it ended (or was refused); the "started" lines stay in the audit log. */
export function fromAudit(a: AuditEntry): TimelineEntry | null {
  if (a.result === 'started') return null;
  const what = a.action === 'alarm-disarm' ? `${actionWords[a.action]} ${String(a.params.alarm)}` : `${actionWords[a.action] ?? a.action}${a.member ? ` ${a.member.name || a.member.id}` : ''}`;
  const result = a.result === 'ok' ? '' : a.result === 'refused' ? ` (refused: ${a.error})` : ` (failed: ${a.error})`;
  return {
    id: `audit:${a.id}:${a.result}`,
    at: a.at,
    cluster: a.cluster,
    kind: 'action',
    source: 'audit',
    severity: a.result === 'ok' ? 'info' : 'warning',
    ...(a.member ? { memberId: a.member.id, memberName: a.member.name } : {}),
    message: `${a.user} ${what}${result}`,
    details: { action: a.action, user: a.user, result: a.result, durationMs: a.durationMs, ...(a.details?.revision !== undefined ? { revision: a.details.revision } : {}) },
  };
}

function hashText(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16);
}
