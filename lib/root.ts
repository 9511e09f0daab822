import 'server-only';
import os from 'node:os';
import path from 'node:path';
import type { Registry as PromRegistry } from 'prom-client';
import { createAccess, type AccessControl } from './auth/guard';
import { clientAddress, throttleKey } from './auth/peer';
import { Capacity, type SavedKeyspace } from './capacity/service';
import { CertificateWatcher } from './certs/watcher';
import { hideServerPaths, serverPathsOf } from './auth/server-paths';
import { ConfigError, loadConfig, resolveConfigPath } from './config/load';
import type { RingsideConfig } from './config/types';
import { MemberClient } from './etcd/client';
import { fetchVersions } from './etcd/version-endpoint';
import { RingsideError } from './errors';
import type { EdgePolicy } from './http/edge';
import { HostPolicy } from './http/hosts';
import type { StreamAdmission } from './http/sse';
import { StreamLimiter } from './http/streams';
import { ClusterMonitor } from './monitor/cluster-monitor';
import { createPrometheusRegistry } from './monitor/prometheus';
import { AlertDelivery, type AlertSource } from './notify/delivery';
import { storeOpener } from './backups/open-stores';
import { Backups, type StoreRef } from './ops/backups';
import { Maintenance } from './ops/maintenance';
import { Membership } from './ops/membership';
import { systemClock, type OpsDeps } from './ops/deps';
import { SCHEDULE } from './ops/principal';
import { DisasterRestore } from './ops/restore';
import { OperationRunner, safeMessage } from './ops/runner';
import type { OpAction, Operation } from './ops/types';
import { Upgrades } from './ops/upgrades';
import { Scheduler } from './schedule/scheduler';
import { auditRecorder, feedTimeline, openTimeline } from './timeline/feed';
import type { TimelineStore } from './timeline/store';
import { HistoryJournal, type SavedAlerts } from './history/journal';
import { TimelineShare } from './timeline/share';
import { filesStore } from './store/open';
import type { Lease, RingsideStore } from './store/types';
import type { SessionSync } from './auth/session-sync';
import type { StoredState } from './notify/types';

export type ConfigState = { kind: 'ok'; config: RingsideConfig } | { kind: 'none' } | { kind: 'error'; message: string };

/**
 * Everything long-lived in one server process, built once by `buildRingside` in an explicit
 * order and handed to what needs it. Nothing in lib/ looks any of it up on its own.
 */
export interface Ringside {
  readonly config: ConfigState;
  /** The validated settings, when there is a config. */
  readonly settings: RingsideConfig | null;
  readonly startedAt: Date;
  readonly monitors: ReadonlyMap<string, ClusterMonitor>;
  readonly access: AccessControl;
  /** Guided operations; null without a config. */
  readonly ops: { deps: OpsDeps; membership: Membership; maintenance: Maintenance; upgrades: Upgrades; backups: Backups; restore: DisasterRestore } | null;
  /** Keyspace scans, quota and growth, the defragment rules (issue 17); null without a config. */
  readonly capacity: Capacity | null;
  /** Periodic per-cluster work (scheduled backups and drills); null without a config. */
  readonly scheduler: Scheduler | null;
  readonly timeline: TimelineStore | null;
  /** Alert delivery to Alertmanagers and webhooks (off without `notifications`); null without a config. */
  readonly delivery: AlertDelivery | null;
  /** Reads the members' certificates for the expiry alerts and the cluster page; null without a config. */
  readonly certificates: CertificateWatcher | null;
  readonly prometheus: PromRegistry;
  readonly streams: StreamAdmission;
  readonly edge: EdgePolicy;
  /** Where Ringside's own state lives: files in dataDir, or PostgreSQL; null without a config. */
  readonly store: RingsideStore | null;
  /** The schedule's lease: held by exactly one replica (always by a process on files). */
  readonly lease: Lease | null;
  /** Resolves once the history and alert state from before a restart are back and the monitors run. */
  readonly ready: Promise<void>;
  /** The monitor of a configured cluster, or NOT_FOUND. */
  monitor(name: string): ClusterMonitor;
  stop(): Promise<void>;
}

