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

/**
 * Columns and rows that fit `n` tiles without scrolling (up to 12 comfortably) in an area
 * `aspect` times wider than tall (a 16:9 screen less the detail pane).
 */
export function nocGrid(n: number, aspect = 16 / 9): { cols: number; rows: number } {
  if (n <= 1) return { cols: 1, rows: 1 };
  if (n <= 2) return { cols: 2, rows: 1 };
  if (n <= 4) return { cols: 2, rows: 2 };
  if (n <= 6) return { cols: 3, rows: 2 };
  if (n <= 9) return { cols: 3, rows: 3 };
  if (n <= 12) return { cols: 4, rows: 3 };
  const cols = Math.ceil(Math.sqrt(n * aspect));
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

/** How much a wall tile says: everything, the essentials, or name and state (a big fleet). */
export type TileSize = 'full' | 'compact' | 'dense';

/** The most tiles a wall shows at once: past this a tile is too small to read across a room. */
export const NOC_MAX_TILES = 48;

export interface NocLayout<T> {
  /** The clusters shown as tiles, worst first. */
  tiles: T[];
  /** Healthy clusters folded into one count (a big fleet): OK and live. */
  healthy: T[];
  /** Clusters past the tile limit, folded into one "and N more" tile with a count per state. */
  overflow: T[];
  size: TileSize;
  cols: number;
  rows: number;
}

/**
 * What the wall shows for a fleet sorted worst first. Up to 12 clusters, every one a full tile, as
 * ever. A bigger fleet folds its healthy clusters into one count (what the room needs to see is
 * what is wrong) and gives each other cluster a tile, smaller as there are more, at most
 * NOC_MAX_TILES slots; past that the rest (the least bad, since the order is worst first) fold
 * into one tile of counts by state.
 */
export function nocLayout<T extends { noc: NocStatus }>(sorted: T[]): NocLayout<T> {
  if (sorted.length <= 12) return { tiles: sorted, healthy: [], overflow: [], size: 'full', ...nocGrid(sorted.length) };
  const healthy = sorted.filter((c) => c.noc.state === 'OK' && !c.noc.stale);
  const rest = sorted.filter((c) => !(c.noc.state === 'OK' && !c.noc.stale));
  const room = NOC_MAX_TILES - (healthy.length ? 1 : 0);
  const tiles = rest.length > room ? rest.slice(0, room - 1) : rest;
  const overflow = rest.slice(tiles.length);
  const slots = tiles.length + (healthy.length ? 1 : 0) + (overflow.length ? 1 : 0);
  const size: TileSize = slots <= 12 ? 'full' : slots <= 24 ? 'compact' : 'dense';
  // Past 12 the tiles share a 16:9 wall with the detail pane: fewer, squarer columns (8 x 6 at
  // the limit) keep a state's word ("DEGRADED") whole on one line.
  return { tiles, healthy, overflow, size, ...nocGrid(slots, size === 'full' ? 16 / 9 : 1.2) };
}

/** Counts by state, worst state first (for words like "3 NO QUORUM · 12 UNKNOWN"). */
export function countByState(clusters: { noc: NocStatus }[]): [NocState, number][] {
  const counts = new Map<NocState, number>();
  for (const c of clusters) counts.set(c.noc.state, (counts.get(c.noc.state) ?? 0) + 1);
  return [...counts].sort((a, b) => NOC_RANK[a[0]] - NOC_RANK[b[0]]);
}

/** The overview's search and state filter: a name containing `query` (any case), in one of `states` (all when empty). */
export function filterFleet<T extends { name: string; noc: NocStatus }>(sorted: T[], query: string, states: ReadonlySet<NocState>): T[] {
  const q = query.trim().toLowerCase();
  return sorted.filter((c) => (!q || c.name.includes(q)) && (states.size === 0 || states.has(c.noc.state)));
}
