import 'server-only';
import type { TimelineLog } from '../store/types';
import type { TimelineStore } from './store';
import type { TimelineEntry } from './types';

const DAY = 86_400_000;

/**
 * Several replicas, one timeline: what this replica records (its operators' actions; the ring's
 * events while it leads) goes to the store in batches, and every replica follows the store's
 * rows by sequence number into its own timeline, so each shows what every replica recorded.
 */
export class TimelineShare {
  private outbox: TimelineEntry[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private lastPrune = 0;

  constructor(
    private readonly log: TimelineLog,
    private readonly store: TimelineStore,
    private readonly opts: { maxAgeMs?: number; mayPrune: () => boolean; warn?: (line: string) => void },
  ) {
    store.onAppend = (entries) => this.outbox.push(...entries);
  }

  async start(): Promise<void> {
    const { entries, seq } = await this.log.recent(Date.now() - (this.opts.maxAgeMs ?? 14 * DAY), 50_000);
    this.store.adopt(entries);
    this.seq = seq;
    this.timer = setInterval(() => void this.sync(), 1000);
  }

  /** Sends what is pending and reads what the others added (the timer's; stop's last one). */
  sync(): Promise<void> {
    this.busy ??= (async () => {
      try {
        const out = this.outbox.splice(0);
        if (out.length) await this.log.append(out).catch((e: Error) => {
          this.outbox.unshift(...out.slice(-10_000));
          throw e;
        });
        for (;;) {
          const next = await this.log.since(this.seq, 5000);
          this.seq = next.seq;
          this.store.adopt(next.entries);
          if (next.entries.length < 5000) break;
        }
        if (this.opts.mayPrune() && Date.now() - this.lastPrune > 3_600_000) {
          this.lastPrune = Date.now();
          await this.log.prune(Date.now() - (this.opts.maxAgeMs ?? 14 * DAY));
        }
      } catch (e) {
        (this.opts.warn ?? console.warn)(`[ringside] cannot share the timeline through the store: ${(e as Error).message}`);
      }
    })().finally(() => {
      this.busy = null;
    });
    return this.busy;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.busy;
    await this.sync();
  }
}