export function readConfigState(): ConfigState {
  const file = resolveConfigPath();
  if (!file) return { kind: 'none' };
  try {
    return { kind: 'ok', config: loadConfig(file) };
  } catch (e) {
    if (e instanceof ConfigError) return { kind: 'error', message: e.message };
    throw e;
  }
}

export interface BuildOptions {
  /** false: build without polling (tests of the wiring itself). */
  start?: boolean;
  dev?: boolean;
  /** The opened store (boot opens PostgreSQL before building); default: the files in dataDir. */
  store?: RingsideStore;
}

/** A monitor as a producer of alerts for delivery: its whole list after every poll. */
function alertSource(m: ClusterMonitor): AlertSource {
  return {
    feed: `alerts/${m.cluster.name}`,
    alerts: () => m.alerts(),
    // Every poll, not only when the list changes: after a restart, an alert from before it
    // resolves only once its feed has been without it for a while, and that takes a clock tick.
    subscribe: (fn) => m.subscribe((msg) => msg.type === 'ring' && fn()),
  };
}

/**
 * The composition root. Order matters and is spelled out: the config; one monitor per cluster;
 * access; the audit log and the timeline (which listens to the monitors); the runner (which
 * tells the monitors' subscribers and the timeline); the certificate watcher (which hands each
 * monitor its certificates) and alert delivery (which takes every monitor's alerts, once its
 * state file is open); the backup stores (one per distinct setting) and the backup work, which
 * tells each monitor its freshness and drills, and the capacity work (which walks each new
 * verified backup); the scheduler with each cluster's jobs; Ringside's
 * own metrics (observing polls from the first); stream slots and the edge; and only then do the
 * watcher and the monitors start, so nothing misses the first event. The scheduler starts once
 * the stores have been read (a restart must not take a backup at once when the last one is
 * recent), and stops before the monitors.
 */
