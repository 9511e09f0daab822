import type { HashCheck } from '../ring/hashkv';
import type { RingEvent, RingState } from '../ring/types';

/**
 * Folds a ring state from the stream into what the cache holds, ignoring anything older: within
 * one server boot by poll sequence, across a server restart by poll time. A late message from a
 * dropped connection can therefore never overwrite a fresher state.
 */
export function applyRing(prev: RingState | undefined, next: RingState): RingState {
  if (!prev) return next;
  if (prev.bootId === next.bootId) return next.seq > prev.seq ? next : prev;
  return Date.parse(next.at) >= Date.parse(prev.at) ? next : prev;
}

/** Merges events into a newest-first list without duplicates, keeping at most `max`. */
export function applyEvents(prev: RingEvent[] | undefined, incoming: RingEvent[], max = 200): RingEvent[] {
  const byId = new Map<string, RingEvent>();
  for (const e of prev ?? []) byId.set(e.id, e);
  let added = false;
  for (const e of incoming) {
    if (!byId.has(e.id)) {
      byId.set(e.id, e);
      added = true;
    }
  }
  if (!added && prev) return prev;
  return [...byId.values()]
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || b.id.localeCompare(a.id, undefined, { numeric: true }))
    .slice(0, max);
}

/** A HashKV check replaces the held one only if it is newer. */
export function applyHashCheck(prev: HashCheck | undefined, next: HashCheck): HashCheck {
  if (!prev?.checkedAt) return next;
  return Date.parse(next.checkedAt) >= Date.parse(prev.checkedAt) ? next : prev;
}
