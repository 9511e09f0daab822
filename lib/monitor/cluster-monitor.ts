import 'server-only';
import { randomUUID } from 'node:crypto';
import { evaluateRules } from '../alerts/rules';
import { AlertTracker, alertEvent, type Alert } from '../alerts/tracker';
import type { AlertOverrides, ClusterConfig } from '../config/types';
import { MemberClient } from '../etcd/client';
import type { AlarmEntry, MemberListEntry, PollResult } from '../etcd/types';
import { deriveRing } from '../ring/derive';
import { diffRing } from '../ring/events';
import { sampleOf } from '../history/series';
import { RingHistory } from '../history/store';
import { LogCollector } from './log-collector';
import { MetricsCollector } from './metrics-collector';
import type { LogLine } from '../logs/types';
import type { Operation } from '../ops/types';
import { judgeHashes, pickHashRevision, type HashCheck, type HashReply } from '../ring/hashkv';
import type { RingEvent, RingState } from '../ring/types';

export interface MonitorSettings {
  pollIntervalMs: number;
  /** HashKV agreement check period; 0 turns it off. */
  hashCheckIntervalMs?: number;
  requestTimeoutMs: number;
  /** How many derived events to keep for late subscribers. */
  eventBuffer?: number;
  /** Per-rule alert overrides from the config. */
  alerts?: AlertOverrides;
}

export type MonitorMessage =
  | { type: 'ring'; ring: RingState }
  | { type: 'ring-event'; event: RingEvent }
  | { type: 'hashkv'; check: HashCheck }
  | { type: 'alerts'; alerts: Alert[] }
  | { type: 'log'; line: LogLine }
  | { type: 'operation'; operation: Operation };

/** Checks kept for the history; at the default 10 s that is the last ~17 minutes. */
const HASH_HISTORY = 100;
/** Changes after which the hashes are compared at once rather than a full interval later. */
const HASH_NOW: ReadonlySet<RingEvent['kind']> = new Set(['member-up', 'member-added', 'member-removed', 'member-promoted']);
/** etcdExcessiveDatabaseGrowth looks 4 h back and 4 h ahead; its inputs change once a minute. */
const GROWTH_MS = 4 * 3_600_000;
const GROWTH_EVERY_MS = 60_000;
type Listener = (msg: MonitorMessage) => void;

/**
 * Polls every member of one cluster, derives its ring state and events, and tells subscribers.
 * One per cluster per server process. Polls never overlap: the next starts a full interval after
 * the previous one started, or at once if it ran late.
 */
export class ClusterMonitor {
  readonly bootId = randomUUID().slice(0, 8);
  private readonly clients = new Map<string, MemberClient>();
  private readonly listeners = new Set<Listener>();
  private events: RingEvent[] = [];
  private state: RingState | null = null;
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private hashTimer: NodeJS.Timeout | null = null;
  private hashChecks: HashCheck[] = [];
  private hashInflight: Promise<HashCheck | null> | null = null;
  /** Bumped when a check is pulled forward: the schedule it replaces stops at its next step. */
  private hashEpoch = 0;
  private running = false;
  private inflight: Promise<void> | null = null;
  /** The members' log lines, when the cluster names log sources. */
  readonly logs: LogCollector | null;
  /** Every poll's figures per member: an hour at full resolution, a day downsampled. */
  readonly history: RingHistory;
  private readonly metrics: MetricsCollector | null;
  private readonly alertTracker: AlertTracker;
  private alertsJson = '[]';
  private growth: { at: number; dbSizeIn4h: Map<string, number | null> } | null = null;

  constructor(
    readonly cluster: ClusterConfig,
    readonly settings: MonitorSettings,
  ) {
    this.logs = cluster.logs?.files.length || cluster.logs?.kubernetes ? new LogCollector(cluster, () => this.state, (line) => this.emit({ type: 'log', line })) : null;
    this.metrics = cluster.metrics?.enabled === false ? null : new MetricsCollector(cluster, settings.requestTimeoutMs, settings.pollIntervalMs);
    this.history = new RingHistory({ intervalMs: settings.pollIntervalMs });
    this.alertTracker = new AlertTracker(cluster.name, { pollIntervalMs: settings.pollIntervalMs, overrides: settings.alerts });
  }

  /** Pending and firing alerts, worst first. */
  alerts(): Alert[] {
    return this.alertTracker.list();
  }


  get ring(): RingState | null {
    return this.state;
  }

  /** Recent derived events, oldest first. */
  recentEvents(): RingEvent[] {
    return [...this.events];
  }

  /** The latest HashKV agreement check, null before the first. */
  get hashCheck(): HashCheck | null {
    return this.hashChecks.at(-1) ?? null;
  }

