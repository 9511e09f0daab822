import 'server-only';

import { mkdir } from 'node:fs/promises';
import type { AuditStore } from '../audit/types';
import type { TlsMaterial } from '../config/types';
import { MemberClient } from '../etcd/client';
import { isRingsideError, RingsideError } from '../errors';
import type { RingHistory } from '../history/store';
import type { Backups } from '../ops/backups';
import type { MonitorView } from '../ops/deps';
import type { Maintenance } from '../ops/maintenance';
import { SCHEDULE, type Principal } from '../ops/principal';
import { req } from '../ops/ring-access';
import { safeMessage } from '../ops/runner';
import type { OperationRunner } from '../ops/runner';
import { SkippedRun, type ScheduledJob } from '../schedule/scheduler';
import type { StateCell } from '../store/types';
import { openStoredBackup } from './backup-source';
import { keepReport, mergeReports, pickReports, type ReportsBySource, type ScanSource } from './reports';
import type { CapacitySettings, ClusterCapacitySettings } from './config';
import { decideScheduledDefrag, defragDryRun, type DefragDryRun } from './defrag-rules';
import { diffKeyspace } from './diff';
import { scanLive, scanSource } from './live-scan';
import { capacityOf, type CapacityReport } from './quota';
import { walkSnapshotKeyspace } from './snapshot-walk';
import type { KeyspaceDiff, KeyspaceReport } from './types';

export type { ScanSource };

export interface ScanState {
  source: ScanSource;
  startedAt: string;
  /** Who asked: an operator's name, or `ringside (schedule)`. */
  by: string;
}

/** The keyspace answer of one cluster: the API's and the panel's shape, safe for `import type`. */
export interface KeyspaceView {
  cluster: string;
  /** The newest report of the source asked for (any source when none was named); null before the first scan. */
  report: KeyspaceReport | null;
  /** Against the report before it (of the same source when there is one). */
  diff: KeyspaceDiff | null;
  /** When a report first saw the compacted revision move (ISO), and the report before it; null until one did. */
  compactionMoved: { at: string; from: number; to: number } | null;
  /** Quota, growth, the NOSPACE date and the defragment gain per member; null before the first poll. */
  capacity: CapacityReport | null;
  defrag: {
    rules: string[];
    /** Scheduled rolling defragment period; null: the rules feed this dry run only. */
    everyMs: number | null;
    /** What the rules select now, each rule with exactly its members and why; null before the first poll. */
    dryRun: DefragDryRun | null;
    /** When the schedule last ran or checked (ISO). */
    lastRunAt: string | null;
  };
  scan: {
    running: ScanState | null;
    everyMs: number | null;
    /** Each new verified backup is walked. */
    backups: boolean;
    /** Whether backups are configured at all (the backup source needs a store). */
    backupsConfigured: boolean;
    /** The newest report of each source (ISO), to offer both. */
    latest: { live: string | null; backup: string | null };
    /** The last scan that failed or could not start, with why; cleared by the next that succeeds. */
    lastError: { source: ScanSource; at: string; error: string } | null;
  };
}

interface ClusterState {
  /** The last two reports of each source, newest last. */
  reports: ReportsBySource;
  running: (ScanState & { abort: AbortController; done: Promise<void> }) | null;
  compactionMoved: KeyspaceView['compactionMoved'];
  /** When the next scheduled live scan is due (epoch ms): `every` after one that worked, a minute after one that failed. */
  nextLiveAt: number;
  /** A new verified backup waiting for its walk: `{ id, storeKey }`. */
  pendingBackup: { id: string; storeKey: string } | null;
  /** The newest backup was looked for once at start. */
  lookedForBackup: boolean;
  lastError: KeyspaceView['scan']['lastError'];
  lastDefragAt: number | null;
}

/** A cluster's reports as the store keeps them: a restart, and every replica, answer the same. */
export interface SavedKeyspace {
  version: 1;
  reports: ReportsBySource;
  compactionMoved: KeyspaceView['compactionMoved'];
}

export interface CapacityDeps {
  settings: CapacitySettings;
  /** Where each cluster's reports are kept (dataDir, or the shared store); absent: in memory only. */
  saved?: (cluster: string) => StateCell<SavedKeyspace>;
  /** Several replicas: the stored reports are read again when a page asks (another may have scanned); one process reads them at start only. */
  sharedReports?: boolean;
  /** Where the last scheduled defragment is read from at start. */
  audit: AuditStore;
  backups: Backups;
  maintenance: Maintenance;
  runner: OperationRunner;
  /** The backup encryption key, to walk encrypted backups. */
  backupKey?: Buffer;
  now?: () => number;
}

