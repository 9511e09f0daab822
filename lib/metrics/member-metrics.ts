import { METRIC_FAMILIES, SERIES_FAMILIES, type MetricKey } from '../model/etcd-versions';
import { histogramSeries, parseExposition, sampleValue, type MetricFamily } from './exposition';
import { bucketIncrease, counterIncrease, histogramQuantile, WindowBuckets, WindowSum, type Bucket } from './histogram';

/** p99 of WAL fsync and backend commit over this trailing window (etcd-mixin: 5m at 30 s scrapes). */
export const QUANTILE_WINDOW_MS = 30_000;
/** etcd measures peer round trips only every few seconds per peer, so a longer window (etcd-mixin's 5m). */
export const PEER_RTT_WINDOW_MS = 5 * 60_000;
/** Failed proposals, leader changes, slow applies, heartbeat failures: counted over etcd-mixin's 15m. */
export const COUNT_WINDOW_MS = 15 * 60_000;
/** Peer send failures: a rate over 4 scrape intervals, as etcd-mixin takes it (at least 4 s)... */
export const RATE_WINDOW_POLLS = 4;
/**
 * ...and at most 30 s: at 15 s scrapes four intervals would keep a restarted member "cut off" for
 * a minute after it answers again (two scrapes still tell a lasting failure from a blip).
 */
export const RATE_WINDOW_MAX_MS = 30_000;

/** Every name Ringside reads (lib/model/etcd-versions METRIC_FAMILIES); the parser skips the other ~120 of a member's /metrics. */
export const ETCD_FAMILIES: ReadonlySet<string> = new Set(Object.values(METRIC_FAMILIES).flatMap((f) => f.names));

/** The families behind the charted figures: a scrape without one says so on that figure's chart. */
const CHARTED: readonly MetricKey[] = [...new Set(Object.values(SERIES_FAMILIES).flat())];

const COUNTERS = ['proposalsFailed', 'leaderChanges', 'slowApplies', 'heartbeatFailures'] as const;
type CounterName = (typeof COUNTERS)[number];

/** What one scrape of one member says, before any arithmetic across scrapes. */
export interface EtcdScrape {
  /** Epoch ms of the scrape. */
  at: number;
  /** The member that answered (etcd_server_id), in hex; null on versions without it. */
  memberId: string | null;
  version: string | null;
  processStart: number | null;
  hasLeader: boolean | null;
  isLeader: boolean | null;
  walFsync: Bucket[] | null;
  backendCommit: Bucket[] | null;
  /** Round-trip histograms to each peer, by the peer's member ID. */
  peerRtt: Map<string, Bucket[]>;
  /** Failed sends to each peer (a counter), by the peer's member ID. */
  peerSentFailures: Map<string, number>;
  proposalsPending: number | null;
  counters: Record<CounterName, number | null>;
  dbSize: number | null;
  dbSizeInUse: number | null;
  quotaBytes: number | null;
  /** The cluster version the member reports ("3.5": etcd_cluster_version keeps major.minor), null when absent. */
  clusterVersion: string | null;
  /** Charted families this member did not serve (a version that dropped one, a proxy in between). */
  missing: MetricKey[];
}

/** Reads the figures Ringside needs from a member's /metrics text. Throws ExpositionError on a malformed line. */
/**
 * A label value as a string of its own. The parser's values are slices of the scraped text, and V8
 * keeps a whole string alive for any slice of it: the peer IDs a tracker keeps until the next
 * scrape held each member's ~150 kB of /metrics text, 150 MB for a fleet of 1,000 members.
 */
function detach(s: string): string;
function detach(s: string | undefined): string | undefined;
function detach(s: string | undefined): string | undefined {
  return s === undefined ? s : (JSON.parse(JSON.stringify(s)) as string);
}