  /** Recent HashKV checks, oldest first. */
  hashHistory(): HashCheck[] {
    return [...this.hashChecks];
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
    this.logs?.start();
    // The first check runs once the first poll has found the members (see pollAndPublish).
  }

  async stop(): Promise<void> {
    this.running = false;
    this.logs?.stop();
    if (this.timer) clearTimeout(this.timer);
    if (this.hashTimer) clearTimeout(this.hashTimer);
    this.timer = this.hashTimer = null;
    await Promise.all([this.inflight, this.hashInflight]);
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    this.metrics?.close();
    this.listeners.clear();
  }

  /** Runs one poll now (tests and benchmarks); the scheduler uses the same path. */
  async pollNow(): Promise<RingState> {
    await this.tick();
    return this.state!;
  }

  private schedule(delayMs: number) {
    if (!this.running) return;
    this.timer = setTimeout(async () => {
      const started = Date.now();
      await this.tick();
      this.schedule(Math.max(0, this.settings.pollIntervalMs - (Date.now() - started)));
    }, delayMs);
  }

  private scheduleHashCheck(delayMs: number, epoch = this.hashEpoch) {
    if (!this.running || epoch !== this.hashEpoch) return;
    this.hashTimer = setTimeout(async () => {
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
    if (this.hashTimer) clearTimeout(this.hashTimer);
    this.scheduleHashCheck(0);
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

  private async runHashCheck(): Promise<HashCheck | null> {
    const ring = this.state;
    if (!ring) return null;
    const checkedAt = new Date();
    const revision = pickHashRevision(ring);
    const replies = new Map<string, HashReply>();
    if (revision !== null) {
      const voters = ring.members.filter((m) => m.reachable && !m.isLearner && m.endpoint);
      await Promise.all(
        voters.map(async (m) => {
          const reply = await this.client(m.endpoint!).hashKv(revision);
          // Trust the answer only if it came from the member we meant to ask.
          if (!reply.ok || reply.memberId === m.id) replies.set(m.id, reply);
        }),
      );
    }
    const check = judgeHashes(ring, revision, replies, checkedAt);
    this.hashChecks = [...this.hashChecks, check].slice(-HASH_HISTORY);
    this.emit({ type: 'hashkv', check });
    return check;
  }

  private tick(): Promise<void> {
    // A manual poll while a scheduled one runs joins it instead of overlapping.
    this.inflight ??= this.pollAndPublish().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async pollAndPublish() {
    let poll: PollResult;
    try {
      poll = await this.poll();
    } catch (e) {
      // poll() catches per-member failures; anything here is a bug, not a member fault.
      console.error(`[ringside] poll of ${this.cluster.name} failed:`, e);
      return;
    }
    const prev = this.state;
    const next = deriveRing(poll, prev, { bootId: this.bootId, pollIntervalMs: this.settings.pollIntervalMs });
    const events = diffRing(prev, next);
    this.state = next;
    this.syncClients(next);
    this.history.record(sampleOf(next));
    const now = poll.at;
    const changes = this.alertTracker.update(
      evaluateRules({ ring: next, hashChecks: this.hashChecks, events: [...this.events, ...events], dbSizeIn4h: this.dbGrowth(now), now }),
      now,
    );
    events.push(...changes.map((c, n) => alertEvent(c, `${next.bootId}-${next.seq}-a${n}`)));
    const max = this.settings.eventBuffer ?? 500;
    if (events.length) this.events = [...this.events, ...events].slice(-max);
    this.emit({ type: 'ring', ring: next });
    for (const event of events) this.emit({ type: 'ring-event', event });
    this.publishAlerts();
    if (!prev || events.some((e) => HASH_NOW.has(e.kind))) this.checkHashesSoon();
  }

  /** Tells subscribers the alert list when anything in it changed (state, severity, value, message). */
  private publishAlerts() {
    const alerts = this.alertTracker.list();
    const json = JSON.stringify(alerts);
    if (json === this.alertsJson) return;
    this.alertsJson = json;
    this.emit({ type: 'alerts', alerts });
  }

  /** Each member's db size predicted 4 h ahead from the last 4 h (etcdExcessiveDatabaseGrowth); once a minute. */
  private dbGrowth(now: number): Map<string, number | null> {
    if (!this.growth || now - this.growth.at >= GROWTH_EVERY_MS) {
      const ids = this.state?.members.map((m) => m.id) ?? [];
      this.growth = { at: now, dbSizeIn4h: new Map(ids.map((id) => [id, this.history.predictLinear(id, 'dbSize', GROWTH_MS, GROWTH_MS, now)])) };
    }
    return this.growth.dbSizeIn4h;
  }

  /** Tells this cluster's subscribers about something that happened outside the poll (an operation's progress). */
  notify(msg: MonitorMessage) {
    this.emit(msg);
  }

  private emit(msg: MonitorMessage) {
    for (const fn of this.listeners) {
      try {
        fn(msg);
      } catch (e) {
        console.error('[ringside] subscriber failed:', e);
      }
    }
  }

  /** One poll: status from every member in parallel; membership and alarms from one that answers. */
  async poll(): Promise<PollResult> {
    const at = Date.now();
    const seq = ++this.seq;
    const targets = this.targets();
    const preferred = this.preferredClient(targets);

    const [probes, first, metrics] = await Promise.all([
      Promise.all(targets.map((c) => c.probe())),
      preferred ? Promise.allSettled([preferred.memberList(), preferred.alarms()]) : null,
      // Members known from the last poll; one discovered now is scraped from the next poll on.
      this.metrics?.scrape(this.state?.members ?? []),
    ]);

    let members: MemberListEntry[] | null = first?.[0].status === 'fulfilled' ? first[0].value : null;
    let alarms: AlarmEntry[] | null = first?.[1].status === 'fulfilled' ? first[1].value : null;

    const answered = targets.filter((c, i) => probes[i].ok && c !== preferred);
    if (members === null && answered.length) {
      members = await Promise.any(answered.map((c) => c.memberList())).catch(() => null);
    }
    // The alarm list goes through raft; a timeout on the preferred member means no quorum, and
    // asking the others would only wait another deadline for the same answer.
    const alarmTimedOut = first?.[1].status === 'rejected' && /deadline/i.test(String(first[1].reason));
    if (alarms === null && !alarmTimedOut && answered.length) {
      alarms = await Promise.any(answered.map((c) => c.alarms())).catch(() => null);
    }

    // Members the list revealed that were not probed (first poll, or just added): probe them now,
    // so a newly discovered member is never reported down and then "up" a second later.
    if (members) {
      const probed = new Set(targets.map((c) => c.endpoint));
      const answeredIds = new Set(probes.flatMap((p) => (p.ok ? [p.status.memberId] : [])));
      const fresh = members
        .filter((m) => m.clientURLs.length > 0 && !answeredIds.has(m.id) && !m.clientURLs.some((u) => probed.has(u)))
        .map((m) => this.client(m.clientURLs[0]));
      if (fresh.length) probes.push(...(await Promise.all(fresh.map((c) => c.probe()))));
    }

    return { cluster: this.cluster.name, seq, at, durationMs: Date.now() - at, members, probes, alarms, ...(metrics ? { metrics } : {}) };
  }

  /**
   * Endpoints to probe: one per known member (its first client URL, or the configured endpoint
   * that names it), plus the configured endpoints while membership is not known yet.
   */
  private targets(): MemberClient[] {
    const urls = new Set<string>();
    const seeds = this.cluster.endpoints;
    const members = this.state?.members ?? [];
    for (const m of members) {
      if (m.clientURLs.length === 0) continue;
      urls.add(m.clientURLs.find((u) => seeds.includes(u)) ?? m.clientURLs[0]);
    }
    if (!this.state?.membersKnown || members.every((m) => !m.reachable)) {
      for (const s of seeds) urls.add(s);
    }
    return [...urls].map((u) => this.client(u));
  }

  /** The leader answers membership fastest and is most likely current; else anyone who answered last time. */
  private preferredClient(targets: MemberClient[]): MemberClient | undefined {
    const members = this.state?.members ?? [];
    const leader = members.find((m) => m.isLeader && m.endpoint);
    const alive = members.find((m) => m.reachable && m.endpoint);
    const endpoint = leader?.endpoint ?? alive?.endpoint;
    return targets.find((c) => c.endpoint === endpoint) ?? targets[0];
  }

  private client(endpoint: string): MemberClient {
    let c = this.clients.get(endpoint);
    if (!c) {
      c = new MemberClient(endpoint, this.cluster.tls, this.settings.requestTimeoutMs);
      this.clients.set(endpoint, c);
    }
    return c;
  }

  /** Closes clients of members that left the ring (seeds stay: they are how we find it again). */
  private syncClients(state: RingState) {
    if (!state.membersKnown) return;
    const keep = new Set([...this.cluster.endpoints, ...state.members.flatMap((m) => m.clientURLs)]);
    for (const [url, c] of this.clients) {
      if (!keep.has(url)) {
        c.close();
        this.clients.delete(url);
      }
    }
  }
}
