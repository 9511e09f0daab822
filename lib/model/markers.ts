import type { RingEvent, RingEventKind } from '../ring/types';

/** Ring events drawn on the charts' time axis: what explains a change in the lines. */
export const MARKER_KINDS: ReadonlySet<RingEventKind> = new Set<RingEventKind>([
  'leader-changed',
  'member-down',
  'member-up',
  'quorum-lost',
  'quorum-regained',
  'member-added',
  'member-removed',
  'member-promoted',
  // The lines after it belong to a new cluster (a restore): worth a mark where they change.
  'cluster-id-changed',
]);

export function markersIn(events: readonly RingEvent[], from: number, to: number): RingEvent[] {
  return events.filter((e) => {
    const at = Date.parse(e.at);
    return MARKER_KINDS.has(e.kind) && at > from && at <= to;
  });
}

/** Ring events close together in time, drawn as one marker (a leader killed is down, no leader, no quorum, elected, quorum back). */
export interface MarkerGroup {
  /** The first event's ID. */
  id: string;
  /** Epoch ms of the first event. */
  at: number;
  events: RingEvent[];
}

/** Groups marker events, oldest first, starting a new group when one is more than `nearMs` after the group's first. */
export function groupMarkers(events: readonly RingEvent[], nearMs: number): MarkerGroup[] {
  const groups: MarkerGroup[] = [];
  for (const e of [...events].filter((x) => MARKER_KINDS.has(x.kind)).sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id, undefined, { numeric: true }))) {
    const at = Date.parse(e.at);
    const last = groups.at(-1);
    if (last && at - last.at <= nearMs) last.events.push(e);
    else groups.push({ id: e.id, at, events: [e] });
  }
  return groups;
}