/** A scheduled live scan that failed is tried again this soon (or at `every`, if sooner). */
const RETRY_MS = 60_000;

/** How stale a replica's copy of the stored reports may be when a page asks (another replica scans). */
const REREAD_MS = 5_000;

/**
 * Issue 17's capacity work for every cluster: keyspace scans (live from a healthy follower, or a
 * walk of the newest verified backup), on demand and as jobs of the scheduler, one per cluster at
 * a time; the last two reports of each source and when the compacted revision last moved; quota,
 * growth and the NOSPACE date beside the ring state; and the scheduled rolling defragment by the
 * rules, through the existing defragment action.
 */
export class Capacity {
  private readonly state = new Map<string, ClusterState>();
  private readonly readAt = new Map<string, number>();
  private readonly reading = new Map<string, Promise<void>>();
  private readonly now: () => number;

  constructor(private readonly d: CapacityDeps) {
    this.now = d.now ?? Date.now;
  }

  settingsOf(cluster: string): ClusterCapacitySettings {
    const s = this.d.settings.clusters[cluster];
    if (!s) throw new RingsideError('NOT_FOUND', `no cluster named "${cluster}" is configured`);
    return s;
  }

  private stateOf(cluster: string): ClusterState {
    let s = this.state.get(cluster);
    if (!s) {
      s = { reports: { live: [], backup: [] }, running: null, compactionMoved: null, nextLiveAt: 0, pendingBackup: null, lookedForBackup: false, lastError: null, lastDefragAt: null };
      this.state.set(cluster, s);
    }
    return s;
  }

  private iso(ms = this.now()): string {
    return new Date(ms).toISOString();
  }

  /**
   * Reads when each cluster's schedule last defragmented (or found nothing to do) from the audit
   * log: a restart does not defragment at once when the last run was recent.
   */
  async init(clusters: readonly string[]): Promise<void> {
    await Promise.all(clusters.filter((c) => this.d.settings.clusters[c]).map((c) => this.refresh(c)));
    await Promise.all(
      clusters
        .filter((c) => this.d.settings.clusters[c]?.defrag.everyMs != null)
        .map(async (c) => {
          const last = (await this.d.audit.query({ cluster: c, action: ['defragment'], limit: 100 })).find((e) => e.via === 'schedule');
          const st = this.stateOf(c);
          if (last && st.lastDefragAt === null) st.lastDefragAt = Date.parse(last.at);
        }),
    );
  }

  /** What the API answers: the newest report (of `source` when named), its diff, capacity and the dry run. */
  view(monitor: MonitorView & { readonly history: RingHistory }, source?: ScanSource): KeyspaceView {
    const cluster = monitor.cluster.name;
    const cfg = this.settingsOf(cluster);
    const st = this.stateOf(cluster);
    const { report, previous } = pickReports(st.reports, source);
    const ring = monitor.ring;
    const { rules, everyMs } = cfg.defrag;
    return {
      cluster,
      report,
      diff: report && previous ? diffKeyspace(previous, report) : null,
      compactionMoved: st.compactionMoved,
      capacity: ring ? capacityOf(ring, monitor.history, this.now(), { windowMs: cfg.forecastWindowMs }) : null,
      defrag: { rules: rules.map((r) => r.text), everyMs, dryRun: ring ? defragDryRun(ring, rules) : null, lastRunAt: st.lastDefragAt === null ? null : this.iso(st.lastDefragAt) },
      scan: {
        running: st.running ? { source: st.running.source, startedAt: st.running.startedAt, by: st.running.by } : null,
        everyMs: cfg.scan.everyMs,
        backups: cfg.scan.backups,
        backupsConfigured: this.d.backups.settingsOf(cluster) !== null,
        latest: { live: st.reports.live.at(-1)?.takenAt ?? null, backup: st.reports.backup.at(-1)?.takenAt ?? null },
        lastError: st.lastError,
      },
    };
  }

