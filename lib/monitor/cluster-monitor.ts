import 'server-only';
import { randomUUID } from 'node:crypto';
import type { Alert } from '../alerts/tracker';
import type { CertificateFinding, ExpiryThresholds } from '../certs/findings';
import type { ClusterCertificates } from '../certs/inventory';
import type { BackupStatus } from '../backups/types';
import type { AlertOverrides, ClusterConfig } from '../config/types';
import type { MetricsResult, PollResult } from '../etcd/types';
import type { RingHistory } from '../history/store';
import type { LogLine } from '../logs/types';
import type { ParsedFlag } from '../model/etcd-versions';
import type { Operation } from '../ops/types';
import { judgeHashes, pickHashRevision, type HashCheck, type HashReply } from '../ring/hashkv';
import type { RingEvent, RingState } from '../ring/types';
import { MessageBus } from './bus';
import { MemberClientPool, type ClientFactory } from './client-pool';
import { systemClock, type MonitorClock } from './clock';
import { LogCollector } from './log-collector';
import { MetricsCollector } from './metrics-collector';
import { RingPipeline } from './pipeline';
import { pollCluster } from './poll';
import { FULL_POLL_EVERY_MS, pollStatus } from './status-poll';

/** How often members' /metrics are scraped unless the config says (metricsIntervalMs). */
export const DEFAULT_METRICS_INTERVAL_MS = 15_000;

export interface MonitorSettings {
  pollIntervalMs: number;
  /** How often members' /metrics are scraped (default 15 s); a cluster's metrics.intervalMs overrides it. */
  metricsIntervalMs?: number;
  /** HashKV agreement check period; 0 turns it off. */
  hashCheckIntervalMs?: number;
  requestTimeoutMs: number;
  /** How many derived events to keep for late subscribers. */
  eventBuffer?: number;
  /** Per-rule alert overrides from the config. */
  alerts?: AlertOverrides;
  /** Certificate expiry thresholds (certificates.warnDays, criticalDays). */
  certificates?: ExpiryThresholds;
}

/** Parts a test or a benchmark replaces; by default the real network and the real clock. */
export interface MonitorParts {
  clock?: MonitorClock;
  /** The network part of a poll. */
  poll?: (seq: number, at: number, state: RingState | null) => Promise<PollResult>;
  /** HashKV of one member at one revision. */
  hashKv?: (endpoint: string, revision: number) => Promise<HashReply & { memberId?: string }>;
  clients?: ClientFactory;
  /** The network part of a /metrics scrape: a member's text from its URL (with `poll`, scrapes run only if given). */
  metricsText?: (url: string) => Promise<string>;
}

export type MonitorMessage =
  | { type: 'ring'; ring: RingState }
  | { type: 'ring-event'; event: RingEvent }
  | { type: 'hashkv'; check: HashCheck }
  | { type: 'alerts'; alerts: Alert[] }
  | { type: 'log'; line: LogLine }
  | { type: 'operation'; operation: Operation }
  | { type: 'backups'; status: BackupStatus | null };

/**
 * Watches one cluster: schedules polls, /metrics scrapes and HashKV checks, and tells subscribers.
 * The parts are apart: the client pool (lib/monitor/client-pool), the poll's network part
 * (poll.ts, status-poll.ts), what a poll turns into (pipeline.ts, no network or timers), the
 * message bus (bus.ts). Polls never overlap: the next starts a full interval after the previous
 * one started, or at once if it ran late. Most polls ask each member its status alone and carry
 * membership and alarms over; a full poll runs at least every FULL_POLL_EVERY_MS, whenever a
 * status hints at a change, and for every pollNow(). Scrapes run on their own, slower schedule
 * (`metricsIntervalMs`, 15 s): each poll carries the latest scrape's figures. One per cluster per
 * server process.
 */
