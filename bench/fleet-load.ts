// (l) CPU per member-second for a fleet of 200 clusters x 5 members in one process, with the 1 s
// status poll and the 15 s /metrics scrape, against the per-member cost of scraping with every
// poll (how Ringside ran before issue 18), measured in the same run.
//
// Method: bench (c)'s replay, on real timers. A real 5-member ring answers one poll and every
// member's /metrics once; 200 ClusterMonitors (the server's own class) then run in real time
// with poll() answering that template (revision and raft index advancing) and each /metrics
// scrape answering the member's real text with its counters and buckets grown to the second
// (parsed, tracked and folded for real, on the monitor's own 15 s schedule). Beside them, 30 real
// one-member rings are watched over the network by 30 more monitors (status polls, full polls,
// scrapes, HashKV checks). One SSE frame per message per cluster is serialised, as the stream
// route does. CPU is this process's user+sys over the window; RSS is this process's at its end.
import { frameOf } from '@/lib/http/sse';
import { ClusterMonitor, type MonitorMessage } from '@/lib/monitor/cluster-monitor';
import type { MemberProbe, PollResult } from '@/lib/etcd/types';
import { EtcdRing } from '../e2e/harness/ring';
import { capture, render, type Template } from './history-load';
import { sleep, type Row } from './stats';

const CLUSTERS = 200;
const LIVE_RINGS = 30;
const POLL_MS = 1000;
const SECONDS = Number(process.env.RINGSIDE_BENCH_FLEET_SECONDS ?? 30);
const WARMUP_MS = 5000;
/** Per-member cost in the issue, measured before the decoupling (30 real rings, /metrics with every poll). */
const ISSUE_BEFORE_MS = 6.2;
const TARGET_MS = 1;

/** One SSE viewer per cluster, serialising as the stream route does (once per message). */
function view(m: ClusterMonitor): () => void {
  return m.subscribe((msg: MonitorMessage) => {
    if (msg.type === 'ring') frameOf('ring', msg.ring);
    else if (msg.type === 'ring-event') frameOf('ring-event', msg.event, msg.event.id);
    else if (msg.type === 'alerts') frameOf('alerts', msg.alerts);
    else if (msg.type === 'hashkv') frameOf('hashkv', msg.check);
  });
}

function replayed(i: number, base: PollResult, templates: Map<string, Template>, t0: number): ClusterMonitor {
  // /metrics by URL: each member's client URL, as the collector asks for it.
  const byUrl = new Map<string, Template>();
  for (const p of base.probes) if (p.ok) byUrl.set(`${p.endpoint}/metrics`, templates.get(p.status.memberId)!);
  const second = () => Math.floor((Date.now() - t0) / 1000);
  return new ClusterMonitor(
    { name: `sim-${String(i).padStart(3, '0')}`, endpoints: base.probes.map((p) => p.endpoint) },
    { pollIntervalMs: POLL_MS, requestTimeoutMs: 800, hashCheckIntervalMs: 0 },
    {
      poll: async (seq, at) => {
        const s = second();
        const probes = base.probes.map((p): MemberProbe => (p.ok ? { ...p, status: { ...p.status, revision: p.status.revision + s, raftIndex: p.status.raftIndex + s, raftAppliedIndex: p.status.raftAppliedIndex + s } } : p));
        return { ...base, seq, at, probes };
      },
      metricsText: async (url) => {
        const t = byUrl.get(url);
        if (!t) throw new Error(`no template for ${url}`);
        return render(t, second());
      },
    },
  );
}

function live(ring: EtcdRing, i: number, metricsIntervalMs?: number): ClusterMonitor {
  const m = ring.members[0];
  return new ClusterMonitor(
    { name: `live-${i}`, endpoints: ring.endpoints(), metrics: { enabled: true, urls: { [m.name]: m.metricsURL }, scheme: 'http' } },
    { pollIntervalMs: POLL_MS, requestTimeoutMs: 800, hashCheckIntervalMs: 10_000, ...(metricsIntervalMs ? { metricsIntervalMs } : {}) },
  );
}

/** Starts the monitors, lets them settle, and measures this process's CPU over the window. */
async function run(monitors: ClusterMonitor[], members: number): Promise<{ msPerMemberSecond: number; cpuPct: number; rssMiB: number; heapMiB: number; historyMiB: number; polls: number }> {
  const offs = monitors.map(view);
  let polls = 0;
  const counting = monitors.map((m) => m.subscribe((msg) => void (msg.type === 'ring' && polls++)));
  for (const m of monitors) m.start();
  try {
    await sleep(WARMUP_MS);
    const polls0 = polls;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(SECONDS * 1000);
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const mem = process.memoryUsage();
    const historyMiB = monitors.reduce((a, m) => a + m.history.bytes(), 0) / 2 ** 20;
    return { msPerMemberSecond: cpuMs / members / (wallMs / 1000), cpuPct: (cpuMs / wallMs) * 100, rssMiB: mem.rss / 2 ** 20, heapMiB: mem.heapUsed / 2 ** 20, historyMiB, polls: polls - polls0 };
  } finally {
    for (const off of [...offs, ...counting]) off();
    await Promise.all(monitors.map((m) => m.stop()));
  }
}