  /**
   * Starts a scan now; CONFLICT while one runs on the cluster. Resolves once it has started; the
   * scan runs on in the background (`done`).
   */
  scanNow(monitor: MonitorView, source: ScanSource, p: Principal): { scan: ScanState; done: Promise<void> } {
    const cluster = monitor.cluster.name;
    const st = this.stateOf(cluster);
    if (st.running) throw new RingsideError('CONFLICT', `a ${st.running.source} keyspace scan of ${cluster} is running since ${st.running.startedAt}`);
    if (source === 'backup' && !this.d.backups.settingsOf(cluster)) throw new RingsideError('INVALID', `source: ${cluster} has no backup store to walk (backups in the config); scan live instead`, 'source');
    const scan: ScanState = { source, startedAt: this.iso(), by: p.name };
    const started = this.now();
    // Held before any work starts, so a scan that fails at once still frees the cluster.
    const run = { ...scan, abort: new AbortController(), done: Promise.resolve() };
    const { abort } = run;
    st.running = run;
    run.done = (async () => {
      try {
        const report = source === 'live' ? await this.scanLive(monitor, abort.signal) : await this.walkBackup(cluster, abort.signal);
        this.keep(cluster, source, report);
        st.lastError = null;
        const from = report.source.kind === 'live' ? { id: report.source.memberId, name: report.source.memberName } : undefined;
        await this.audit(p, monitor, source, 'ok', started, { details: { revision: report.revision, totalKeys: report.totalKeys, totalBytes: report.totalBytes, ...(report.source.kind === 'snapshot' ? { backup: report.source.name } : {}) } }, from);
      } catch (e) {
        if (!abort.signal.aborted) st.lastError = { source, at: this.iso(), error: isRingsideError(e) ? e.message : safeMessage(e) };
        await this.audit(p, monitor, source, 'failed', started, { error: abort.signal.aborted ? 'stopped' : st.lastError!.error });
        if (!isRingsideError(e) && !abort.signal.aborted) console.error(`[ringside] ${source} keyspace scan of ${cluster} failed:`, safeMessage(e));
      } finally {
        if (source === 'live') {
          const every = this.settingsOf(cluster).scan.everyMs ?? 0;
          st.nextLiveAt = this.now() + (st.lastError ? Math.min(every, RETRY_MS) : every);
        }
        if (st.running === run) st.running = null;
      }
    })();
    return { scan, done: run.done };
  }

  /**
   * An operator's scan is audited when it ends (who put a scan's load on the ring, and what it
   * found); the schedule's are not, as the backups' skips are not: they would fill the timeline.
   */
  private async audit(p: Principal, monitor: MonitorView, source: ScanSource, result: 'ok' | 'failed', started: number, extra: { error?: string; details?: Record<string, unknown> }, member?: { id: string; name: string }): Promise<void> {
    if (p.via === 'schedule') return;
    await this.d.runner.record(req(p, monitor, 'keyspace-scan', { source }, member), result, this.now() - started, extra).catch((e) => console.error('[ringside] audit append failed:', safeMessage(e)));
  }

  private async scanLive(monitor: MonitorView, signal: AbortSignal): Promise<KeyspaceReport> {
    const cfg = this.settingsOf(monitor.cluster.name);
    const ring = await monitor.pollNow();
    const src = scanSource(ring, monitor.hashCheck);
    if (!src.member) throw new RingsideError('UNAVAILABLE', src.reason);
    const m = src.member;
    const client = new MemberClient(m.endpoint!, monitor.cluster.tls as TlsMaterial | undefined, 10_000);
    try {
      return await scanLive(client, {
        member: { id: m.id, name: m.name },
        pagesPerSecond: cfg.scan.pagesPerSecond,
        pageBytes: cfg.scan.pageBytes,
        maxTtlLookups: cfg.scan.maxTtlLookups,
        topN: cfg.breakdown.topN,
        maxPrefixes: cfg.breakdown.maxPrefixes,
        layout: cfg.breakdown.layout,
        signal,
      });
    } finally {
      client.close();
    }
  }