export class ClusterMonitor {
  readonly bootId = randomUUID().slice(0, 8);
  /** The members' log lines, when the cluster names log sources. */
  readonly logs: LogCollector | null;
  private readonly pipeline: RingPipeline;
  private readonly bus = new MessageBus<MonitorMessage>();
  private readonly pool: MemberClientPool;
  private readonly metrics: MetricsCollector | null;
  private readonly clock: MonitorClock;
  /** This cluster's scrape period: its own metrics.intervalMs, else the deployment's. */
  readonly metricsIntervalMs: number;
  private seq = 0;
  private lastFullAt = -Infinity;
  private scrapeTimer: unknown = null;
  private scrapeInflight: Promise<void> | null = null;
  private scrapes = 0;
  /** The latest scrape of every member, by member ID, and when it finished. */
  private scraped: { at: number; results: Record<string, MetricsResult> } | null = null;
  private running = false;
  private timer: unknown = null;
  private hashTimer: unknown = null;
  private inflight: { full: boolean; done: Promise<void> } | null = null;
  private hashInflight: Promise<HashCheck | null> | null = null;
  /** Bumped when a check is pulled forward: the schedule it replaces stops at its next step. */
  private hashEpoch = 0;

  constructor(
    readonly cluster: ClusterConfig,
    readonly settings: MonitorSettings,
    private readonly parts: MonitorParts = {},
  ) {
    this.clock = parts.clock ?? systemClock;
    this.pool = new MemberClientPool(cluster.tls, settings.requestTimeoutMs, cluster.endpoints, parts.clients);
    this.metricsIntervalMs = cluster.metrics?.intervalMs ?? settings.metricsIntervalMs ?? DEFAULT_METRICS_INTERVAL_MS;
    this.pipeline = new RingPipeline({ cluster: cluster.name, bootId: this.bootId, pollIntervalMs: settings.pollIntervalMs, metricsIntervalMs: this.metricsIntervalMs, eventBuffer: settings.eventBuffer, alerts: settings.alerts, certificates: settings.certificates });
    this.logs = cluster.logs?.files.length || cluster.logs?.kubernetes ? new LogCollector(cluster, () => this.ring, (line) => this.bus.emit({ type: 'log', line })) : null;
    this.metrics =
      (parts.poll && !parts.metricsText) || cluster.metrics?.enabled === false
        ? null
        : new MetricsCollector(cluster, settings.requestTimeoutMs, this.metricsIntervalMs, { now: () => this.clock.now(), fetchText: parts.metricsText });
  }

  get ring(): RingState | null {
    return this.pipeline.ring;
  }

  /** Every poll's figures per member: an hour at full resolution, a day downsampled. */
  get history(): RingHistory {
    return this.pipeline.history;
  }

  /** Pending and firing alerts, worst first. */
  alerts(): Alert[] {
    return this.pipeline.alerts();
  }

  /** Before `start()`: the alert state saved before a restart. */
  restoreAlerts(alerts: readonly Alert[], settleMs: number): void {
    this.pipeline.restoreAlerts(alerts, this.clock.now(), settleMs);
  }

  /** Recent derived events, oldest first. */
  recentEvents(): RingEvent[] {
    return this.pipeline.recentEvents();
  }

  /** The latest HashKV agreement check, null before the first. */
  get hashCheck(): HashCheck | null {
    return this.pipeline.hashCheck;
  }

  /** Recent HashKV checks, oldest first. */
  hashHistory(): HashCheck[] {
    return this.pipeline.hashHistory();
  }

  /** The latest read of the members' certificates (lib/certs/watcher.ts reads them); null before the first. */
  get certificates(): ClusterCertificates | null {
    return this.pipeline.certificates;
  }

  /** What the latest certificate read says now: expiries, names that do not cover the address, members not read. */
  certificateFindings(now = this.clock.now()): CertificateFinding[] {
    return this.pipeline.certificateFindings(now);
  }

  /** Takes a new certificate read; the alert rules judge it from the next poll on. */
  setCertificates(read: ClusterCertificates): void {
    this.pipeline.setCertificates(read);
  }

  /** Each member's etcd flags from its pod's command, by member ID; empty without a Kubernetes source. */
  podFlags(): Map<string, ParsedFlag[]> {
    return this.logs?.podFlags() ?? new Map();
  }

