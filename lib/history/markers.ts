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
]);

export function markersIn(events: readonly RingEvent[], from: number, to: number): RingEvent[] {
  return events.filter((e) => {
    const at = Date.parse(e.at);
    return MARKER_KINDS.has(e.kind) && at > from && at <= to;
  });
}
