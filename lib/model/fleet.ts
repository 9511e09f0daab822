import type { ClusterSummary } from '../ring/summary';

/** What a wall screen says of a cluster, worst first. */
export type NocState = 'NO QUORUM' | 'CORRUPT' | 'CRITICAL' | 'UNKNOWN' | 'DEGRADED' | 'OK';

export const NOC_RANK: Record<NocState, number> = { 'NO QUORUM': 0, CORRUPT: 1, CRITICAL: 2, UNKNOWN: 3, DEGRADED: 4, OK: 5 };

export interface NocStatus {
  state: NocState;
  /** Why, in a few words each, worst first: what a person across the room needs next. */
  reasons: string[];
  /** The data is older than three poll intervals: shown, but never as live. */
  stale: boolean;
  /** Milliseconds since the cluster's last poll, null before the first. */
  ageMs: number | null;
}

/**
 * One cluster's wall-screen state from its summary. CORRUPT outranks everything but lost quorum:
 * a HashKV split or the CORRUPT alarm means data is wrong somewhere, even with every member up.
 */
export function nocStatus(c: ClusterSummary, now: number): NocStatus {
  const ageMs = c.at ? Math.max(0, now - Date.parse(c.at)) : null;
  const stale = ageMs === null || ageMs > 3 * (c.pollIntervalMs ?? 1000);
  const reasons: string[] = [];
  const corrupt = c.alarms.some((a) => a.alarm === 'CORRUPT') || c.hash?.consistent === false;
  const critical = c.alerts.filter((a) => a.severity === 'critical');
  const down = c.memberList.filter((m) => !m.reachable && (m.started || m.role !== 'learner'));

  if (c.alarms.some((a) => a.alarm === 'CORRUPT')) reasons.push('CORRUPT alarm');
  if (c.hash?.consistent === false) reasons.push('HashKV split');
  if (c.alarms.some((a) => a.alarm === 'NOSPACE')) reasons.push('NOSPACE alarm');
  if (down.length) reasons.push(`${down.map((m) => m.name).join(', ')} down`);
  for (const a of c.alerts) if (!/down/.test(a.message) || !down.length) reasons.push(a.message);

  let state: NocState;
  if (c.health === 'unknown' || c.quorum === null) state = 'UNKNOWN';
  else if (!c.quorum.hasQuorum) state = 'NO QUORUM';
  else if (corrupt) state = 'CORRUPT';
  else if (critical.length || c.alarms.length) state = 'CRITICAL';
  else if (c.health !== 'healthy' || c.alerts.length || down.length) state = 'DEGRADED';
  else state = 'OK';
  if (state === 'UNKNOWN' && !reasons.length) reasons.push(c.summary);
  return { state, reasons: [...new Set(reasons)], stale, ageMs };
}

/** Worst first, then by name; a stale cluster counts as UNKNOWN for the order (among the stale, the last known state decides). */
export function sortFleet<T extends ClusterSummary>(clusters: T[], now: number): (T & { noc: NocStatus })[] {
  return clusters
    .map((c) => ({ ...c, noc: nocStatus(c, now) }))
    .sort((a, b) => rank(a.noc) - rank(b.noc) || NOC_RANK[a.noc.state] - NOC_RANK[b.noc.state] || a.name.localeCompare(b.name));
}

function rank(s: NocStatus): number {
  return Math.min(NOC_RANK[s.state], s.stale ? NOC_RANK.UNKNOWN : Infinity);
}

/** Columns and rows that fit `n` tiles on a 16:9 screen without scrolling (up to 12 comfortably). */
export function nocGrid(n: number): { cols: number; rows: number } {
  if (n <= 1) return { cols: 1, rows: 1 };
  if (n <= 2) return { cols: 2, rows: 1 };
  if (n <= 4) return { cols: 2, rows: 2 };
  if (n <= 6) return { cols: 3, rows: 2 };
  if (n <= 9) return { cols: 3, rows: 3 };
  if (n <= 12) return { cols: 4, rows: 3 };
  const cols = Math.ceil(Math.sqrt((n * 16) / 9));
  return { cols, rows: Math.ceil(n / cols) };
}

/**
 * Which cluster the detail pane shows: the worst one, pinned, while anything is wrong; otherwise
 * the next in turn every `cycleMs`.
 */
export function nocFocus(sorted: { name: string; noc: NocStatus }[], now: number, cycleMs: number): { name: string; pinned: boolean } | null {
  if (!sorted.length) return null;
  const worst = sorted[0];
  if (worst.noc.state !== 'OK' || worst.noc.stale) return { name: worst.name, pinned: true };
  const byName = [...sorted].sort((a, b) => a.name.localeCompare(b.name));
  return { name: byName[Math.floor(now / cycleMs) % byName.length].name, pinned: false };
}
