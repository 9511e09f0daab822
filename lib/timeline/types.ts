import type { CheckEvidence } from '../model/check-evidence';
import type { EventSeverity, RingEventKind } from '../ring/types';

/** Pure data: one line of the incident timeline, whatever it came from. */
export type TimelineKind =
  | RingEventKind
  /** HashKV at a common revision started to disagree, or agrees again. */
  | 'hashkv-mismatch'
  | 'hashkv-agree'
  /** A member's own log line with corruption evidence, or about an alarm (healthy confirmations are left out). */
  | 'log-corruption'
  | 'log-alarm'
  /** A member's corruption check that could not do its job (a peer unreachable or not comparable, a round failed). */
  | 'log-check'
  /** A member announcing its corruption checks are on (at start). */
  | 'log-check-config'
  /** An operator's action from the audit log: done, failed or refused. */
  | 'action';

export type TimelineSource = 'ring' | 'alert' | 'hashkv' | 'log' | 'audit';

export interface TimelineEntry {
  /** Unique; entries with the same id are the same entry. */
  id: string;
  /** ISO time it happened. */
  at: string;
  cluster: string;
  kind: TimelineKind;
  source: TimelineSource;
  severity: EventSeverity;
  memberId?: string;
  memberName?: string;
  message: string;
  /** Rule, alarm, action, user, result, evidence line...: what a summary may quote. */
  details?: Record<string, unknown>;
  /** What the entry says about the data, for entries about consistency: only `corruption` is corruption. */
  evidence?: CheckEvidence;
  /** A line that repeated, collapsed into this entry (`at` is its latest time); see collapseRepeats. */
  repeat?: { count: number; firstAt: string };
}

export interface TimelineQuery {
  clusters?: string[];
  /** Member names or IDs. */
  members?: string[];
  kinds?: TimelineKind[];
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, inclusive. */
  to?: number;
  /** At most this many, the newest when there are more. */
  limit?: number;
}
