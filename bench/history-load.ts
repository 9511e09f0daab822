// (c) Memory and CPU of the poller, history and alert rules for 5 clusters x 5 members at 1 s
// polls over a simulated hour.
//
// Method: a real 5-member etcd ring answers one status call and one /metrics scrape per member;
// those real answers are the template. Five ClusterMonitors (the server's own class) then each
// run 3600 polls on a simulated clock, 1 s apart, with poll() overridden to return that template
// with the revision and raft index advancing and the /metrics counters and fsync/commit buckets
// growing every second. Everything after the network runs for real: parsing each member's
// /metrics text, the rate and quantile trackers, deriveRing, diffRing, the history, the alert
// rules, and one SSE subscriber serialising every ring state. CPU is this process's user+sys;
// memory is heap + array buffers after a forced GC, before the monitors exist and after the hour.
import vm from 'node:vm';
import v8 from 'node:v8';
import { ClusterMonitor, DEFAULT_METRICS_INTERVAL_MS } from '@/lib/monitor/cluster-monitor';
import type { MemberProbe, MetricsResult, PollResult } from '@/lib/etcd/types';
import { RingHistory } from '@/lib/history/store';
import { MetricsTracker, readEtcdScrape } from '@/lib/metrics/member-metrics';
import type { EtcdRing } from '../e2e/harness/ring';
import type { Row } from './stats';

const CLUSTERS = 5;
const POLLS = 3600;
const INTERVAL_MS = 1000;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function retainedBytes(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** One member's real /metrics with the figures that move each second turned into placeholders. */
export interface Template {
  parts: string[];
  /** The original value of each placeholder, and how much it grows per simulated second. */
  values: number[];
  growth: number[];
}

const MOVING = /^(etcd_disk_(wal_fsync|backend_commit)_duration_seconds_(bucket|sum|count)|etcd_server_proposals_(committed|applied)_total|etcd_network_peer_round_trip_time_seconds_(bucket|sum|count)|etcd_mvcc_db_total_size_in_bytes)/;

function templateOf(text: string): Template {
  const parts: string[] = [];
  const values: number[] = [];
  const growth: number[] = [];
  let acc = '';
  for (const line of text.split('\n')) {
    const m = MOVING.exec(line) ? /^(.*\s)(\S+)$/.exec(line) : null;
    if (!m) {
      acc += `${line}\n`;
      continue;
    }
    parts.push(acc + m[1]);
    acc = '\n';
    const v = Number(m[2]);
    values.push(v);
    // Counters grow a little every second (fsync buckets fill from the low end up, like real ones).
    growth.push(line.includes('_sum') ? 0.002 : line.includes('db_total_size') ? 64 : 5);
  }
  parts.push(acc);
  return { parts, values, growth };
}

export function render(t: Template, second: number): string {
  let out = t.parts[0];
  for (let i = 0; i < t.values.length; i++) out += String(t.values[i] + t.growth[i] * second) + t.parts[i + 1];
  return out;
}

/** A monitor whose poll() answers from the real template on a simulated clock; the rest is the server's code. */
class SimulatedMonitor extends ClusterMonitor {
  private second = 0;
  private readonly trackers = new Map<string, MetricsTracker>();

  constructor(
    name: string,
    private readonly base: PollResult,
    private readonly templates: Map<string, Template>,
    private readonly t0: number,
    private readonly parseMetrics: boolean,
  ) {
    super({ name, endpoints: base.probes.map((p) => p.endpoint), metrics: { enabled: false, urls: {}, scheme: 'http' } }, { pollIntervalMs: INTERVAL_MS, requestTimeoutMs: 800 });
  }

  override async poll(): Promise<PollResult> {
    const second = this.second++;
    const at = this.t0 + second * INTERVAL_MS;
    const probes = this.base.probes.map((p): MemberProbe => (p.ok ? { ...p, status: { ...p.status, revision: p.status.revision + second, raftIndex: p.status.raftIndex + second, raftAppliedIndex: p.status.raftAppliedIndex + second } } : p));
    const metrics: Record<string, MetricsResult> = {};
    if (this.parseMetrics) {
      for (const [id, t] of this.templates) {
        let tracker = this.trackers.get(id);
        if (!tracker) this.trackers.set(id, (tracker = new MetricsTracker(INTERVAL_MS)));
        metrics[id] = { ok: true, url: 'sim', metrics: tracker.update(readEtcdScrape(render(t, second), at)) };
      }
    }
    return { ...this.base, seq: second + 1, at, probes, metrics };
  }
}

export interface HistoryLoad {
  rows: Row[];
  summary: string[];
  notes: string[];
}

/** Captures one real poll and every member's real /metrics from the ring. */
export async function capture(ring: EtcdRing): Promise<{ base: PollResult; templates: Map<string, Template> }> {
  const live = new ClusterMonitor({ name: 'capture', endpoints: ring.endpoints(), metrics: { enabled: false, urls: {}, scheme: 'http' } }, { pollIntervalMs: INTERVAL_MS, requestTimeoutMs: 800 });
  try {
    await live.pollNow();
    const base = await live.poll();
    const templates = new Map<string, Template>();
    for (const p of base.probes) {
      if (!p.ok) throw new Error(`history-load: ${p.endpoint} did not answer`);
      const m = ring.members.find((x) => x.clientURL === p.endpoint)!;
      templates.set(p.status.memberId, templateOf(await (await fetch(`${m.metricsURL}/metrics`)).text()));
    }
    return { base, templates };
  } finally {
    await live.stop();
  }
}

async function simulateHour(base: PollResult, templates: Map<string, Template>, parseMetrics: boolean) {
  const t0 = Date.now() - POLLS * INTERVAL_MS;
  const before = retainedBytes();
  const monitors = Array.from({ length: CLUSTERS }, (_, i) => new SimulatedMonitor(`sim-${i + 1}`, base, templates, t0, parseMetrics));
  let serialized = 0;
  for (const m of monitors) m.subscribe((msg) => void (serialized += JSON.stringify(msg).length));
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  let afterFirstMinute = 0;
  for (let i = 0; i < POLLS; i++) {
    for (const m of monitors) await m.pollNow();
    if (i === 59) afterFirstMinute = retainedBytes();
  }
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - wall0;
  const after = retainedBytes();
  const historyBytes = monitors.reduce((a, m) => a + m.history.bytes(), 0);
  const members = monitors.reduce((a, m) => a + m.history.memberCount, 0);
  for (const m of monitors) await m.stop();
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs, retained: after - before, growthAfterFirstMinute: after - afterFirstMinute, historyBytes, members, serialized };
}

