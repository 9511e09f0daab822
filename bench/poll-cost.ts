// (a) What one poll of a 3-member ring costs Ringside, against what the same question
// costs through etcdctl (`endpoint status --cluster`: member list, then status of each).
import { spawnSync } from 'node:child_process';
import type { EtcdRing } from '../e2e/harness/ring';
import { ClusterMonitor } from '@/lib/monitor/cluster-monitor';
import { median, quantile, type Row } from './stats';

const ETCDCTL = process.env.RINGSIDE_ETCDCTL_BIN || '/usr/bin/etcdctl';

export interface PollCostOptions {
  polls: number;
  warmups: number;
  etcdctlRuns: number;
}

export interface PollCost {
  rows: Row[];
  /** etcdctl median wall / poll median wall */
  wallFactor: number;
  /** etcdctl median CPU / poll CPU, null if etcdctl's CPU could not be measured */
  cpuFactor: number | null;
  notes: string[];
}

interface Sample {
  wallMs: number;
  cpuMs: number;
}

/**
 * Wall time of each poll and the process CPU per poll, over warm clients: the status poll alone,
 * or with every member's /metrics scraped and parsed alongside (what the server does).
 */
async function measurePolls(ring: EtcdRing, opts: PollCostOptions, withMetrics: boolean): Promise<{ walls: number[]; cpuPerPollMs: number }> {
  // Same deadline the server derives for a 1 s interval, so a poll costs what it costs there.
  const metrics = { enabled: withMetrics, urls: {}, scheme: 'http' as const };
  const monitor = new ClusterMonitor({ name: 'bench', endpoints: ring.endpoints(), metrics }, { pollIntervalMs: 1000, requestTimeoutMs: 800 });
  try {
    // pollNow() once so the monitor knows the membership and polls one endpoint per member,
    // as it does in steady state; then warm the channels and the JIT.
    const first = await monitor.pollNow();
    if (first.members.filter((m) => m.reachable).length !== ring.members.length) throw new Error('poll-cost: not every member answered');
    if (withMetrics && (await monitor.pollNow()).members.some((m) => !m.metrics)) throw new Error('poll-cost: a member’s /metrics was not scraped');
    for (let i = 0; i < opts.warmups; i++) await monitor.poll();
    const walls: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < opts.polls; i++) {
      const t0 = performance.now();
      await monitor.poll();
      walls.push(performance.now() - t0);
    }
    const cpu = process.cpuUsage(cpu0);
    return { walls, cpuPerPollMs: (cpu.user + cpu.system) / 1000 / opts.polls };
  } finally {
    await monitor.stop();
  }
}

/**
 * One etcdctl run timed by bash's `time` keyword: wall, user and sys of the etcdctl process
 * alone, in ms (bash reads them from wait4's rusage; TIMEFORMAT %3 keeps milliseconds,
 * where /usr/bin/time only prints hundredths of a second).
 */
function timeEtcdctl(endpoint: string): Sample {
  // fd 3 keeps etcdctl's stderr apart from the report `time` writes to the group's stderr.
  const script = `TIMEFORMAT='%3R %3U %3S'; { time "$0" "$@" >/dev/null 2>&3; } 3>&2 2>&1`;
  const args = ['endpoint', 'status', '--cluster', '-w', 'json', `--endpoints=${endpoint}`];
  const r = spawnSync('bash', ['-c', script, ETCDCTL, ...args], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
  const m = /^([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stdout.trim().split('\n').pop() ?? '');
  if (r.status !== 0 || !m) throw new Error(`etcdctl run failed (${r.status}): ${r.stdout}${r.stderr}`);
  return { wallMs: Number(m[1]) * 1000, cpuMs: (Number(m[2]) + Number(m[3])) * 1000 };
}

/** The exact command once, checked to report every member: the comparison is only fair if it does. */
function checkEtcdctlAnswers(ring: EtcdRing): void {
  const r = spawnSync(ETCDCTL, ['endpoint', 'status', '--cluster', '-w', 'json', `--endpoints=${ring.endpoints()[0]}`], {
    encoding: 'utf8',
    env: { ...process.env, ETCDCTL_API: '3' },
  });
  const reported = (r.stdout.match(/"Endpoint":/g) ?? []).length;
  if (r.status !== 0 || reported !== ring.members.length) {
    throw new Error(`etcdctl endpoint status --cluster reported ${reported} members (exit ${r.status}): ${r.stderr}`);
  }
}

export async function measurePollCost(ring: EtcdRing, opts: PollCostOptions): Promise<PollCost> {
  const { walls, cpuPerPollMs } = await measurePolls(ring, opts, false);
  const full = await measurePolls(ring, opts, true);
  checkEtcdctlAnswers(ring);
  const endpoint = ring.endpoints()[0];
  const runs: Sample[] = [];
  for (let i = 0; i < opts.etcdctlRuns; i++) runs.push(timeEtcdctl(endpoint));
  const ctlWall = runs.map((s) => s.wallMs);
  const ctlCpu = runs.map((s) => s.cpuMs);
  const ctl = `etcdctl (${opts.etcdctlRuns} runs)`;
  const rows: Row[] = [
    { measure: `poll wall, median (${opts.polls} polls)`, value: median(walls), baseline: `${ctl}, median`, baselineValue: median(ctlWall) },
    { measure: 'poll wall, p95', value: quantile(walls, 0.95), baseline: `${ctl}, p95`, baselineValue: quantile(ctlWall, 0.95) },
    { measure: 'poll CPU (user+sys) per poll', value: cpuPerPollMs, baseline: `${ctl}, CPU median`, baselineValue: median(ctlCpu) },
    { measure: 'poll + 3 /metrics scrapes, wall median', value: median(full.walls), baseline: 'status poll alone, median', baselineValue: median(walls) },
    { measure: 'poll + 3 /metrics scrapes, CPU per poll', value: full.cpuPerPollMs, baseline: 'status poll alone, CPU', baselineValue: cpuPerPollMs },
  ];
  const medCpu = median(ctlCpu);
  return {
    rows,
    wallFactor: median(ctlWall) / median(walls),
    cpuFactor: medCpu > 0 ? medCpu / cpuPerPollMs : null,
    notes: [
      `etcdctl = \`etcdctl endpoint status --cluster -w json --endpoints=<one member>\`: a whole process (start, dial, member list, 3 status calls, exit), wall and CPU from bash's \`time\`.`,
      "Poll CPU is this process's getrusage delta over all polls (grpc-js and V8 threads included); etcd's own CPU is in neither figure.",
      'A poll also reads the alarm list, which etcdctl endpoint status does not.',
      'The server also scrapes every member’s /metrics (~150 kB of text each on 3.4) with each poll; the last two rows price that against the status poll alone.',
    ],
  };
}
