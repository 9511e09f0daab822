import type { LogLine } from '../logs/types';
import type { Operation } from '../ops/types';
import type { HistorySample } from '../model/series';
import { SERIES_KEYS } from '../model/series';
import type { HashCheck } from '../ring/hashkv';
import type { HistoryResponse } from './keys';
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

/**
 * Appends one streamed poll to a raw (every-poll) history and drops what fell out of the range.
 * Ignores a sample no newer than the last point, and leaves downsampled ranges alone: they are
 * refetched. Members that appear get empty pasts; members missing from the sample get a gap.
 */
export function appendSample(prev: HistoryResponse | undefined, sample: HistorySample, rangeMs: number): HistoryResponse | undefined {
  if (!prev || prev.source !== 'raw') return prev;
  const last = prev.t.at(-1);
  if (last !== undefined && sample.at <= last) return prev;

  const from = sample.at - rangeMs;
  let drop = 0;
  while (drop < prev.t.length && prev.t[drop] <= from) drop++;
  const members = [...prev.members];
  for (const m of sample.members) if (!members.some((x) => x.id === m.id)) members.push({ id: m.id, name: m.name });

  const bySample = new Map(sample.members.map((m) => [m.id, m]));
  const series: HistoryResponse['series'] = {};
  for (const key of Object.keys(prev.series) as (keyof HistoryResponse['series'])[]) {
    const col = SERIES_KEYS.indexOf(key);
    const old = prev.series[key]!;
    series[key] = Object.fromEntries(
      members.map((m) => {
        const past = old[m.id] ?? prev.t.map(() => null);
        const v = bySample.get(m.id)?.values[col];
        return [m.id, [...past.slice(drop), v === undefined || !Number.isFinite(v) ? null : v]];
      }),
    );
  }
  // Polls missed while the stream was down: break the lines rather than join across the hole.
  const gap = last !== undefined && sample.at - last > 3 * prev.stepMs;
  if (gap) for (const byMember of Object.values(series)) for (const values of Object.values(byMember)) values.splice(values.length - 1, 0, null);
  const t = [...prev.t.slice(drop), ...(gap ? [last + prev.stepMs] : []), sample.at];
  return { ...prev, from, to: sample.at, t, members, series };
}

/** Keeps the operations list current from streamed progress: replaced by id, newest first, bounded. */
export function applyOperation(prev: Operation[] | undefined, op: Operation, max = 50): Operation[] {
  // An action's own 202 answer ("running") can arrive after the stream already said it ended (a
  // backup takes milliseconds): an ended operation is never set back to running.
  const held = prev?.find((o) => o.id === op.id);
  if (held && held.state !== 'running' && op.state === 'running') return prev!;
  const rest = (prev ?? []).filter((o) => o.id !== op.id);
  return [op, ...rest].sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, max);
}

/**
 * The log panel's lines after (re)connecting: the server's snapshot is the truth (it holds what
 * was logged while the stream was down, and after a server restart its numbering starts again),
 * plus lines the stream delivered since it opened that the snapshot does not hold yet.
 */
export function resyncLogLines(snapshot: LogLine[], early: LogLine[], keep: number): LogLine[] {
  const last = Math.max(0, ...snapshot.map((l) => l.seq ?? 0));
  return [...snapshot, ...early.filter((l) => (l.seq ?? 0) > last)].slice(-keep);
}

/** A line from the stream, unless it is already held (a line is numbered by its server, `seq`). */
export function appendLogLine(prev: LogLine[] | undefined, line: LogLine, keep: number): LogLine[] {
  const held = prev ?? [];
  const last = held.at(-1)?.seq ?? 0;
  if (line.seq !== undefined && line.seq <= last) return held;
  return [...held, line].slice(-keep);
}
