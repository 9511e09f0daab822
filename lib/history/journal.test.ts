import { describe, expect, test, vi } from 'vitest';
import type { Alert } from '../alerts/tracker';
import type { ClusterMonitor, MonitorMessage } from '../monitor/cluster-monitor';
import type { HistoryLog, StateCell } from '../store/types';

vi.mock('server-only', () => ({}));
const { HistoryJournal } = await import('./journal');
type Saved = import('./journal').SavedAlerts;

/** A monitor as the journal sees it: a name, a bus, and its alert list. */
function fakeMonitor(name: string) {
  const subs = new Set<(m: MonitorMessage) => void>();
  let alerts: Alert[] = [];
  const monitor = {
    cluster: { name },
    subscribe: (fn: (m: MonitorMessage) => void) => (subs.add(fn), () => subs.delete(fn)),
    alerts: () => alerts,
    history: { fullMs: 3_600_000, coarseMs: 86_400_000, bucketMs: 60_000 },
  } as unknown as ClusterMonitor;
  return {
    monitor,
    change(next: Alert[]) {
      alerts = next;
      for (const fn of subs) fn({ type: 'alerts', alerts: next } as MonitorMessage);
    },
  };
}

const nolog: HistoryLog = { appendSamples: async () => {}, appendMinutes: async () => {}, load: async () => ({ samples: [], minutes: [] }), prune: async () => {} };

describe('the history journal keeps the alert state current', () => {
  test('an alert list that changed is saved at once, not with the next 5 s batch: a kill -9 right after a resolve does not bring the alert back', async () => {
    const saves: Saved[] = [];
    const cell: StateCell<Saved> = { load: async () => ({ state: null }), save: async (s) => void saves.push(structuredClone(s)) };
    const m = fakeMonitor('prod');
    const journal = new HistoryJournal({ log: nolog, alerts: cell, monitors: [m.monitor], mayWrite: () => true, flushMs: 60_000, warn: () => {} });
    journal.start();
    try {
      const firing = { id: 'prod/etcdMembersDown/aa', cluster: 'prod', rule: 'etcdMembersDown', state: 'firing' } as Alert;
      m.change([firing]);
      m.change([firing]); // one poll round's changes are one write
      await vi.waitFor(() => expect(saves).toHaveLength(1), { timeout: 1000, interval: 10 });
      expect(saves[0].clusters.prod.map((a) => a.id)).toEqual([firing.id]);
      m.change([]);
      await vi.waitFor(() => expect(saves).toHaveLength(2), { timeout: 1000, interval: 10 });
      expect(saves[1].clusters.prod).toEqual([]);
    } finally {
      await journal.stop();
    }
  });

  test('a replica that does not write (not the lease holder) saves nothing', async () => {
    const save = vi.fn(async () => {});
    const m = fakeMonitor('prod');
    const journal = new HistoryJournal({ log: nolog, alerts: { load: async () => ({ state: null }), save }, monitors: [m.monitor], mayWrite: () => false, flushMs: 60_000 });
    journal.start();
    m.change([{ id: 'prod/x', cluster: 'prod' } as Alert]);
    await new Promise((r) => setTimeout(r, 150));
    await journal.stop();
    expect(save).not.toHaveBeenCalled();
  });
});