export function readEtcdScrape(text: string, at: number): EtcdScrape {
  const fams = parseExposition(text, { only: ETCD_FAMILIES });
  // A figure's family under the first name the member serves (3.4 serves dbSize under two names, 3.5+ one).
  const family = (key: MetricKey): MetricFamily | undefined => METRIC_FAMILIES[key].names.map((n) => fams.get(n)).find(Boolean);
  const value = (key: MetricKey) => sampleValue(family(key));
  const flag = (key: MetricKey) => {
    const v = value(key);
    return v === null ? null : v === 1;
  };
  const rtt = new Map(histogramSeries(family('peerRtt')).flatMap((h) => (h.labels.To ? [[detach(h.labels.To), h.buckets] as const] : [])));
  const sent = new Map(family('peerSentFailures')?.samples.flatMap((x) => (x.labels.To ? [[detach(x.labels.To), x.value] as const] : [])));
  return {
    at,
    memberId: detach(family('serverId')?.samples.find((s) => s.value === 1)?.labels.server_id) ?? null,
    version: detach(family('version')?.samples[0]?.labels.server_version) ?? null,
    processStart: value('processStart'),
    hasLeader: flag('hasLeader'),
    isLeader: flag('isLeader'),
    walFsync: histogramSeries(family('walFsync'))[0]?.buckets ?? null,
    backendCommit: histogramSeries(family('backendCommit'))[0]?.buckets ?? null,
    peerRtt: rtt,
    peerSentFailures: sent,
    proposalsPending: value('proposalsPending'),
    counters: {
      proposalsFailed: value('proposalsFailed'),
      leaderChanges: value('leaderChanges'),
      slowApplies: value('slowApplies'),
      heartbeatFailures: value('heartbeatFailures'),
    },
    dbSize: value('dbSize'),
    dbSizeInUse: value('dbSizeInUse'),
    quotaBytes: value('quota'),
    clusterVersion: detach(family('clusterVersion')?.samples.find((s) => s.value === 1)?.labels.cluster_version) ?? null,
    missing: CHARTED.filter((k) => !family(k)),
  };
}

export interface PeerFigures {
  to: string;
  rttP99Ms: number | null;
  sentFailuresPerSec: number | null;
}

/** A member's health figures computed across scrapes. Durations in ms; null = no data yet. */
export interface MemberMetrics {
  memberId: string | null;
  /** ISO time of the scrape these figures end at. */
  at: string;
  hasLeader: boolean | null;
  isLeader: boolean | null;
  /** p99 over the last QUANTILE_WINDOW_MS; null when nothing was observed in it. */
  walFsyncP99Ms: number | null;
  backendCommitP99Ms: number | null;
  /**
   * Each peer by member ID: p99 round trip over PEER_RTT_WINDOW_MS, and failed sends per second
   * over the last RATE_WINDOW_POLLS scrapes (etcd-mixin counts more than 0.01/s as that peer down).
   */
  peers: PeerFigures[];
  /** The slowest peer's round-trip p99. */
  peerRttP99Ms: number | null;
  proposalsPending: number | null;
  /** Counter increases over the last COUNT_WINDOW_MS (reset-aware); null until two scrapes. */
  proposalsFailed15m: number | null;
  leaderChanges15m: number | null;
  slowApplies15m: number | null;
  heartbeatFailures15m: number | null;
  dbSize: number | null;
  dbSizeInUse: number | null;
  quotaBytes: number | null;
  /** dbSize as a percentage of the backend quota. */
  quotaUsedPct: number | null;
  /** True when this scrape found the member restarted (its counters reset). */
  restarted: boolean;
  /** etcd_cluster_version's label: the cluster version this member runs at ("3.5"); absent when unknown. */
  clusterVersion?: string | null;
  /** Charted families this member did not serve in this scrape; absent when none were missing or unknown. */
  missing?: MetricKey[];
}

const toMs = (s: number | null) => (s === null ? null : s * 1000);

/**
 * Turns successive scrapes of one member into rates and windowed quantiles. Keeps only what its
 * windows need: at a 1 s interval about 900 counter entries and 300 bucket vectors.
 */
export class MetricsTracker {
  private readonly rateWindowMs: number;
  private prev: EtcdScrape | null = null;
  /** Times of the scrapes the rate window spans, and the one before them (where it starts). */
  private times: number[] = [];
  private readonly fsync = new WindowBuckets(QUANTILE_WINDOW_MS);
  private readonly commit = new WindowBuckets(QUANTILE_WINDOW_MS);
  private readonly rtt = new Map<string, WindowBuckets>();
  private readonly sentFailures = new Map<string, WindowSum>();
  private readonly counts = Object.fromEntries(COUNTERS.map((c) => [c, new WindowSum(COUNT_WINDOW_MS)])) as Record<CounterName, WindowSum>;

  /** `intervalMs`: how often the member is scraped (15 s by default); rates span RATE_WINDOW_POLLS of them, up to RATE_WINDOW_MAX_MS. */
  constructor(intervalMs = 1000) {
    this.rateWindowMs = Math.max(4000, Math.min(RATE_WINDOW_POLLS * intervalMs, RATE_WINDOW_MAX_MS));
  }

