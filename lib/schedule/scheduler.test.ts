import { describe, expect, test } from 'vitest';
import type { MonitorClock } from '../monitor/clock';
import { Scheduler, SkippedRun, type JobDecision, type ScheduledJob } from './scheduler';

/** Timers that fire only when the test advances time. */
class FakeClock implements MonitorClock {
  t = Date.UTC(2026, 10, 30, 3, 0, 0);
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private next = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.next++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== h);
  };
  /** Moves time on, firing due timers in order and letting their promises settle. */
  async advance(ms: number) {
    // What the test just did (a run ended) settles before any timer fires.
    await flush();
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const due = this.timers[0];
      if (!due || due.at > end) break;
      this.timers.shift();
      this.t = due.at;
      due.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

/** Lets every pending promise chain settle (setImmediate runs after the microtask queue is empty). */
const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/** A job whose decisions the test scripts, recording its runs; `run` ends when the test says. */
function job(id: string, decide: (now: Date) => JobDecision<string>) {
  const runs: { plan: string; signal: AbortSignal; end: () => void; fail: (e: unknown) => void }[] = [];
  const j: ScheduledJob<string> = {
    id,
    cluster: id.split('/')[1],
    action: 'snapshot-backup',
    decide,
    run: (plan, signal) =>
      new Promise<void>((resolve, reject) => {
        runs.push({ plan, signal, end: resolve, fail: reject });
      }),
  };
  return { j, runs };
}

describe('the scheduler', () => {
  test('asks every job each tick, runs what is due, and never runs a job twice at once', async () => {
    const clock = new FakeClock();
    const s = new Scheduler({ clock, tickMs: 5000 });
    let decided = 0;
    const { j, runs } = job('backup/prod', () => {
      decided++;
      return { action: 'run', plan: 'p' };
    });
    s.register(j);
    s.start();
    await clock.advance(0);
    expect(runs).toHaveLength(1);
    expect(s.status()).toEqual([{ id: 'backup/prod', cluster: 'prod', running: true, skipped: null, lastRunAt: new Date(clock.t).toISOString() }]);
    // Still running 30 s later: not asked again, not started again.
    await clock.advance(30_000);
    expect(runs).toHaveLength(1);
    expect(decided).toBe(1);
    runs[0].end();
    await clock.advance(5000);
    expect(runs).toHaveLength(2);
    runs[1].end();
    await s.stop();
  });

  test('a skip is recorded once per reason, not every tick; a new reason, or the same after a run, is recorded again', async () => {
    const clock = new FakeClock();
    const skips: string[] = [];
    const s = new Scheduler({ clock, tickMs: 5000, onSkip: (_j, reason) => skips.push(reason) });
    let answer: JobDecision<string> = { action: 'skip', key: 'no-quorum@03:00', reason: 'no quorum' };
    const { j, runs } = job('backup/prod', () => answer);
    s.register(j);
    s.start();
    await clock.advance(60_000);
    expect(skips).toEqual(['no quorum']);
    expect(s.status()[0].skipped).toBe('no quorum');
    answer = { action: 'skip', key: 'no-source@03:00', reason: 'no healthy member' };
    await clock.advance(20_000);
    expect(skips).toEqual(['no quorum', 'no healthy member']);
    answer = { action: 'run', plan: 'p' };
    await clock.advance(5000);
    runs[0].end();
    expect(s.status()[0].skipped).toBeNull();
    answer = { action: 'skip', key: 'no-quorum@03:01', reason: 'no quorum' };
    await clock.advance(5000);
    expect(skips).toEqual(['no quorum', 'no healthy member', 'no quorum']);
    await s.stop();
  });

  test('a run that finds the cluster busy after all (SkippedRun) is a skip; any other failure is an error, and the job runs again later', async () => {
    const clock = new FakeClock();
    const skips: string[] = [];
    const errors: string[] = [];
    const s = new Scheduler({ clock, tickMs: 5000, onSkip: (_j, r) => skips.push(r), onError: (_j, e) => errors.push((e as Error).message) });
    const { j, runs } = job('drill/prod', () => ({ action: 'run', plan: 'p' }));
    s.register(j);
    s.start();
    await clock.advance(0);
    runs[0].fail(new SkippedRun('busy@03:00', 'defragment by alice is running on prod'));
    await clock.advance(5000);
    runs[1].fail(new Error('the store refused the write'));
    await clock.advance(5000);
    expect(skips).toEqual(['defragment by alice is running on prod']);
    expect(errors).toEqual(['the store refused the write']);
    expect(runs).toHaveLength(3);
    runs[2].end();
    await s.stop();
  });

  test('mayRun (issue 18: one replica holds the lease) keeps a job quiet: no decision, no run, no skip recorded', async () => {
    const clock = new FakeClock();
    const skips: string[] = [];
    let lease = false;
    const s = new Scheduler({ clock, tickMs: 5000, mayRun: () => lease, onSkip: (_j, r) => skips.push(r) });
    let decided = 0;
    const { j, runs } = job('backup/prod', () => {
      decided++;
      return { action: 'run', plan: 'p' };
    });
    s.register(j);
    s.start();
    await clock.advance(60_000);
    expect([decided, runs.length, skips.length]).toEqual([0, 0, 0]);
    lease = true;
    await clock.advance(5000);
    expect(runs).toHaveLength(1);
    runs[0].end();
    await s.stop();
  });

  test('stop ends the ticking, aborts the running job\'s signal and waits for it', async () => {
    const clock = new FakeClock();
    const s = new Scheduler({ clock, tickMs: 5000 });
    const { j, runs } = job('backup/prod', () => ({ action: 'run', plan: 'p' }));
    s.register(j);
    s.start();
    await clock.advance(0);
    let stopped = false;
    const stopping = s.stop().then(() => (stopped = true));
    await flush();
    expect(runs[0].signal.aborted).toBe(true);
    expect(stopped).toBe(false);
    runs[0].end();
    await stopping;
    await clock.advance(60_000);
    expect(runs).toHaveLength(1);
  });

  test('two jobs of one id cannot be registered', () => {
    const s = new Scheduler();
    s.register(job('backup/prod', () => ({ action: 'wait' })).j);
    expect(() => s.register(job('backup/prod', () => ({ action: 'wait' })).j)).toThrow(/registered already/);
  });
});