  /** The cluster's backups (freshness, the last drill), null without a backup store; the alert rules read it at every poll. */
  get backups(): BackupStatus | null {
    return this.pipeline.backupStatus;
  }

  /** Told by the backup work (lib/ops/backups.ts) after every listing, backup and drill; subscribers hear of a change. */
  setBackups(status: BackupStatus | null): void {
    const changed = JSON.stringify(status) !== JSON.stringify(this.pipeline.backupStatus);
    this.pipeline.setBackups(status);
    if (changed) this.bus.emit({ type: 'backups', status });
  }

  subscribe(fn: (msg: MonitorMessage) => void): () => void {
    return this.bus.subscribe(fn);
  }

  /** Tells this cluster's subscribers about something that happened outside the poll (an operation's progress). */
  notify(msg: MonitorMessage): void {
    this.bus.emit(msg);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
    this.logs?.start();
    // The first check and the first scrape run once the first poll has found the members (see pollAndPublish).
  }

  async stop(): Promise<void> {
    this.running = false;
    this.logs?.stop();
    this.clock.clearTimeout(this.timer);
    this.clock.clearTimeout(this.hashTimer);
    this.clock.clearTimeout(this.scrapeTimer);
    this.timer = this.hashTimer = this.scrapeTimer = null;
    await Promise.all([this.inflight?.done, this.hashInflight, this.scrapeInflight]);
    this.pool.closeAll();
    this.metrics?.close();
    this.bus.clear();
  }

  /** Runs one full poll now (tests, benchmarks and every operation's decision); the scheduler uses the same path. */
  async pollNow(): Promise<RingState> {
    await this.tick(true);
    return this.ring!;
  }

  /**
   * The network part of one poll: a full one (status, member list, alarms), or with `full` false
   * a status poll when the last full poll is recent and the statuses show no change (else full).
   */
  async poll(full = true): Promise<PollResult> {
    const seq = ++this.seq;
    const at = this.clock.now();
    const metrics = this.latestScrape();
    if (this.parts.poll) {
      const replayed = await this.parts.poll(seq, at, this.ring);
      return metrics ? { ...replayed, metrics } : replayed;
    }
    const state = this.ring;
    if (!full && state && at - this.lastFullAt < FULL_POLL_EVERY_MS) {
      const light = await pollStatus({ cluster: this.cluster, pool: this.pool, state, seq, at, metrics });
      if (light) return light;
    }
    this.lastFullAt = at;
    return pollCluster({ cluster: this.cluster, pool: this.pool, state, seq, at, metrics });
  }

  /** Scrapes every member's /metrics now; the next poll carries the figures. */
  scrapeNow(): Promise<void> {
    if (!this.metrics) return Promise.resolve();
    this.scrapeInflight ??= this.metrics
      .scrape(this.ring?.members ?? [])
      .then((results) => {
        this.scraped = { at: this.clock.now(), results };
        this.scrapes++;
      })
      .finally(() => {
        this.scrapeInflight = null;
      });
    return this.scrapeInflight;
  }

  /** The latest scrape, unless it is too old to pass for current (scrapes that stopped): then none. */
  private latestScrape(): Record<string, MetricsResult> | undefined {
    if (!this.scraped || this.clock.now() - this.scraped.at > 3 * this.metricsIntervalMs) return undefined;
    return this.scraped.results;
  }

  /**
   * One HashKV agreement check at a revision every reachable voter has reached, on the latest
   * ring state. Costs grow with the db, so this runs far less often than the status poll.
   */
  checkHashes(): Promise<HashCheck | null> {
    this.hashInflight ??= this.runHashCheck().finally(() => {
      this.hashInflight = null;
    });
    return this.hashInflight;
  }

  private schedule(delayMs: number) {
    if (!this.running) return;
    this.timer = this.clock.setTimeout(async () => {
      const started = this.clock.now();
      await this.tick(false);
      this.schedule(Math.max(0, this.settings.pollIntervalMs - (this.clock.now() - started)));
    }, delayMs);
  }

