import type { AuditEntry } from '../audit/types';
import type { HashCheck } from '../ring/hashkv';
import { suspectsOf } from '../ring/hashkv';
import type { LogLine } from '../logs/types';
import type { RingEvent } from '../ring/types';
import type { TimelineEntry } from './types';

/** Pure mappers from what the monitor and the audit log produce to timeline entries. */

export function fromRingEvent(e: RingEvent): TimelineEntry {
  const alert = e.kind === 'alert-firing' || e.kind === 'alert-resolved';
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
  };
}

/** Corruption and alarm lines from the members' own logs; healthy confirmations are left out. */
export function fromLogLine(cluster: string, line: LogLine): TimelineEntry | null {
  if ((line.category !== 'corruption' && line.category !== 'alarm') || line.good || !line.at) return null;
  return {
    id: `log:${cluster}:${line.source}:${line.at}:${hashText(line.raw)}`,
    at: line.at,
    cluster,
    kind: line.category === 'corruption' ? 'log-corruption' : 'log-alarm',
    source: 'log',
    severity: line.level === 'error' || line.level === 'fatal' || line.level === 'panic' || line.category === 'corruption' ? 'critical' : 'warning',
    ...(line.member ? { memberName: line.member } : {}),
    message: line.message,
    details: { level: line.level, raw: line.raw.slice(0, 2000) },
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
