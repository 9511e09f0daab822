import type { MonitorClock } from '../monitor/clock';
import type { Lease } from './types';

/**
 * The store's side of a lease: one atomic "take it if it is free, expired or mine" that says
 * whether this replica holds it afterwards. Postgres does it with one upsert (postgres.ts); a
 * test does it in memory on a fake clock (`MemoryLeaseTable`).
 */
export interface LeaseTable {
  tryAcquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  release(name: string, holder: string): Promise<void>;
}

/**
 * Keeps a lease: renews it every `ttlMs / 3`. It counts as held only while the last successful
 * renewal was *sent* less than `ttlMs - ttlMs / 3` ago, measured on this replica's own clock, so
 * a replica that loses the store stops believing it holds the lease a third of a lease before
 * anyone else could take it, whatever the clocks of the database and the replicas say.
 */
export class LeaseKeeper implements Lease {
  private heldSince: number | null = null;
  private renewedAt = -Infinity;
  private timer: unknown = null;
  private running = false;
  private renewing: Promise<void> | null = null;
  private readonly listeners = new Set<(held: boolean) => void>();
  private last = false;

  constructor(
    private readonly table: LeaseTable,
    readonly name: string,
    readonly holder: string,
    readonly ttlMs: number,
    private readonly clock: MonitorClock,
    private readonly log: (line: string) => void = (l) => console.warn(l),
  ) {}

  held(): boolean {
    return this.heldSince !== null && this.clock.now() - this.renewedAt < this.ttlMs - this.ttlMs / 3;
  }

  onChange(fn: (held: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop();
  }

  /** One renewal now (the timer's; tests call it on a fake clock). */
  renew(): Promise<void> {
    this.renewing ??= (async () => {
      const sentAt = this.clock.now();
      try {
        const ok = await this.table.tryAcquire(this.name, this.holder, this.ttlMs);
        if (ok) {
          this.heldSince ??= sentAt;
          this.renewedAt = sentAt;
        } else this.heldSince = null;
      } catch (e) {
        this.log(`[ringside] cannot renew the ${this.name} lease: ${(e as Error).message}`);
      }
      this.tell();
    })().finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  /** Tells listeners when `held()` changed, including by time passing without a renewal. */
  tell(): void {
    const now = this.held();
    if (now === this.last) return;
    this.last = now;
    for (const fn of this.listeners) fn(now);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.clock.clearTimeout(this.timer);
    await this.renewing;
    const had = this.heldSince !== null;
    this.heldSince = null;
    this.tell();
    if (had) await this.table.release(this.name, this.holder).catch(() => undefined);
  }

  private loop(): void {
    if (!this.running) return;
    void this.renew().then(() => {
      if (this.running) this.timer = this.clock.setTimeout(() => this.loop(), this.ttlMs / 3);
    });
  }
}

/** Always held: one process on files is its own leader. */
export const SOLE_LEASE: Lease = {
  held: () => true,
  onChange: () => () => {},
  start: () => {},
  stop: async () => {},
};

/** The lease table's rule in memory, on a given clock: for tests of the keeper and of takeover. */
export class MemoryLeaseTable implements LeaseTable {
  readonly rows = new Map<string, { holder: string; expiresAt: number }>();
  /** Set to make every call fail, as a lost database would. */
  down = false;

  constructor(private readonly now: () => number) {}

  async tryAcquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    if (this.down) throw new Error('connection refused');
    const row = this.rows.get(name);
    if (row && row.holder !== holder && row.expiresAt > this.now()) return false;
    this.rows.set(name, { holder, expiresAt: this.now() + ttlMs });
    return true;
  }

  async release(name: string, holder: string): Promise<void> {
    if (this.rows.get(name)?.holder === holder) this.rows.delete(name);
  }
}
