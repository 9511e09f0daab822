/** One line of the audit log. Pure data: safe for `import type` in client code. */
/** `skipped`: a scheduled run that was due but did not happen (no quorum, a busy runner), with why. */
export type AuditResult = 'started' | 'ok' | 'failed' | 'refused' | 'skipped';

export interface AuditEntry {
  /** The operation this line belongs to; a long action writes `started`, then its result, under one id. */
  id: string;
  /** ISO time the line was written. */
  at: string;
  /** Who acted (an operator's name), as they signed in; `ringside` for what Ringside itself reports (alert delivery). */
  user: string;
  /** How they signed in; `schedule` for Ringside's own scheduled runs, `system` for its own deliveries. */
  via: 'password' | 'token' | 'proxy' | 'system' | 'schedule';
  /** Empty for what concerns no one cluster (a test alert, a receiver failing with alerts of several clusters). */
  cluster: string;
  /** What was asked, e.g. member-remove, snapshot-download, defragment. */
  action: string;
  member?: { id: string; name: string };
  /** What the operator asked for (never secrets). */
  params: Record<string, unknown>;
  result: AuditResult;
  /** Why it failed or was refused, as the operator saw it. */
  error?: string;
  durationMs: number;
  /** What it did: sizes before and after, the snapshot's revision and hash, the member it added... */
  details?: Record<string, unknown>;
}

export interface AuditQuery {
  cluster?: string;
  limit?: number;
  action?: string[];
}

/** Where audit lines go and are read back from: the file (AuditLog), or a test's memory. */
export interface AuditStore {
  /** Resolves once the line is durable. */
  append(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  query(q?: AuditQuery): Promise<AuditEntry[]>;
}
