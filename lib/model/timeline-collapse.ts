import type { TimelineEntry } from '../timeline/types';

/** Lines are the same line again when the same member says the same thing in the same cluster. */
const keyOf = (e: TimelineEntry) => `${e.cluster}\u0000${e.kind}\u0000${e.memberName ?? ''}\u0000${e.message}`;

/**
 * Collapses each log line that repeats (a leader's check failing against a down member every 5 s)
 * into one entry at its latest occurrence, with `repeat: { count, firstAt }`. Ring events, alerts,
 * HashKV verdicts and actions are state changes and stay one entry each. Pure; oldest first in
 * and out, O(n).
 */
export function collapseRepeats(entries: TimelineEntry[]): TimelineEntry[] {
  const seen = new Map<string, { count: number; firstAt: string; last: number }>();
  entries.forEach((e, i) => {
    if (e.source !== 'log') return;
    const k = keyOf(e);
    const s = seen.get(k);
    if (s) {
      s.count += (e.repeat?.count ?? 1);
      s.last = i;
    } else seen.set(k, { count: e.repeat?.count ?? 1, firstAt: e.repeat?.firstAt ?? e.at, last: i });
  });
  const out: TimelineEntry[] = [];
  entries.forEach((e, i) => {
    if (e.source !== 'log') return void out.push(e);
    const s = seen.get(keyOf(e))!;
    if (s.last !== i) return;
    out.push(s.count > 1 ? { ...e, repeat: { count: s.count, firstAt: s.firstAt } } : e);
  });
  return out;
}

/**
 * How much an entry matters to the person paged: ring events, alerts, HashKV verdicts and
 * operator actions first (the CORRUPT alarm and a hash split are among them); then the members'
 * own evidence lines (corruption, alarms); then checks that could not do their job. Lower first.
 */
export function rankOf(e: TimelineEntry): number {
  if (e.source !== 'log') return 0;
  if (e.kind === 'log-corruption' || e.kind === 'log-alarm') return 1;
  return 2;
}

/** Entries that never belong in "what changed": the checks announcing they are on, at start. */
const isSetting = (e: TimelineEntry) => e.evidence === 'check-config';

/**
 * "What changed" in a window, for triage and the incident summary: repeats collapsed, settings
 * left out, ranked by what matters and newest first within a rank.
 */
export function whatChanged(window: TimelineEntry[]): TimelineEntry[] {
  const rows = collapseRepeats(window.filter((e) => !isSetting(e)));
  return rows
    .map((e, i) => ({ e, i }))
    .sort((a, b) => rankOf(a.e) - rankOf(b.e) || b.i - a.i)
    .map((x) => x.e);
}
