import 'server-only';
import path from 'node:path';
import type { AuditEntry } from '../audit/types';
import { getRegistry } from '../monitor/registry';
import { fromAudit, fromHashCheck, fromLogLine, fromRingEvent } from './entries';
import { TimelineStore } from './store';

const KEY = Symbol.for('ringside.timeline');
type Global = typeof globalThis & { [KEY]?: TimelineStore | null };

/**
 * The process's timeline store (`<dataDir>/timeline`), fed by every cluster monitor: ring events,
 * alerts, HashKV verdict changes, and the members' corruption evidence, alarm and check lines.
 * Operator actions arrive from the operation runner (`recordAudit`). Null without a configuration.
 */
export function getTimeline(): TimelineStore | null {
  const g = globalThis as Global;
  if (g[KEY] === undefined) {
    const { config, monitors } = getRegistry();
    if (config.kind !== 'ok') return (g[KEY] = null);
    const dir = path.join(config.config.dataDir, 'timeline');
    let store: TimelineStore;
    try {
      store = new TimelineStore(dir);
    } catch (e) {
      console.error(`[ringside] no incident timeline: cannot use ${dir} (${(e as NodeJS.ErrnoException).code ?? String(e)}); set dataDir in the config to a writable directory`);
      return (g[KEY] = null);
    }
    for (const monitor of monitors.values()) {
      const cluster = monitor.cluster.name;
      let lastVerdict: boolean | null | undefined;
      monitor.subscribe((msg) => {
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
    g[KEY] = store;
  }
  return g[KEY];
}

/** The runner calls this for every audit line it writes. */
export function recordAudit(entry: AuditEntry): void {
  const e = fromAudit(entry);
  if (e) getTimeline()?.append(e);
}