  /** The newest verified backup (or the one a backup just stored), walked in a private work dir. */
  private async walkBackup(cluster: string, signal: AbortSignal): Promise<KeyspaceReport> {
    const cfg = this.settingsOf(cluster);
    const st = this.stateOf(cluster);
    const wanted = st.pendingBackup;
    st.pendingBackup = null;
    const find = (l: Awaited<ReturnType<Backups['listing']>>) => (wanted ? l.backups.find((x) => x.id === wanted.id && x.storeKey === wanted.storeKey) : l.backups.find((x) => x.verified));
    // A backup stored a moment ago may not be in the cached listing yet.
    const b = find(await this.d.backups.listing(cluster)) ?? (wanted ? find(await this.d.backups.listing(cluster, 0)) : undefined);
    if (!b) throw new RingsideError('NOT_FOUND', wanted ? `backup ${wanted.id} is no longer in ${wanted.storeKey}` : `${cluster} has no verified backup to walk yet`);
    const ref = this.d.backups.storesOf(cluster).find((r) => r.key === b.storeKey);
    if (!ref) throw new RingsideError('NOT_FOUND', `store ${b.storeKey} of ${cluster} is not configured any more`);
    await mkdir(this.d.settings.workDir, { recursive: true, mode: 0o700 });
    const opened = await openStoredBackup({ store: ref.store, cluster, id: b.id, key: this.d.backupKey, workDir: this.d.settings.workDir });
    try {
      return await walkSnapshotKeyspace(opened.readAt, {
        source: { name: b.id, memberId: b.member.id, encrypted: b.encrypted },
        takenAt: b.takenAt,
        workDir: this.d.settings.workDir,
        maxKeysInMemory: cfg.breakdown.maxKeysInMemory,
        topN: cfg.breakdown.topN,
        maxPrefixes: cfg.breakdown.maxPrefixes,
        layout: cfg.breakdown.layout,
        signal,
      });
    } finally {
      await opened.close();
    }
  }

  /** Keeps the last two reports of the source, and notes when the compacted revision moved; stored for a restart and the other replicas. */
  private keep(cluster: string, source: ScanSource, report: KeyspaceReport): void {
    const st = this.stateOf(cluster);
    const kept = keepReport(st.reports, source, report);
    st.reports = kept.reports;
    if (kept.compactionMoved) st.compactionMoved = kept.compactionMoved;
    void this.d
      .saved?.(cluster)
      .save({ version: 1, reports: st.reports, compactionMoved: st.compactionMoved })
      .catch((e: Error) => console.error(`[ringside] cannot store the keyspace report of ${cluster}: ${safeMessage(e)}`));
  }

  /**
   * Takes in reports stored since this process last looked (at start, and when a page asks at
   * most every few seconds: another replica may have scanned). Never throws: the page then shows
   * what this replica holds.
   */
  refresh(cluster: string): Promise<void> {
    const cell = this.d.saved?.(cluster);
    const now = this.now();
    const last = this.readAt.get(cluster);
    // A read under way is waited for, not repeated: a page asking right after a start sees what it brings.
    if (!cell || (last !== undefined && (!this.d.sharedReports || now - last < REREAD_MS))) return this.reading.get(cluster) ?? Promise.resolve();
    this.readAt.set(cluster, now);
    const reading = this.readStored(cluster, cell, now).finally(() => this.reading.delete(cluster));
    this.reading.set(cluster, reading);
    return reading;
  }

  private async readStored(cluster: string, cell: StateCell<SavedKeyspace>, now: number): Promise<void> {
    try {
      const { state: saved } = await cell.load(now);
      if (saved?.version !== 1) return;
      const st = this.stateOf(cluster);
      st.reports = mergeReports(st.reports, saved.reports);
      const moved = [st.compactionMoved, saved.compactionMoved].filter((m) => m !== null).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
      st.compactionMoved = moved.at(-1) ?? null;
    } catch (e) {
      console.error(`[ringside] cannot read the stored keyspace report of ${cluster}: ${safeMessage(e)}`);
    }
  }

  /** A verified backup was stored (lib/ops/backups.ts): its walk becomes due. */
  backupStored(cluster: string, backup: { id: string; storeKey: string }): void {
    if (this.d.settings.clusters[cluster]?.scan.backups) this.stateOf(cluster).pendingBackup = backup;
  }

  // ---------------------------------------------------------------- schedules

  /** The cluster's scheduled jobs: live scans every `scan.every`, backup walks, the rolling defragment every `defrag.every`. */
  jobs(monitor: MonitorView): ScheduledJob[] {
    const cluster = monitor.cluster.name;
    const cfg = this.settingsOf(cluster);
    const jobs: ScheduledJob[] = [];
    if (cfg.scan.everyMs !== null) jobs.push(this.liveJob(monitor));
    if (cfg.scan.backups && this.d.backups.settingsOf(cluster)) jobs.push(this.backupJob(monitor));
    if (cfg.defrag.everyMs !== null) jobs.push(this.defragJob(monitor, cfg.defrag.everyMs));
    return jobs;
  }