export async function measureHistoryLoad(ring: EtcdRing): Promise<HistoryLoad> {
  if (ring.members.length !== 5) throw new Error('history-load wants a 5-member ring');
  const { base, templates } = await capture(ring);
  // Status answers only: what the ring derivation, history and rules cost without parsing /metrics.
  const statusOnly = await simulateHour(base, templates, false);
  const full = await simulateHour(base, templates, true);
  const polls = CLUSTERS * POLLS;
  const sizes = { intervalMs: INTERVAL_MS, scrapeMs: DEFAULT_METRICS_INTERVAL_MS };
  const bound = CLUSTERS * (5 * RingHistory.bytesPerMember(sizes) + new RingHistory(sizes).bytes());
  const mib = (b: number) => b / 1024 / 1024;
  return {
    rows: [
      { measure: `CPU, 5x5 members, 1 simulated hour`, value: full.cpuMs, baseline: 'one core for that hour', baselineValue: POLLS * INTERVAL_MS },
      { measure: 'CPU per cluster poll (5 members)', value: full.cpuMs / polls, baseline: 'same, without /metrics', baselineValue: statusOnly.cpuMs / polls },
      { measure: 'retained memory after the hour', value: mib(full.retained), baseline: 'stated history bound', baselineValue: mib(bound), unit: 'MiB' },
    ],
    summary: [
      `5 clusters x 5 members, 3600 polls each: ${(full.cpuMs / 1000).toFixed(1)} s CPU for the simulated hour (${((full.cpuMs / (POLLS * INTERVAL_MS)) * 100).toFixed(2)}% of one core at 1 s polls), ${(full.cpuMs / polls).toFixed(2)} ms a cluster poll (${(statusOnly.cpuMs / polls).toFixed(2)} ms without parsing /metrics); ran in ${(full.wallMs / 1000).toFixed(1)} s`,
      `memory: ${mib(full.retained).toFixed(1)} MiB retained (heap + array buffers) for ${full.members} members; history holds ${mib(full.historyBytes).toFixed(1)} MiB in typed arrays against a stated bound of ${mib(bound).toFixed(1)} MiB (${(RingHistory.bytesPerMember(sizes) / 1024).toFixed(0)} KiB a member); growth from minute 1 to 60: ${mib(full.growthAfterFirstMinute).toFixed(2)} MiB`,
    ],
    notes: [
      'history-load: real etcd status and /metrics answers from a 5-member ring, replayed on a simulated clock through the server’s own ClusterMonitor (poll() overridden, everything after the network real).',
      'history-load: the CPU includes writing each replayed /metrics text (~150 kB a member a second), standing in for receiving it over the network.',
      `history-load: one SSE subscriber per cluster serialised ${(full.serialized / 1024 / 1024).toFixed(0)} MiB of ring states over the hour, included in the CPU.`,
    ],
  };
}