  update(s: EtcdScrape): MemberMetrics {
    const prev = this.prev;
    const restarted = Boolean(prev && s.processStart !== null && prev.processStart !== null && s.processStart !== prev.processStart);
    const at = s.at;
    this.times.push(at);

    const addHist = (w: WindowBuckets, before: Bucket[] | null | undefined, now: Bucket[] | null | undefined) => {
      if (!now) return;
      const inc = bucketIncrease(before ?? null, now, restarted);
      if (inc) w.add(at, inc);
    };
    addHist(this.fsync, prev?.walFsync, s.walFsync);
    addHist(this.commit, prev?.backendCommit, s.backendCommit);
    for (const [to, buckets] of s.peerRtt) {
      let w = this.rtt.get(to);
      if (!w) this.rtt.set(to, (w = new WindowBuckets(PEER_RTT_WINDOW_MS)));
      // A peer seen for the first time has no earlier scrape of its own: its counts start here.
      addHist(w, prev ? (prev.peerRtt.get(to) ?? buckets.map((b) => ({ le: b.le, count: 0 }))) : null, buckets);
    }

    if (prev) {
      for (const [to, v] of s.peerSentFailures) {
        let w = this.sentFailures.get(to);
        if (!w) this.sentFailures.set(to, (w = new WindowSum(this.rateWindowMs)));
        w.add(at, counterIncrease(prev.peerSentFailures.get(to) ?? 0, v, restarted) ?? 0);
      }
      for (const c of COUNTERS) {
        const cur = s.counters[c];
        const inc = cur === null ? null : counterIncrease(prev.counters[c], cur, restarted);
        if (inc !== null) this.counts[c].add(at, inc);
      }
    }
    this.prev = s;
    // A peer that left the ring is forgotten once its windows have emptied.
    for (const [to, w] of this.rtt) if (!s.peerRtt.has(to) && w.sum(at) === null) this.rtt.delete(to);
    for (const [to, w] of this.sentFailures) {
      w.sum(at); // expires what left the window
      if (!s.peerSentFailures.has(to) && w.size === 0) this.sentFailures.delete(to);
    }

    const p99 = (w: WindowBuckets) => {
      const summed = w.sum(at);
      return summed ? histogramQuantile(0.99, summed) : null;
    };
    const sum = (w: WindowSum) => (prev ? w.sum(at) : null);
    const span = this.rateSpanMs(at) / 1000;
    const peers = [...new Set([...this.rtt.keys(), ...this.sentFailures.keys()])].sort().map((to): PeerFigures => {
      const rtt = this.rtt.get(to);
      const sent = this.sentFailures.get(to);
      const failed = sent ? sum(sent) : null;
      return { to, rttP99Ms: rtt ? toMs(p99(rtt)) : null, sentFailuresPerSec: failed === null || span <= 0 ? null : failed / span };
    });
    const rtts = peers.flatMap((p) => (p.rttP99Ms === null ? [] : [p.rttP99Ms]));

    return {
      memberId: s.memberId,
      at: new Date(at).toISOString(),
      hasLeader: s.hasLeader,
      isLeader: s.isLeader,
      walFsyncP99Ms: toMs(p99(this.fsync)),
      backendCommitP99Ms: toMs(p99(this.commit)),
      peers,
      peerRttP99Ms: rtts.length ? Math.max(...rtts) : null,
      proposalsPending: s.proposalsPending,
      proposalsFailed15m: sum(this.counts.proposalsFailed),
      leaderChanges15m: sum(this.counts.leaderChanges),
      slowApplies15m: sum(this.counts.slowApplies),
      heartbeatFailures15m: sum(this.counts.heartbeatFailures),
      dbSize: s.dbSize,
      dbSizeInUse: s.dbSizeInUse,
      quotaBytes: s.quotaBytes,
      quotaUsedPct: s.dbSize !== null && s.quotaBytes ? (s.dbSize / s.quotaBytes) * 100 : null,
      restarted,
      clusterVersion: s.clusterVersion,
      ...(s.missing.length ? { missing: s.missing } : {}),
    };
  }

  /**
   * The real time the rate window's increases cover: from the scrape before the oldest one in the
   * window to now. Scrapes are not exactly `intervalMs` apart (a slow or failed scrape), and a
   * rate over a nominal window would then be off by as much as the jitter.
   */
  private rateSpanMs(at: number): number {
    const cutoff = at - this.rateWindowMs;
    let oldest = this.times.findIndex((t) => t > cutoff);
    // The first scrape has no increase of its own: it only starts the span.
    oldest = Math.max(1, oldest < 0 ? this.times.length - 1 : oldest);
    this.times = this.times.slice(oldest - 1);
    return this.times.length > 1 ? at - this.times[0] : 0;
  }
}