export async function measureFleetLoad(): Promise<{ rows: Row[]; summary: string[]; notes: string[] }> {
  const five = await EtcdRing.start({ size: 5, name: 'f' });
  let base: PollResult;
  let templates: Map<string, Template>;
  try {
    ({ base, templates } = await capture(five));
  } finally {
    await five.close();
  }
  const rings = await Promise.all(Array.from({ length: LIVE_RINGS }, (_, i) => EtcdRing.start({ size: 1, name: `l${i}-` })));
  try {
    console.log(`(l)   ${LIVE_RINGS} real rings, /metrics with every poll (before) ...`);
    const before = await run(rings.map((r, i) => live(r, i, POLL_MS)), LIVE_RINGS);
    console.log(`(l)   ${LIVE_RINGS} real rings, /metrics every 15 s ...`);
    const now = await run(rings.map((r, i) => live(r, i)), LIVE_RINGS);
    console.log(`(l)   ${CLUSTERS} x 5 replayed members and ${LIVE_RINGS} real rings together ...`);
    const t0 = Date.now();
    const fleetMonitors = [...Array.from({ length: CLUSTERS }, (_, i) => replayed(i, base, templates, t0)), ...rings.map((r, i) => live(r, i))];
    const members = CLUSTERS * base.probes.length + LIVE_RINGS;
    const fleet = await run(fleetMonitors, members);
    const expectedPolls = (CLUSTERS + LIVE_RINGS) * SECONDS * (1000 / POLL_MS);
    return {
      rows: [
        { measure: `CPU per member-second, ${CLUSTERS}x5 replayed + ${LIVE_RINGS} real members`, value: fleet.msPerMemberSecond, baseline: `${LIVE_RINGS} real rings, /metrics every poll (before)`, baselineValue: before.msPerMemberSecond },
        { measure: `CPU per member-second, ${LIVE_RINGS} real rings, 15 s scrape`, value: now.msPerMemberSecond, baseline: `${LIVE_RINGS} real rings, /metrics every poll (before)`, baselineValue: before.msPerMemberSecond },
        { measure: `RSS with ${members} members watched`, value: fleet.rssMiB, baseline: 'target', baselineValue: 1024, unit: 'MiB' },
      ],
      summary: [
        `fleet: ${members} members (${CLUSTERS} clusters x ${base.probes.length} replayed, ${LIVE_RINGS} real) at 1 s polls and 15 s scrapes: ${fleet.msPerMemberSecond.toFixed(3)} ms CPU per member-second (target <= ${TARGET_MS} ms; ${fleet.cpuPct.toFixed(0)}% of a core), RSS ${fleet.rssMiB.toFixed(0)} MiB (target < 1024); ${fleet.polls} of ${expectedPolls} polls in ${SECONDS} s`,
        `fleet: of that RSS, each member's 24 h history is allocated at full size when it first appears: ${fleet.historyMiB.toFixed(0)} MiB in typed arrays (${((fleet.historyMiB * 1024) / members).toFixed(0)} KiB a member); the JS heap holds ${fleet.heapMiB.toFixed(0)} MiB`,
        `fleet: ${LIVE_RINGS} real one-member rings: ${now.msPerMemberSecond.toFixed(2)} ms per member-second with the 15 s scrape, against ${before.msPerMemberSecond.toFixed(2)} ms scraping with every poll in this run (${(before.msPerMemberSecond / now.msPerMemberSecond).toFixed(1)}x less; the issue measured ${ISSUE_BEFORE_MS} ms before the decoupling)`,
      ],
      notes: [
        'fleet-load: the replayed members cost no network (bench (c)’s method); the real rings carry the network part (gRPC status and member list, HTTP /metrics). CPU is the bench process’s, which also hosts nothing else while measuring.',
        `fleet-load: ${SECONDS} s windows after ${WARMUP_MS / 1000} s of warm-up (RINGSIDE_BENCH_FLEET_SECONDS sets the window); on shared cores the numbers are noisy.`,
      ],
    };
  } finally {
    await Promise.all(rings.map((r) => r.close()));
  }
}
