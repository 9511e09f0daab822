// Test-only helpers for delivery (lib/notify) and its integration tests: a clock that moves only
// when told, a bounded wait for a condition, and real tracker alerts from a simulated ring.
import { evaluateRules } from '../alerts/rules';
import { AlertTracker, type Alert } from '../alerts/tracker';
import type { MetricsResult } from '../etcd/types';
import type { MemberMetrics } from '../metrics/member-metrics';
import { deriveRing } from '../ring/derive';
import { downProbe, ids, okProbe, poll } from '../ring/fixtures';
import type { Clock } from './clock';

/** Time stands still until `advance()`, which runs the timers that fall due, in order. */
export class FakeClock implements Clock {
  private timers: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;

  constructor(private t: number) {}

  now = (): number => this.t;

  setTimer(fn: () => void, ms: number): () => void {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = end;
  }

  /** When the next timer falls due, or null. */
  nextTimerAt(): number | null {
    return this.timers.length ? Math.min(...this.timers.map((x) => x.at)) : null;
  }
}

/** Waits (in real time, bounded) until `pred` holds; throws naming `what` otherwise. */
export async function until(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

type Name = keyof typeof ids;

/**
 * A 3-member ring (the ring fixtures' m1-m3) through the real rule evaluator and the real
 * AlertTracker at 1 s polls on a fake clock: alerts exactly as a ClusterMonitor would hand them to
 * delivery. `poll()` evaluates once at the clock's time.
 */
export class TrackedRing {
  readonly tracker: AlertTracker;
  private seq = 0;

  constructor(
    private readonly clock: FakeClock,
    readonly cluster = 'demo',
  ) {
    this.tracker = new AlertTracker(cluster, { pollIntervalMs: 1000 });
  }

  /** Polls once with these members down and m2's WAL fsync p99 at `m2FsyncMs`; the tracker's alerts after. */
  poll(opts: { down?: Name[]; m2FsyncMs?: number } = {}): Alert[] {
    const now = this.clock.now();
    const probes = (['m1', 'm2', 'm3'] as const).map((n) => (opts.down?.includes(n) ? downProbe(n) : okProbe(n, ids.m1)));
    const metrics: Record<string, MetricsResult> = {};
    if (opts.m2FsyncMs !== undefined) metrics[ids.m2] = { ok: true, url: 'http://127.0.0.1:2279/metrics', metrics: memberMetrics(now, opts.m2FsyncMs) };
    const ring = deriveRing({ ...poll(++this.seq, probes, { metrics }), cluster: this.cluster, at: now }, null, { bootId: 'test', pollIntervalMs: 1000 });
    this.tracker.update(evaluateRules({ ring, hashChecks: [], events: [], now }), now);
    return this.tracker.list();
  }
}

function memberMetrics(now: number, walFsyncP99Ms: number): MemberMetrics {
  return {
    memberId: ids.m2,
    at: new Date(now).toISOString(),
    hasLeader: true,
    isLeader: false,
    walFsyncP99Ms,
    backendCommitP99Ms: 4,
    peers: [],
    peerRttP99Ms: 1,
    proposalsPending: 0,
    proposalsFailed15m: 0,
    leaderChanges15m: 0,
    slowApplies15m: 0,
    heartbeatFailures15m: 0,
    dbSize: 20480,
    dbSizeInUse: 16384,
    quotaBytes: 2 ** 31,
    quotaUsedPct: 0.001,
    restarted: false,
  };
}
