// (b) How long after a crash Ringside's poller reports it: SIGKILL a follower and time the
// `member-down` event; SIGKILL the leader and time the `leader-changed` event that names a
// new leader. The baseline is the poll interval: a poller cannot beat it on average.
import { readFileSync } from 'node:fs';
import type { EtcdRing } from '../e2e/harness/ring';
import { ClusterMonitor } from '@/lib/monitor/cluster-monitor';
import type { RingEvent, RingState } from '@/lib/ring/types';
import { max, median, sleep, type Row } from './stats';

export interface DetectionOptions {
  intervalMs: number;
  followerRuns: number;
  leaderRuns: number;
}

export interface Detection {
  rows: Row[];
  downMs: number[];
  leaderMs: number[];
  electionMs: number[];
}

interface Seen {
  event: RingEvent;
  /** performance.now() when the subscriber got it */
  t: number;
  /** Date.now() at the same moment, to compare with etcd's log timestamps */
  wall: number;
}

const EVENT_TIMEOUT_MS = 15_000;
const STEADY_TIMEOUT_MS = 30_000;

/** Every ring-event the monitor emits, stamped on arrival. */
class EventLog {
  private readonly seen: Seen[] = [];

  constructor(monitor: ClusterMonitor) {
    monitor.subscribe((msg) => {
      if (msg.type === 'ring-event') this.seen.push({ event: msg.event, t: performance.now(), wall: Date.now() });
    });
  }

  mark(): number {
    return this.seen.length;
  }

  /** First event after `from` that matches. The arrival stamp is taken in the subscriber, so this loop's 10 ms step adds nothing to it. */
  async waitFor(from: number, pred: (e: RingEvent) => boolean, what: string): Promise<Seen> {
    const deadline = performance.now() + EVENT_TIMEOUT_MS;
    for (;;) {
      const hit = this.seen.slice(from).find((s) => pred(s.event));
      if (hit) return hit;
      if (performance.now() > deadline) throw new Error(`detection: no ${what} within ${EVENT_TIMEOUT_MS} ms`);
      await sleep(10);
    }
  }
}

function steady(state: RingState, size: number): boolean {
  return state.members.length === size && state.members.every((m) => m.reachable) && state.leader !== null && state.quorum.healthy === size;
}

/** Waits until the monitor's latest state shows every member up and following one leader. */
async function waitSteady(monitor: ClusterMonitor, size: number): Promise<RingState> {
  const deadline = performance.now() + STEADY_TIMEOUT_MS;
  for (;;) {
    const s = monitor.ring;
    if (s && steady(s, size)) return s;
    if (performance.now() > deadline) throw new Error(`detection: ring not steady within ${STEADY_TIMEOUT_MS} ms: ${s?.summary ?? 'no state'}`);
    await sleep(50);
  }
}

/**
 * When etcd itself elected a new leader after `sinceWall`: the earliest "became leader at term"
 * line in the members' zap logs (ms timestamps). NaN if none is found.
 */
function electedAt(ring: EtcdRing, sinceWall: number): number {
  let best = Number.NaN;
  for (const m of ring.members) {
    let text = '';
    try {
      text = readFileSync(m.logFile, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line.includes('became leader at term')) continue;
      const ts = Date.parse((JSON.parse(line) as { ts: string }).ts);
      if (ts >= sinceWall && !(ts >= best)) best = ts;
    }
  }
  return best;
}

/** Kill at a random phase of the poll cycle, so the results sample all of it. */
const randomPhase = (intervalMs: number): Promise<void> => sleep(Math.random() * intervalMs);

/**
 * Restarts a killed member and waits for Ringside's member-up; returns ms from the restart call
 * (etcd's own start, ~0.1-0.2 s, included). Called right after an event, i.e. right after a poll:
 * without the random pause every restart would land at the same phase and read ~1 interval.
 */
