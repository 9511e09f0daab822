import { systemClock, type MonitorClock } from '../monitor/clock';

/**
 * One small scheduler for Ringside's periodic per-cluster work, built once by the composition
 * root (lib/root.ts), started after the monitors and stopped before them.
 *
 * Every `tickMs` it asks each registered job whether a run is due (`decide`). The job answers
 * from the latest ring state and its own last run, on the clock given here:
 *
 *   wait  -> nothing to do yet
 *   skip  -> due, but not now: `reason` in words. Recorded through `onSkip` once per `key`, not
 *            every tick (a ring without quorum says the same thing every 5 s for an hour)
 *   run   -> `run(plan, signal)` in the background
 *
 * What it guarantees, whatever the job:
 *  - single flight: a job never runs twice at once, and `decide` is not asked while it runs;
 *  - one operation per cluster: jobs do their work through the OperationRunner with the
 *    schedule's principal ("ringside (schedule)"), which audits them and refuses a second
 *    operation on the cluster; a job says "skipped after all" by throwing `SkippedRun` (the
 *    runner was busy), which is recorded like a skip;
 *  - `mayRun(job)` is asked before every decision. It is true here. Issue 18 (several replicas
 *    on PostgreSQL) passes a lease check, so a job runs on exactly one replica; a replica
 *    without the lease stays quiet (no skip is recorded: another replica does the work);
 *  - `stop()` ends the ticking, aborts the signal handed to running jobs and waits for them.
 *
 * Jobs today: scheduled backups and restore drills (lib/ops/backups.ts). Issue 17 registers its
 * scheduled keyspace scans and rule-driven defragment the same way: an `id` such as
 * `keyspace-scan/prod`, a `decide` over its own last run (e.g. `decideScheduledDefrag`), and a
 * `run` that starts its runner operation.
 */

export type JobDecision<P> =
  | { action: 'wait' }
  | { action: 'run'; plan: P }
  /** `key` identifies the reason for recording once, e.g. `no-quorum@<dueAt>`. */
  | { action: 'skip'; key: string; reason: string };

export interface ScheduledJob<P = unknown> {
  /** Unique among jobs: `<kind>/<cluster>`, e.g. `backup/prod`. */
  readonly id: string;
  readonly cluster: string;
  /** What the audit log calls its runs (and its skips), e.g. `snapshot-backup`. */
  readonly action: string;
  decide(now: Date): JobDecision<P> | Promise<JobDecision<P>>;
  run(plan: P, signal: AbortSignal): Promise<void>;
}

/** A job that found, once it tried, that it could not run (the cluster's runner was busy). */
export class SkippedRun extends Error {
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'SkippedRun';
  }
}

export interface SchedulerOptions {
  clock?: MonitorClock;
  /** How often every job is asked; default 5 s. */
  tickMs?: number;
  /** May this process run the job now? Issue 18's lease; default yes. */
  mayRun?: (job: ScheduledJob) => boolean | Promise<boolean>;
  /** A due run that did not happen, with why (once per key). */
  onSkip?: (job: ScheduledJob, reason: string) => void;
  /** A run or a decision that threw (a bug, or a store that fails in a way the job did not catch). */
  onError?: (job: ScheduledJob, error: unknown) => void;
}

export interface JobStatus {
  id: string;
  cluster: string;
  running: boolean;
  /** The last skip's reason while it still holds; null once a run starts or nothing is due. */
  skipped: string | null;
  lastRunAt: string | null;
}

interface Slot {
  job: ScheduledJob;
  running: Promise<void> | null;
  lastSkipKey: string | null;
  skipped: string | null;
  lastRunAt: string | null;
}

export class Scheduler {
  private readonly slots = new Map<string, Slot>();
  private readonly clock: MonitorClock;
  private readonly tickMs: number;
  private timer: unknown = null;
  private ticking: Promise<void> | null = null;
  private started = false;
  private abort = new AbortController();

  constructor(private readonly opts: SchedulerOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.tickMs = opts.tickMs ?? 5_000;
  }

  register(job: ScheduledJob<never> | ScheduledJob): void {
    if (this.slots.has(job.id)) throw new Error(`scheduler: a job ${job.id} is registered already`);
    this.slots.set(job.id, { job: job as ScheduledJob, running: null, lastSkipKey: null, skipped: null, lastRunAt: null });
  }

  /** Starts ticking; the first tick is at once. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(0);
  }

  /** One pass over every job now (tests on a fake clock; the timer uses the same path). */
  tick(): Promise<void> {
    this.ticking ??= this.pass().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  status(): JobStatus[] {
    return [...this.slots.values()].map((s) => ({ id: s.job.id, cluster: s.job.cluster, running: s.running !== null, skipped: s.skipped, lastRunAt: s.lastRunAt }));
  }

  /** Stops ticking, aborts running jobs' signal and waits for them to end. */
  async stop(): Promise<void> {
    this.started = false;
    this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.ticking;
    await Promise.all([...this.slots.values()].map((s) => s.running));
    this.abort = new AbortController();
  }

  private schedule(delayMs: number): void {
    if (!this.started) return;
    this.timer = this.clock.setTimeout(async () => {
      await this.tick();
      this.schedule(this.tickMs);
    }, delayMs);
  }

  private async pass(): Promise<void> {
    for (const slot of this.slots.values()) {
      if (slot.running || this.abort.signal.aborted) continue;
      const { job } = slot;
      try {
        if (!(await (this.opts.mayRun ?? (() => true))(job))) continue;
        const d = await job.decide(new Date(this.clock.now()));
        if (d.action === 'wait') slot.skipped = null;
        else if (d.action === 'skip') this.skipped(slot, d.key, d.reason);
        else this.launch(slot, d.plan);
      } catch (e) {
        this.opts.onError?.(job, e);
      }
    }
  }

  private launch(slot: Slot, plan: unknown): void {
    slot.lastSkipKey = null;
    slot.skipped = null;
    slot.lastRunAt = new Date(this.clock.now()).toISOString();
    slot.running = slot.job
      .run(plan, this.abort.signal)
      .catch((e: unknown) => {
        if (e instanceof SkippedRun) this.skipped(slot, e.key, e.reason);
        else this.opts.onError?.(slot.job, e);
      })
      .finally(() => {
        slot.running = null;
      });
  }

  private skipped(slot: Slot, key: string, reason: string): void {
    slot.skipped = reason;
    if (slot.lastSkipKey === key) return;
    slot.lastSkipKey = key;
    this.opts.onSkip?.(slot.job, reason);
  }
}
