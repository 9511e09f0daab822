import type { KeyspaceDiff, KeyspaceReport, PrefixChange, PrefixUsage } from './types';

const HOUR = 3_600_000;
const GREW = 5;

/**
 * What changed from `previous` to `current`, two keyspace reports of one ring: per prefix the
 * keys, bytes and history gained or lost, the prefixes that grew most first ("what grew" in
 * a NOSPACE triage), and whether compaction moved in between. Pure.
 */
export function diffKeyspace(previous: KeyspaceReport, current: KeyspaceReport): KeyspaceDiff {
  const elapsedMs = Date.parse(current.takenAt) - Date.parse(previous.takenAt);
  const before = new Map(previous.prefixes.map((p) => [p.prefix, p]));
  const after = new Map(current.prefixes.map((p) => [p.prefix, p]));
  const names = [...new Set([...before.keys(), ...after.keys()])];
  const prefixes = names
    .map((name) => change(name, before.get(name), after.get(name), elapsedMs))
    .sort((a, b) => growth(b) - growth(a) || (a.prefix < b.prefix ? -1 : 1));
  const notes: string[] = [];
  if (previous.source.kind !== current.source.kind) {
    notes.push(`a ${previous.source.kind} report against a ${current.source.kind} one: history is counted from a snapshot and estimated by a live scan, so revisions and historyBytes do not compare exactly`);
  }
  if (previous.otherPrefixes || current.otherPrefixes) notes.push('some prefixes were summed as "other" (past the tracked limit) and are not compared one by one');
  return {
    from: { revision: previous.revision, takenAt: previous.takenAt, source: previous.source.kind },
    to: { revision: current.revision, takenAt: current.takenAt, source: current.source.kind },
    elapsedMs,
    delta: {
      keys: current.totalKeys - previous.totalKeys,
      bytes: current.totalBytes - previous.totalBytes,
      revisions: current.revisions - previous.revisions,
      historyBytes: current.historyBytes - previous.historyBytes,
    },
    prefixes,
    grew: prefixes.filter((p) => growth(p) > 0).slice(0, GREW),
    compaction: {
      before: previous.compaction.compactRevision,
      after: current.compaction.compactRevision,
      moved: previous.compaction.compactRevision !== current.compaction.compactRevision,
    },
    note: notes.length ? notes.join('; ') : null,
  };
}

const growth = (p: PrefixChange): number => p.delta.bytes + p.delta.historyBytes;

function change(prefix: string, b: PrefixUsage | undefined, a: PrefixUsage | undefined, elapsedMs: number): PrefixChange {
  const now = a ?? { keys: 0, bytes: 0, revisions: 0, historyBytes: 0 };
  const was = b ?? { keys: 0, bytes: 0, revisions: 0, historyBytes: 0 };
  const delta = {
    keys: now.keys - was.keys,
    bytes: now.bytes - was.bytes,
    revisions: now.revisions - was.revisions,
    historyBytes: now.historyBytes - was.historyBytes,
  };
  const status = !b ? 'new' : !a ? 'gone' : Object.values(delta).every((d) => d === 0) ? 'same' : 'changed';
  return {
    prefix,
    status,
    keys: now.keys,
    bytes: now.bytes,
    revisions: now.revisions,
    historyBytes: now.historyBytes,
    delta,
    bytesPerHour: elapsedMs > 0 ? ((delta.bytes + delta.historyBytes) / elapsedMs) * HOUR : null,
  };
}
