import 'server-only';
import path from 'node:path';
import type { AuditEntry } from '../audit/types';
import type { MonitorMessage } from '../monitor/cluster-monitor';
import { fromAudit, fromHashCheck, fromLogLine, fromRingEvent } from '../model/timeline-entries';
import { TimelineStore } from './store';

/** What the timeline listens to: a cluster's name and its message bus. */
export interface TimelineSource {
  readonly cluster: { name: string };
  subscribe(fn: (msg: MonitorMessage) => void): () => void;
}

/**
 * The timeline store in `<dataDir>/timeline`, or null (with one readable line) when the directory
 * cannot be used: a missing timeline must never take the server down.
 */
export function openTimeline(dataDir: string): TimelineStore | null {
  const dir = path.join(dataDir, 'timeline');
  try {
    return new TimelineStore(dir);
  } catch (e) {
    console.error(`[ringside] no incident timeline: cannot use ${dir} (${(e as NodeJS.ErrnoException).code ?? String(e)}); set dataDir in the config to a writable directory`);
    return null;
  }
}

/**
 * Feeds the store from every cluster: ring events, HashKV verdict changes, and the members'
 * corruption evidence, alarm and check lines. Operator actions arrive through `auditRecorder`,
 * which the runner calls.
 */
export function feedTimeline(store: TimelineStore, sources: Iterable<TimelineSource>, mayWrite: () => boolean = () => true): void {
  for (const source of sources) {
    const cluster = source.cluster.name;
    let lastVerdict: boolean | null | undefined;
    source.subscribe((msg) => {
      // Several replicas see the same ring: the leader records it, the others read its entries.
      if (!mayWrite()) return;
      if (msg.type === 'ring-event') store.append(fromRingEvent(msg.event));
      else if (msg.type === 'hashkv') {
        const e = fromHashCheck(lastVerdict, msg.check);
        if (msg.check.consistent !== null) lastVerdict = msg.check.consistent;
        if (e) store.append(e);
      } else if (msg.type === 'log') {
        const e = fromLogLine(cluster, msg.line);
        if (e) store.append(e);
      }
    });
  }
  // What is pending reaches the disk on any exit that runs handlers (flush is synchronous); a
  // kill -9 loses at most one flush interval (250 ms).
  process.once('exit', () => store.flush());
}

/** For the operation runner: every audit line it writes becomes a timeline entry. */
export function auditRecorder(store: TimelineStore | null): (entry: AuditEntry) => void {
  return (entry) => {
    const e = fromAudit(entry);
    if (e && store) store.append(e);
  };
}