  /**
   * Scrapes every `metricsIntervalMs`, apart from the polls. The first two are a poll interval
   * apart: a rate or a quantile needs two scrapes, and the charts should not wait a whole interval.
   */
  private scheduleScrape(delayMs: number) {
    if (!this.running || !this.metrics) return;
    this.scrapeTimer = this.clock.setTimeout(async () => {
      const started = this.clock.now();
      await this.scrapeNow();
      const every = this.scrapes < 2 ? this.settings.pollIntervalMs : this.metricsIntervalMs;
      this.scheduleScrape(Math.max(0, every - (this.clock.now() - started)));
    }, delayMs);
  }

  private scheduleHashCheck(delayMs: number, epoch = this.hashEpoch) {
    if (!this.running || epoch !== this.hashEpoch) return;
    this.hashTimer = this.clock.setTimeout(async () => {
      // A check already running began before whatever pulled this one forward: it cannot see it.
      await this.hashInflight;
      if (epoch !== this.hashEpoch) return;
      await this.checkHashes();
      this.scheduleHashCheck(this.settings.hashCheckIntervalMs!, epoch);
    }, delayMs);
  }

  /**
   * Compares the hashes now and restarts the interval from here: after Ringside's first poll,
   * and when a member comes back or membership changes (a returning member could have come back
   * with different data; a full interval is too long to wait to know).
   */
  private checkHashesSoon() {
    if (!this.running || !this.settings.hashCheckIntervalMs) return;
    this.hashEpoch++;
    this.clock.clearTimeout(this.hashTimer);
    this.scheduleHashCheck(0);
  }

  private async runHashCheck(): Promise<HashCheck | null> {
    const ring = this.ring;
    if (!ring) return null;
    const checkedAt = new Date(this.clock.now());
    const revision = pickHashRevision(ring);
    const replies = new Map<string, HashReply>();
    if (revision !== null) {
      const voters = ring.members.filter((m) => m.reachable && !m.isLearner && m.endpoint);
      const hashKv = this.parts.hashKv ?? ((endpoint: string, rev: number) => this.pool.get(endpoint).hashKv(rev));
      await Promise.all(
        voters.map(async (m) => {
          const reply = await hashKv(m.endpoint!, revision);
          // Trust the answer only if it came from the member we meant to ask.
          if (!reply.ok || reply.memberId === m.id) replies.set(m.id, reply);
        }),
      );
    }
    const check = judgeHashes(ring, revision, replies, checkedAt);
    this.pipeline.addHashCheck(check);
    this.bus.emit({ type: 'hashkv', check });
    return check;
  }

  private async tick(full: boolean): Promise<void> {
    // A poll while another runs joins it instead of overlapping; a full one waits out a status poll
    // (it may carry membership from before whatever the caller just did) and then runs.
    while (this.inflight && full && !this.inflight.full) await this.inflight.done;
    if (!this.inflight) {
      const done = this.pollAndPublish(full).finally(() => {
        this.inflight = null;
      });
      this.inflight = { full, done };
    }
    return this.inflight.done;
  }

  private async pollAndPublish(full: boolean) {
    let poll: PollResult;
    try {
      poll = await this.poll(full);
    } catch (e) {
      // poll() catches per-member failures; anything here is a bug, not a member fault.
      console.error(`[ringside] poll of ${this.cluster.name} failed:`, e);
      return;
    }
    // What the members' own logs say about versions rides along with the poll: derive stays pure.
    const refusals = this.logs?.versionRefusals();
    const folded = this.pipeline.fold(refusals?.length ? { ...poll, versionRefusals: refusals } : poll);
    this.pool.sync(folded.ring);
    this.bus.emit({ type: 'ring', ring: folded.ring });
    for (const event of folded.events) this.bus.emit({ type: 'ring-event', event });
    if (folded.alerts) this.bus.emit({ type: 'alerts', alerts: folded.alerts });
    if (folded.checkHashesNow) this.checkHashesSoon();
    if (this.scrapeTimer === null) this.scheduleScrape(0);
  }
}
