import type { CheckFinding } from '../model/check-evidence';

/**
 * etcd log lines as Ringside shows them. Pure data, safe to import from client code with
 * `import type`.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'panic' | 'fatal' | 'unknown';

/**
 * What a line is about, for filtering and highlighting:
 * - corruption: evidence that the members' data differs: a hash mismatch found by etcd's own
 *   checks, a member refusing to start over inconsistent data, the CORRUPT alarm, a damaged db.
 * - corruption-check: the checks themselves: enabled, a round started, passed, or could not reach
 *   or compare with a peer. Never evidence of corruption (see `CheckFinding`).
 * - alarm: NOSPACE (quota) alarms; a CORRUPT alarm counts as corruption.
 * - disk: slow fdatasync, late heartbeats from an overloaded leader, slow applies and reads.
 * - leader-election: raft votes, terms, leaders elected, lost or changed.
 * - membership: members added, promoted, removed, and removed members that come back.
 * - version: the cluster version moving during a rolling upgrade, and a member refusing to start
 *   because its ring or its data dir is newer than its binary.
 */
export type LogCategory = 'corruption' | 'corruption-check' | 'alarm' | 'disk' | 'leader-election' | 'membership' | 'version' | 'other';

export interface LogLine {
  /** ISO time, null when the line carries none (Go panic traces, etcd's stderr banner). */
  at: string | null;
  level: LogLevel;
  /** Member name or ID, filled by the log source that knows whose file this is; null if unknown. */
  member: string | null;
  message: string;
  /** Structured fields (zap) or what the text format carries (capnslog: `pkg`). IDs stay as etcd wrote them. */
  fields: Record<string, unknown>;
  category: LogCategory;
  /** A healthy confirmation, e.g. "initial corruption checking passed; no corruption". */
  good: boolean;
  /** For lines about consistency (categories corruption and corruption-check): which kind of evidence, how the check went, which peer. */
  check: CheckFinding | null;
  raw: string;
  /** Where the line came from, e.g. a file path or "m1:stderr". */
  source: string;
  /** Arrival order within one Ringside process, set by the collector; lets a client join a snapshot and a stream without gaps or repeats. */
  seq?: number;
}