  /**
   * A scan waits for the first poll, for a member to read from, and for the scan running (one
   * per cluster at a time); waiting is no skip (nothing for the audit log), and why is shown.
   */
  private liveJob(monitor: MonitorView): ScheduledJob<null> {
    const st = this.stateOf(monitor.cluster.name);
    return {
      id: `keyspace-scan/${monitor.cluster.name}`,
      cluster: monitor.cluster.name,
      action: 'keyspace-scan',
      decide: (now) => {
        if (st.running || !monitor.ring || now.getTime() < st.nextLiveAt) return { action: 'wait' };
        const src = scanSource(monitor.ring, monitor.hashCheck);
        if (!src.member) {
          if (st.lastError?.error !== src.reason) st.lastError = { source: 'live', at: this.iso(), error: src.reason };
          return { action: 'wait' };
        }
        return { action: 'run', plan: null };
      },
      run: (_plan, signal) => this.scheduled(monitor, 'live', signal),
    };
  }

  private backupJob(monitor: MonitorView): ScheduledJob<null> {
    const cluster = monitor.cluster.name;
    const st = this.stateOf(cluster);
    return {
      id: `keyspace-backup/${cluster}`,
      cluster,
      action: 'keyspace-scan',
      decide: async () => {
        if (st.running) return { action: 'wait' };
        // At start, the newest verified backup gives a first report at no cost to the ring.
        if (!st.pendingBackup && !st.lookedForBackup) {
          st.lookedForBackup = true;
          const listing = await this.d.backups.listing(cluster);
          return listing.backups.some((b) => b.verified) && st.reports.backup.length === 0 ? { action: 'run', plan: null } : { action: 'wait' };
        }
        return st.pendingBackup ? { action: 'run', plan: null } : { action: 'wait' };
      },
      run: (_plan, signal) => this.scheduled(monitor, 'backup', signal),
    };
  }

  private async scheduled(monitor: MonitorView, source: ScanSource, signal: AbortSignal): Promise<void> {
    let started: ReturnType<Capacity['scanNow']>;
    try {
      started = this.scanNow(monitor, source, SCHEDULE);
    } catch (e) {
      if (isRingsideError(e) && e.code === 'CONFLICT') return;
      throw e;
    }
    const stop = () => this.stateOf(monitor.cluster.name).running?.abort.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await started.done;
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  /**
   * The scheduled rolling defragment: `decideScheduledDefrag` on the latest state, then the
   * existing defragment action with the member IDs in its order (followers first, the leader
   * last), audited as `ringside (schedule)`. A check that finds nothing to do counts as a run,
   * quietly.
   */
  private defragJob(monitor: MonitorView, everyMs: number): ScheduledJob<{ memberIds: string[]; reason: string; dueAt: string }> {
    const cluster = monitor.cluster.name;
    const st = this.stateOf(cluster);
    const { rules } = this.settingsOf(cluster).defrag;
    const dueAt = () => (st.lastDefragAt === null ? 'first' : this.iso(st.lastDefragAt + everyMs));
    return {
      id: `defrag/${cluster}`,
      cluster,
      action: 'defragment',
      decide: (now) => {
        const ring = monitor.ring;
        if (!ring) return { action: 'wait' };
        const d = decideScheduledDefrag({ ring, rules, everyMs, lastRunAt: st.lastDefragAt, now: now.getTime(), busy: this.d.runner.current(cluster) !== null, hash: monitor.hashCheck });
        if (d.action === 'wait') return { action: 'wait' };
        if (d.action === 'run') return { action: 'run', plan: { memberIds: d.memberIds, reason: d.reason, dueAt: dueAt() } };
        // Nothing to defragment is this period's answer, checked again in `every`: a quiet one
        // (the panel says when it last checked), not a warning in the timeline every period.
        if (d.plan && d.plan.order.length === 0) {
          st.lastDefragAt = now.getTime();
          return { action: 'wait' };
        }
        return { action: 'skip', key: `${d.reason.replace(/\d+/g, '#')}@${dueAt()}`, reason: `scheduled defragment skipped: ${d.reason}` };
      },
      run: async ({ memberIds, reason, dueAt: due }) => {
        st.lastDefragAt = this.now();
        try {
          const started = await this.d.maintenance.defragment(SCHEDULE, monitor, { memberIds, scheduled: true, reason });
          await started.done;
        } catch (e) {
          if (isRingsideError(e) && e.code === 'CONFLICT') throw new SkippedRun(`busy@${due}`, `scheduled defragment skipped: ${e.message}`);
          throw e;
        }
      },
    };
  }

  /** Cancels every scan and waits for them to end. */
  async stop(): Promise<void> {
    const running = [...this.state.values()].flatMap((s) => (s.running ? [s.running] : []));
    for (const r of running) r.abort.abort();
    await Promise.all(running.map((r) => r.done));
  }
}