export function buildRingside(config: ConfigState, opts: BuildOptions = {}): Ringside {
  const settings = config.kind === 'ok' ? config.config : null;
  const monitors = new Map<string, ClusterMonitor>();
  for (const cluster of settings?.clusters ?? []) {
    monitors.set(
      cluster.name,
      new ClusterMonitor(cluster, {
        pollIntervalMs: settings!.pollIntervalMs,
        hashCheckIntervalMs: settings!.hashCheckIntervalMs,
        metricsIntervalMs: settings!.metricsIntervalMs,
        requestTimeoutMs: settings!.requestTimeoutMs,
        alerts: settings!.alerts,
        certificates: settings!.certificates,
      }),
    );
  }

  const access = createAccess(settings ?? undefined);

  let timeline: TimelineStore | null = null;
  let ops: Ringside['ops'] = null;
  let certificates: CertificateWatcher | null = null;
  let delivery: AlertDelivery | null = null;
  let scheduler: Scheduler | null = null;
  let capacity: Capacity | null = null;
  let backupsRead: Promise<void> = Promise.resolve();
  let store: RingsideStore | null = null;
  let lease: Lease | null = null;
  let journal: HistoryJournal | null = null;
  let sessions: SessionSync | null = null;
  let runner: OperationRunner | null = null;
  let timelineShare: TimelineShare | null = null;
  if (settings) {
    if (settings.store && !opts.store) throw new Error('store.postgres: the store is opened before Ringside is built (lib/boot.ts)');
    store = opts.store ?? filesStore(settings);
    const shared = store.kind === 'postgres';
    lease = store.lease('schedule');
    const leader = lease;
    if (store.sessions) sessions = access.shareSessions(store.sessions);
    if (store.signIns) access.shareSignIns(store.signIns);
    journal = new HistoryJournal({ log: store.history, alerts: store.cell<SavedAlerts>('alerts'), monitors: monitors.values(), mayWrite: () => leader.held() });
    timeline = openTimeline(settings.dataDir);
    if (timeline) feedTimeline(timeline, monitors.values(), () => leader.held());
    if (timeline && store.timeline) timelineShare = new TimelineShare(store.timeline, timeline, { mayPrune: () => leader.held() });
    const audit = store.audit;
    const publishOp = (op: Operation) => monitors.get(op.cluster)?.notify({ type: 'operation', operation: structuredClone(op) });
    runner = new OperationRunner(audit, publishOp, auditRecorder(timeline), Date.now, store.locks);
    // Another replica's operation goes live to this replica's viewers too (within a second); on
    // files, one this process found cut off by the last one's crash.
    store.locks.onChange = publishOp;
    const deps: OpsDeps = {
      runner,
      audit,
      config: { ops: settings.ops, backups: settings.backups },
      connect: (endpoint, tls, timeoutMs) => new MemberClient(endpoint, tls, timeoutMs),
      clock: systemClock,
      fetch: (input, init) => fetch(input, init),
    };
    const membership = new Membership(deps);
    // A handshake per member endpoint, at most hourly: a generous bound costs nothing.
    certificates = new CertificateWatcher(monitors.values(), { checkIntervalMs: settings.certificates.checkIntervalMs, timeoutMs: 5000 });
    delivery = new AlertDelivery({
      settings: settings.notifications,
      stateFile: path.join(settings.dataDir, 'notifications.json'),
      ...(shared ? { state: store.cell<StoredState>('notifications'), lease } : {}),
      audit,
      sources: [...monitors.values()].map(alertSource),
    });
    const open = storeOpener();
    const stores = new Map<string, StoreRef[]>(
      Object.entries(settings.backups?.clusters ?? {}).map(([cluster, c]) => {
        const seen: Record<string, number> = {};
        const opened = open(c.stores);
        return [cluster, c.stores.map((st, i) => ({ key: `${st.kind}-${(seen[st.kind] = (seen[st.kind] ?? 0) + 1)}`, store: opened[i], settings: st }))];
      }),
    );
    const opRunner = runner;
    // A new leader first reads what the stores hold (the last leader's backups and drills).
    let caughtUp = true;
    scheduler = new Scheduler({
      // Several replicas: only the lease holder runs scheduled work; the others stay quiet.
      mayRun: () => leader.held() && caughtUp,
      // Once per reason: into the audit log, and from there the timeline.
      onSkip: (job, reason) => void opRunner.record({ principal: SCHEDULE, cluster: job.cluster, action: job.action as OpAction, params: { scheduled: true } }, 'skipped', 0, { error: reason }).catch((e) => console.error('[ringside] audit append failed:', safeMessage(e))),
      onError: (job, e) => console.error(`[ringside] scheduled ${job.id} failed:`, safeMessage(e)),
    });
    const sched = scheduler;
    const backups = new Backups(deps, {
      stores: (cluster) => stores.get(cluster) ?? [],
      // Everyone sees this (alerts, the NOC, /api/metrics): no server path in it, whoever asks.
      publish: (cluster, status) => monitors.get(cluster)?.setBackups(hideServerPaths(status, serverPathsOf(settings))),
      skipped: (id) => sched.status().find((j) => j.id === id)?.skipped ?? null,
      stored: (cluster, backup) => capacity?.backupStored(cluster, backup),
    });
    const maintenance = new Maintenance(deps);
    const reportStore = store;
    capacity = new Capacity({ settings: settings.capacity, audit, backups, maintenance, runner, backupKey: settings.backups?.key, saved: (c) => reportStore.cell<SavedKeyspace>(`keyspace-${c}`), sharedReports: shared });
    for (const m of monitors.values()) for (const job of [...backups.jobs(m), ...capacity.jobs(m)]) scheduler.register(job);
    ops = { deps, membership, maintenance, upgrades: new Upgrades(membership, fetchVersions), backups, restore: new DisasterRestore(deps, backups) };
    const cap = capacity;
    // What the schedule decides from: the stores' backups and drills, and the last scheduled defragment (from the audit log).
    const readScheduleState = () =>
      Promise.all([
        backups.init([...monitors.keys()]).catch((e) => console.error('[ringside] reading the backup stores failed:', safeMessage(e))),
        cap.init([...monitors.keys()]).catch((e) => console.error('[ringside] reading the last scheduled defragment failed:', safeMessage(e))),
      ]).then(() => undefined);
    if (opts.start !== false) backupsRead = readScheduleState();
    if (shared) {
      leader.onChange((held) => {
        if (!held) return;
        caughtUp = false;
        void readScheduleState().finally(() => (caughtUp = true));
      });
    }
  }

  const prometheus = createPrometheusRegistry(monitors, { receivers: () => delivery?.status() ?? [] });
  const http = settings?.http ?? { allowedHosts: [], maxStreams: 1000, maxStreamsPerClient: 32 };
  const streams: StreamAdmission = {
    limiter: new StreamLimiter(http.maxStreams, http.maxStreamsPerClient),
    clientOf: (req) => throttleKey(clientAddress((n) => req.headers.get(n), access.trustedProxies)),
  };
  const edge: EdgePolicy = {
    trusted: access.trustedProxies,
    hosts: new HostPolicy(http.allowedHosts, os.hostname()),
    proxyUserHeader: settings?.auth?.proxy?.userHeader?.toLowerCase(),
    dev: opts.dev ?? process.env.NODE_ENV !== 'production',
    ...(access.anonymousReads ? {} : { signedIn: (get: (name: string) => string | null) => access.mayRead({ headers: { get } }) }),
  };

  let stopped = false;
  let ready: Promise<void> = Promise.resolve();
  if (opts.start !== false) {
    certificates?.start();
    lease?.start();
    if (store) store.locks.start();
    void sessions?.start().catch((e: Error) => console.error('[ringside] cannot read the sessions from the store:', e.message));
    void timelineShare?.start().catch((e: Error) => console.error('[ringside] cannot read the timeline from the store:', e.message));
    // The history and the alerts from before a restart go back in before the first poll.
    const restored = journal ? journal.restore() : Promise.resolve();
    ready = restored.then(() => {
      if (stopped) return;
      for (const m of monitors.values()) m.start();
      journal?.start();
    });
    void Promise.all([backupsRead, restored]).then(() => {
      if (!stopped) scheduler?.start();
    });
  }

  return {
    config,
    settings,
    startedAt: new Date(),
    monitors,
    access,
    ops,
    capacity,
    scheduler,
    timeline,
    delivery,
    certificates,
    prometheus,
    streams,
    edge,
    store,
    lease,
    ready,
    monitor(name) {
      const m = monitors.get(name);
      if (!m) throw new RingsideError('NOT_FOUND', `no cluster named "${name}" is configured`);
      return m;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await scheduler?.stop();
      await capacity?.stop();
      await Promise.all([...[...monitors.values()].map((m) => m.stop()), certificates?.stop()]);
      // Once nothing feeds them: the last history batch and the alert list, then delivery's state.
      await journal?.stop();
      await delivery?.close();
      await timelineShare?.stop();
      timeline?.flush();
      // What still runs here cannot finish once the process is gone: it ends as interrupted, and
      // its lock goes now rather than at its expiry.
      await runner?.abandon(store?.replica ?? 'this');
      await sessions?.stop();
      await lease?.stop();
      await store?.close();
    },
  };
}

/**
 * The process's Ringside. Next loads instrumentation and every route as separate module graphs,
 * so the one root sits under one globalThis key: built at start (instrumentation.ts), found by
 * every route. This is the only global lookup in lib/.
 */
const KEY = Symbol.for('ringside.root');
type Global = typeof globalThis & { [KEY]?: Ringside };

export function ringside(): Ringside {
  const g = globalThis as Global;
  g[KEY] ??= buildRingside(readConfigState());
  return g[KEY];
}

/** At start (lib/boot.ts), with the store already open: the process's one Ringside. */
export function installRingside(config: ConfigState, store: RingsideStore | undefined): Ringside {
  const g = globalThis as Global;
  g[KEY] ??= buildRingside(config, { store });
  return g[KEY];
}
