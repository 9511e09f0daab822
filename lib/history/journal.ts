import 'server-only';
import type { Alert } from '../alerts/tracker';
import type { ClusterMonitor } from '../monitor/cluster-monitor';
import { sampleOf, type HistorySample } from '../model/series';
import type { HistoryLog, StateCell } from '../store/types';
import type { MinuteBuckets } from './store';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The alert state as saved: every cluster's pending and firing alerts. */
export interface SavedAlerts {
  version: 1;
  clusters: Record<string, Alert[]>;
}

export interface JournalOptions {
  log: HistoryLog;
  alerts: StateCell<SavedAlerts>;
  monitors: Iterable<ClusterMonitor>;
  /** Whether this replica writes (the leader on PostgreSQL; always on files): one writer per cluster. */
  mayWrite: () => boolean;
  /** How often batches reach the store; default 5 s. */
  flushMs?: number;
  /** How long a restored alert waits to be seen again before it resolves; default 2 minutes. */
  settleMs?: number;
  now?: () => number;
  warn?: (line: string) => void;
}

interface Pending {
  monitor: ClusterMonitor;
  samples: HistorySample[];
  minutes: MinuteBuckets[];
  lastBucket: number | null;
}

/**
 * What a restart must not lose, kept cheaply: every poll's sample is batched and appended every
 * few seconds (one write per cluster per flush, not one per poll per member), each minute's
 * buckets once when it closes, and the alert list when it changed. `restore()` puts the last
 * hour of polls, the day of minutes and the alerts (with their `firing since`) back into the
 * monitors before they start.
 */
export class HistoryJournal {
  private readonly pending = new Map<string, Pending>();
  private readonly unsubscribe: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private alertsDirty = false;
  private flushing: Promise<void> | null = null;
  private lastPrune = 0;
  private readonly now: () => number;
  private readonly warn: (line: string) => void;

  constructor(private readonly opts: JournalOptions) {
    this.now = opts.now ?? Date.now;
    this.warn = opts.warn ?? ((l) => console.warn(l));
    for (const m of opts.monitors) this.pending.set(m.cluster.name, { monitor: m, samples: [], minutes: [], lastBucket: null });
  }

  /** Before the monitors start: the history and the alerts from the store. Never throws: a restart without its past still starts. */
  async restore(): Promise<void> {
    const now = this.now();
    for (const [cluster, p] of this.pending) {
      try {
        const h = p.monitor.history;
        const { samples, minutes } = await this.opts.log.load(cluster, now - h.fullMs - 60_000, Math.floor((now - h.coarseMs) / h.bucketMs));
        h.restore(minutes, samples);
      } catch (e) {
        this.warn(`[ringside] the history of ${cluster} from before the restart could not be read: ${(e as Error).message}`);
      }
    }
    try {
      const { state } = await this.opts.alerts.load(now);
      if (state?.version === 1) for (const [cluster, p] of this.pending) p.monitor.restoreAlerts(state.clusters[cluster] ?? [], this.opts.settleMs ?? 120_000);
    } catch (e) {
      this.warn(`[ringside] the alert state from before the restart could not be read: ${(e as Error).message}`);
    }
  }

  start(): void {
    for (const p of this.pending.values()) {
      this.unsubscribe.push(
        p.monitor.subscribe((msg) => {
          if (msg.type === 'alerts') {
            this.alertsDirty = true;
            // The alert list is saved as soon as it changes, not with the next batch: a kill -9
            // seconds after an alert resolved must not bring it back firing after the restart.
            this.saveAlertsSoon();
          }
          if (msg.type !== 'ring') return;
          const sample = sampleOf(msg.ring);
          p.samples.push(sample);
          const h = p.monitor.history;
          const bucket = Math.floor(sample.at / h.bucketMs);
          if (p.lastBucket !== null && bucket > p.lastBucket) p.minutes.push(...h.minuteRows(p.lastBucket, bucket));
          p.lastBucket = bucket;
        }),
      );
    }
    this.timer = setInterval(() => void this.flush(), this.opts.flushMs ?? 5000);
  }

  private alertsTimer: NodeJS.Timeout | null = null;

  private saveAlertsSoon(): void {
    // Several clusters' changes in one poll round are one write.
    this.alertsTimer ??= setTimeout(() => {
      this.alertsTimer = null;
      void this.saveAlerts();
    }, 50);
  }

  private saving: Promise<void> = Promise.resolve();

  /** The alert list of every cluster, if this replica writes and it changed; one save at a time. */
  private saveAlerts(): Promise<void> {
    this.saving = this.saving.then(async () => {
      if (!this.opts.mayWrite() || !this.alertsDirty) return;
      this.alertsDirty = false;
      const clusters = Object.fromEntries([...this.pending].map(([c, p]) => [c, p.monitor.alerts()]));
      await this.opts.alerts.save({ version: 1, clusters }).catch((e: Error) => {
        this.alertsDirty = true;
        this.warn(`[ringside] cannot store the alert state: ${e.message}`);
      });
    });
    return this.saving;
  }

  /** Writes what is batched (the timer's; stop's last one). */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.alertsTimer) clearTimeout(this.alertsTimer);
    this.timer = this.alertsTimer = null;
    for (const u of this.unsubscribe.splice(0)) u();
    await this.flushing;
    // The alert list as it is now, whatever changed since the last flush.
    this.alertsDirty = true;
    await this.flush();
  }

  private async write(): Promise<void> {
    const writing = this.opts.mayWrite();
    const now = this.now();
    for (const [cluster, p] of this.pending) {
      const samples = p.samples.splice(0);
      const minutes = p.minutes.splice(0);
      if (!writing) continue; // the leader writes the ring's history; this replica's copy is the same
      try {
        await this.opts.log.appendSamples(cluster, samples);
        await this.opts.log.appendMinutes(cluster, minutes);
      } catch (e) {
        this.warn(`[ringside] cannot store the history of ${cluster}: ${(e as Error).message}`);
      }
    }
    if (writing) await this.saveAlerts();
    if (writing && now - this.lastPrune > 10 * 60_000) {
      this.lastPrune = now;
      for (const [cluster, p] of this.pending) {
        const h = p.monitor.history;
        await this.opts.log.prune(cluster, now - h.fullMs - 120_000, Math.floor((now - DAY) / h.bucketMs) - 1).catch(() => undefined);
      }
    }
  }
}