async function restartAndWaitUp(ring: EtcdRing, log: EventLog, name: string, intervalMs: number): Promise<number> {
  await randomPhase(intervalMs);
  const from = log.mark();
  const t0 = performance.now();
  await ring.restart(name);
  const up = await log.waitFor(from, (e) => e.kind === 'member-up' && e.memberName === name, `member-up of ${name}`);
  return up.t - t0;
}

async function followerRun(ring: EtcdRing, monitor: ClusterMonitor, log: EventLog, opts: DetectionOptions) {
  const state = await waitSteady(monitor, ring.members.length);
  const victim = state.members.find((m) => !m.isLeader)!.name;
  await randomPhase(opts.intervalMs);
  const from = log.mark();
  const t0 = performance.now();
  await ring.kill(victim);
  const down = await log.waitFor(from, (e) => e.kind === 'member-down' && e.memberName === victim, `member-down of ${victim}`);
  return { downMs: down.t - t0, upMs: await restartAndWaitUp(ring, log, victim, opts.intervalMs) };
}

async function leaderRun(ring: EtcdRing, monitor: ClusterMonitor, log: EventLog, opts: DetectionOptions) {
  const state = await waitSteady(monitor, ring.members.length);
  const leader = state.members.find((m) => m.isLeader)!;
  await randomPhase(opts.intervalMs);
  const from = log.mark();
  const wall0 = Date.now();
  const t0 = performance.now();
  await ring.kill(leader.name);
  const seen = await log.waitFor(from, (e) => e.kind === 'leader-changed' && e.to != null && e.to !== leader.id, 'leader-changed to a new leader');
  const elected = electedAt(ring, wall0);
  await restartAndWaitUp(ring, log, leader.name, opts.intervalMs);
  return { leaderMs: seen.t - t0, electionMs: elected - wall0, lagMs: seen.wall - elected };
}

export async function measureDetection(ring: EtcdRing, opts: DetectionOptions): Promise<Detection> {
  const monitor = new ClusterMonitor(
    { name: 'bench-detect', endpoints: ring.endpoints(), metrics: { enabled: true, urls: {}, scheme: 'http' } },
    // 800 ms: the deadline the server derives for a 1 s interval (0.8 x interval, at most 800).
    { pollIntervalMs: opts.intervalMs, requestTimeoutMs: Math.min(800, Math.round(opts.intervalMs * 0.8)) },
  );
  const log = new EventLog(monitor);
  monitor.start();
  const down: number[] = [];
  const up: number[] = [];
  const leader: number[] = [];
  const election: number[] = [];
  const lag: number[] = [];
  try {
    for (let i = 0; i < opts.followerRuns; i++) {
      const r = await followerRun(ring, monitor, log, opts);
      down.push(r.downMs);
      up.push(r.upMs);
    }
    for (let i = 0; i < opts.leaderRuns; i++) {
      const r = await leaderRun(ring, monitor, log, opts);
      leader.push(r.leaderMs);
      election.push(r.electionMs);
      lag.push(r.lagMs);
    }
    await waitSteady(monitor, ring.members.length);
  } finally {
    await monitor.stop();
  }
  const interval = 'poll interval';
  const I = opts.intervalMs;
  const F = opts.followerRuns;
  const L = opts.leaderRuns;
  return {
    downMs: down,
    leaderMs: leader,
    electionMs: election,
    rows: [
      { measure: `follower SIGKILL -> member-down, median (${F} runs)`, value: median(down), baseline: interval, baselineValue: I },
      { measure: `follower SIGKILL -> member-down, max`, value: max(down), baseline: interval, baselineValue: I },
      { measure: `restart -> member-up, median (${F} runs)`, value: median(up), baseline: interval, baselineValue: I },
      { measure: `leader SIGKILL -> leader-changed (new), median (${L} runs)`, value: median(leader), baseline: interval, baselineValue: I },
      { measure: `leader SIGKILL -> leader-changed (new), max`, value: max(leader), baseline: interval, baselineValue: I },
      { measure: `  of which etcd's election (its log), median`, value: median(election), baseline: interval, baselineValue: I },
      { measure: `  of which Ringside after election, median`, value: median(lag), baseline: interval, baselineValue: I },
    ],
  };
}
