import type { AuditEntry } from '../audit/types';
import { alertEvidence, isCheckFailure, type CheckEvidence } from './check-evidence';
import type { HashCheck } from './hash-verdicts';
import { suspectsOf } from './hash-verdicts';
import type { LogLine } from '../logs/types';
import type { RingEvent } from '../ring/types';
import type { TimelineEntry } from '../timeline/types';

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
  'backup-drill': 'drilled',
  'keyspace-scan': 'scanned the keyspace',
  'disaster-restore': 'restored from',
};

/** An operator's action once it ended (or was refused); the "started" lines stay in the audit log. */
export function fromAudit(a: AuditEntry): TimelineEntry | null {
  if (a.result === 'started') return null;
  const what =
    a.action === 'alarm-disarm'
      ? `${actionWords[a.action]} ${String(a.params.alarm)}`
      : a.action === 'keyspace-scan'
        ? a.params.source === 'backup' ? "walked the newest backup's keyspace" : `${actionWords[a.action]}${a.member ? ` from ${a.member.name || a.member.id}` : ''}`
        : a.action === 'backup-drill' || a.action === 'disaster-restore'
          ? `${actionWords[a.action]} backup ${String(a.params.backup)}`
          : `${actionWords[a.action] ?? a.action}${a.member ? ` ${a.member.name || a.member.id}` : ''}`;
  // A scheduled run that was due and did not happen says why, once per reason.
  if (a.result === 'skipped') {
    return {
      id: `audit:${a.id}:skipped`,
      at: a.at,
      cluster: a.cluster,
      kind: 'action',
      source: 'audit',
      severity: 'warning',
      message: `${a.user}: ${a.error ?? `${a.action} skipped`}`,
      details: { action: a.action, user: a.user, result: a.result },
    };
  }
  const result = a.result === 'ok' ? '' : a.result === 'refused' ? ` (refused: ${a.error})` : ` (failed: ${a.error})`;
  return {
    id: `audit:${a.id}:${a.result}`,
    at: a.at,
    cluster: a.cluster,
    kind: 'action',
    source: 'audit',
    severity: a.result === 'ok' ? 'info' : a.action === 'backup-drill' && a.result === 'failed' ? 'critical' : 'warning',
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

/**
 * A stored window joined with the ring events the page already shows (its live stream), so what a
 * person copies never lacks an event the page displays: the stored query can be seconds older.
 * Oldest first; an event the window holds already is not repeated.
 */
export function withLiveEvents(window: TimelineEntry[], events: RingEvent[], from: number, to: number): TimelineEntry[] {
  const have = new Set(window.map((e) => e.id));
  const live = events.map(fromRingEvent).filter((e) => !have.has(e.id) && Date.parse(e.at) >= from && Date.parse(e.at) <= to);
  if (live.length === 0) return window;
  return [...window, ...live].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}
