import 'server-only';
import path from 'node:path';
import type { ClusterBackupSettings, StoreSettings } from '../backups/config';
import { drillRecord, runDrill } from '../backups/drill';
import { planRetention } from '../backups/retention';
import { backupFreshness, decideBackup, decideDrill, type LastRun } from '../backups/schedule';
import type { BackupStore } from '../backups/store';
import { takeBackup, type BackupProgress, type TakenBackup } from '../backups/take';
import type { BackupFreshness, BackupStatus, BackupRecord, StoredBackup } from '../backups/types';
import { isRingsideError, RingsideError } from '../errors';
import { formatBytes } from '../model/format';
import type { MemberState, RingState } from '../ring/types';
import { shellQuote } from '../text/shell';
import { SkippedRun, type ScheduledJob } from '../schedule/scheduler';
import type { MonitorView, OpsDeps } from './deps';
import { restorePlan } from './instructions';
import type { BackupLocation } from './restore-commands';
import { snapshotSource } from './preflight';
import { SCHEDULE, type Principal } from './principal';
import { label, memberArg, req, RingAccess, type Started } from './ring-access';
import { safeMessage, type OpContext } from './runner';
import type { StoredSnapshot } from './types';

/** One of a cluster's stores, with the key the API names it by (`local-1`, `s3-1`). */
export interface StoreRef {
  key: string;
  store: BackupStore;
  settings: StoreSettings;
}

/** The stores' backups of a cluster, merged newest first, and the stores that could not be listed. */
export interface Listing {
  backups: (StoredBackup & { storeKey: string })[];
  errors: { store: string; error: string }[];
}

export interface BackupsView {
  /** The first local store's directory (today's `backups.dir`), null without one. */
  dir: string | null;
  encrypted: boolean;
  /** Newest verified backups kept per store (null: generations only). */
  keep: number | null;
  stores: { key: string; name: string; kind: 'local' | 's3' }[];
  storeErrors: Listing['errors'];
  schedule: {
    everyMs: number | null;
    staleAfterMs: number | null;
    generations: { allMs: number; hourlyMs: number; dailyMs: number } | null;
    /** The last scheduled run that was due and skipped, with why, while that still holds. */
    skipped: string | null;
    drill: { everyMs: number | null; configured: boolean; note: string | null };
  };
  freshness: BackupFreshness;
  lastDrill: BackupStatus['lastDrill'];
  snapshots: StoredSnapshot[];
}

export interface BackupsOptions {
  /** A cluster's stores, opened once by the composition root; [] when it has none. */
  stores(cluster: string): StoreRef[];
  /** Tells the cluster's monitor (alert rules, the fleet summary, /api/metrics). */
  publish(cluster: string, status: BackupStatus): void;
  /** What the scheduler says of a job right now (its last skip), for the list. */
  skipped?(jobId: string): string | null;
  /** A verified backup is stored (the keyspace walk of issue 17 takes it from there). */
  stored?(cluster: string, backup: { id: string; storeKey: string }): void;
}

interface ClusterState {
  /** The last backup that started, scheduled or on demand: either resets the schedule's clock. */
  lastRun: LastRun | null;
  /** When the last drill of this cluster started. */
  lastDrillAt: string | null;
  lastDrill: BackupStatus['lastDrill'];
  listing: Listing | null;
  /** When `listing` was read (clock ms). */
  listedAt: number;
}

/** How long a listing serves reads before the stores are asked again. */
const LISTING_MS = 10_000;

const NO_ETCD = 'no etcd binary configured for drills: set backups.drill.etcd (a drill restores a backup into a throwaway single-member etcd on 127.0.0.1)';

/**
 * Backups you can restore from, on the engine in lib/backups: taken on demand or on a schedule
 * into every store of the cluster (local directories, S3), retention after each one (never
 * deleting before the newer backup is verified), restore drills on demand and on a schedule,
 * and what the rest of Ringside needs to know (freshness and the last drill) published to the
 * cluster's monitor. Every backup and drill is an operation of the runner: one per cluster at a
 * time, step by step, audited (scheduled ones as "ringside (schedule)").
 */
export class Backups extends RingAccess {
  private readonly state = new Map<string, ClusterState>();

  constructor(
    deps: OpsDeps,
    private readonly o: BackupsOptions,
  ) {
    super(deps);
  }

  /** The cluster's backup settings, or null when it has no store. */
  settingsOf(cluster: string): ClusterBackupSettings | null {
    return this.deps.config.backups?.clusters[cluster] ?? null;
  }

  storesOf(cluster: string): StoreRef[] {
    return this.o.stores(cluster);
  }

  private stateOf(cluster: string): ClusterState {
    let s = this.state.get(cluster);
    if (!s) {
      s = { lastRun: null, lastDrillAt: null, lastDrill: null, listing: null, listedAt: 0 };
      this.state.set(cluster, s);
    }
    return s;
  }

  private iso(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  /**
   * Reads what the stores hold at start: the newest backup sets the schedule's clock (a restart
   * does not take a backup at once when the last one is recent), the newest drill the drills'.
   * Called again when this replica becomes the schedule's leader: what another replica stored
   * meanwhile moves the clocks on, so a new leader does not repeat its last backup.
   */
  async init(clusters: readonly string[]): Promise<void> {
    await Promise.all(
      clusters
        .filter((c) => this.settingsOf(c))
        .map(async (c) => {
          const listing = await this.refresh(c);
          const st = this.stateOf(c);
          const newest = listing.backups[0];
          if (newest && (!st.lastRun || Date.parse(newest.takenAt) > Date.parse(st.lastRun.startedAt))) st.lastRun = { startedAt: newest.takenAt, finishedAt: newest.takenAt };
          const drilled = listing.backups.map((b) => b.drill?.at).filter((x): x is string => Boolean(x)).sort().at(-1);
          if (drilled && (!st.lastDrillAt || drilled > st.lastDrillAt)) st.lastDrillAt = drilled;
        }),
    );
  }

  /**
   * Lists every store of the cluster again and publishes the result. One store failing costs no
   * other, and a store that cannot be listed keeps what it last listed: freshness is what was
   * stored, and a store that stops answering does not make every backup vanish at once.
   */
  async refresh(cluster: string): Promise<Listing> {
    const refs = this.storesOf(cluster);
    const st = this.stateOf(cluster);
    const results = await Promise.all(
      refs.map((ref) =>
        ref.store.list(cluster).then(
          (backups) => ({ backups: backups.map((b) => ({ ...b, storeKey: ref.key })), error: null }),
          (e: unknown) => ({
            backups: st.listing?.backups.filter((b) => b.storeKey === ref.key) ?? [],
            error: { store: ref.store.name, error: isRingsideError(e) ? e.message : safeMessage(e) },
          }),
        ),
      ),
    );
    // Newest first; a backup in several stores keeps the stores' order (stable sort).
    const backups = results.flatMap((r) => r.backups).sort((a, b) => Date.parse(b.takenAt) - Date.parse(a.takenAt));
    const listing: Listing = { backups, errors: results.flatMap((r) => (r.error ? [r.error] : [])) };
    st.listing = listing;
    st.listedAt = this.deps.clock.now();
    const status = this.status(cluster);
    if (status) this.o.publish(cluster, status);
    return listing;
  }

  /** Freshness and the last drill as the rules and the summary read them; null without stores. */
  status(cluster: string): BackupStatus | null {
    const cfg = this.settingsOf(cluster);
    if (!cfg) return null;
    const st = this.stateOf(cluster);
    const backups = st.listing?.backups ?? [];
    const f = backupFreshness(backups, new Date(this.deps.clock.now()), cfg.staleAfterMs);
    // The newest drill on record: kept in memory too, so a failed backup that retention then
    // deleted still counts as the last word until a newer drill passes.
    const listed = backups
      .filter((b) => b.drill)
      .map((b) => ({ at: b.drill!.at, result: b.drill!.result, reason: b.drill!.reason, backup: b.id, store: b.store }))
      .sort((a, b) => b.at.localeCompare(a.at))[0];
    const lastDrill = [st.lastDrill, listed].filter((d) => d != null).sort((a, b) => b!.at.localeCompare(a!.at))[0] ?? null;
    return { newestAt: f.newestAt, provenAt: f.provenAt, everyMs: cfg.everyMs, staleAfterMs: cfg.staleAfterMs, lastDrill };
  }

  /**
   * The listing, read again when older than `maxAgeMs`. Every backup, drill and retention lists
   * again at once when it ends; pages asking every few seconds (the restore wizard) must not make
   * a bucket read every sidecar each time.
   */
  async listing(cluster: string, maxAgeMs = LISTING_MS): Promise<Listing> {
    const st = this.stateOf(cluster);
    return st.listing && this.deps.clock.now() - st.listedAt < maxAgeMs ? st.listing : this.refresh(cluster);
  }

  /** The stored backups of a cluster, newest first, with freshness, the schedule and each one's restore plan. */
  async list(monitor: MonitorView): Promise<BackupsView> {
    const configured = this.settingsOf(monitor.cluster.name) !== null;
    return this.viewOf(monitor, configured ? await this.listing(monitor.cluster.name) : { backups: [], errors: [] });
  }

  /** The same from the last listing, without asking the stores (a page's first paint); null before any. */
  cachedList(monitor: MonitorView): BackupsView | null {
    const listing = this.settingsOf(monitor.cluster.name) ? this.state.get(monitor.cluster.name)?.listing : { backups: [], errors: [] };
    return listing ? this.viewOf(monitor, listing) : null;
  }

  private viewOf(monitor: MonitorView, listing: Listing): BackupsView {
    const cluster = monitor.cluster.name;
    const cfg = this.settingsOf(cluster);
    const now = new Date(this.deps.clock.now());
    if (!cfg) {
      return {
        dir: null,
        encrypted: false,
        keep: null,
        stores: [],
        storeErrors: [],
        schedule: { everyMs: null, staleAfterMs: null, generations: null, skipped: null, drill: { everyMs: null, configured: false, note: null } },
        freshness: backupFreshness([], now, null),
        lastDrill: null,
        snapshots: [],
      };
    }
    const refs = this.storesOf(cluster);
    const kubernetes = Boolean(monitor.cluster.logs?.kubernetes);
    return {
      dir: refs.map((r) => r.settings).find((x) => x.kind === 'local')?.dir ?? null,
      encrypted: Boolean(this.deps.config.backups?.key),
      keep: cfg.retention.keep,
      stores: refs.map((r) => ({ key: r.key, name: r.store.name, kind: r.settings.kind })),
      storeErrors: listing.errors,
      schedule: {
        everyMs: cfg.everyMs,
        staleAfterMs: cfg.staleAfterMs,
        generations: cfg.retention.generations,
        skipped: this.o.skipped?.(`backup/${cluster}`) ?? null,
        drill: { everyMs: cfg.drill.everyMs, configured: Boolean(cfg.drill.etcd), note: cfg.drill.etcd ? null : NO_ETCD },
      },
      freshness: backupFreshness(listing.backups, now, cfg.staleAfterMs),
      lastDrill: this.status(cluster)?.lastDrill ?? null,
      snapshots: listing.backups.map((b) => this.view(b, refs, monitor.ring, kubernetes)),
    };
  }

  private view(b: StoredBackup & { storeKey: string }, refs: StoreRef[], ring: RingState | null, kubernetes: boolean): StoredSnapshot {
    const ref = refs.find((r) => r.key === b.storeKey)!;
    const location = locationOf(ref.settings, b.cluster, b.id);
    const file = location.kind === 'local' ? location.file : `s3://${location.bucket}/${location.key}`;
    return {
      id: b.id,
      file,
      store: b.store,
      storeKey: b.storeKey,
      cluster: b.cluster,
      member: b.member,
      revision: b.revision,
      etcdVersion: b.etcdVersion,
      takenAt: b.takenAt,
      size: b.size,
      sha256: b.snapshot.sha256,
      encrypted: b.encrypted,
      status: b.snapshot.status,
      keys: b.kv?.keys ?? null,
      verified: b.verified,
      drill: b.drill,
      restore: restorePlan(ring, {
        file: location.kind === 'local' ? location.file : b.id,
        fetch: location.kind === 's3' ? `aws s3 cp ${shellQuote(`s3://${location.bucket}/${location.key}`)} ${shellQuote(b.id)}${location.endpoint ? ` --endpoint-url ${shellQuote(location.endpoint)}` : ''}` : undefined,
        encrypted: b.encrypted,
        cluster: b.cluster,
        takenAt: b.takenAt,
        version: b.etcdVersion,
        kubernetes,
      }),
    };
  }

  /** A backup by ID, in the store asked for or the only one holding it; INVALID naming `store` when several do. */
  async locate(cluster: string, id: string, storeKey?: string): Promise<{ ref: StoreRef; backup: StoredBackup }> {
    const refs = this.storesOf(cluster);
    if (!refs.length) throw new RingsideError('NOT_FOUND', `no backup store is configured for ${cluster} (backups in the config)`);
    if (storeKey) {
      const ref = refs.find((r) => r.key === storeKey);
      if (!ref) throw new RingsideError('INVALID', `store: no store "${storeKey}" for ${cluster}; its stores are ${refs.map((r) => r.key).join(', ')}`, 'store');
      return { ref, backup: await ref.store.stat(cluster, id) };
    }
    const found = (await Promise.all(refs.map((ref) => ref.store.stat(cluster, id).then((backup) => ({ ref, backup }), () => null)))).filter((x) => x !== null);
    if (found.length === 0) throw new RingsideError('NOT_FOUND', `backup: no backup ${JSON.stringify(id)} of ${cluster} in ${refs.map((r) => r.key).join(' or ')}`, 'backup');
    if (found.length > 1) throw new RingsideError('INVALID', `store: ${id} is in ${found.map((f) => f.ref.key).join(' and ')}; say which with store`, 'store');
    return found[0];
  }

  // ---------------------------------------------------------------- taking backups

  /** A verified backup into every store of the cluster, now: `{ member? }` (default: a healthy follower). */
  async backupNow(p: Principal, monitor: MonitorView, params: { member?: string }): Promise<Started> {
    const { runner } = this.deps;
    const cluster = monitor.cluster.name;
    if (!this.settingsOf(cluster)) throw new RingsideError('NOT_FOUND', `no backup store is configured for ${cluster} (backups in the config)`);
    runner.assertIdle(cluster);
    const ring = await this.freshRing(monitor);
    let member: MemberState;
    if (params.member) {
      member = memberArg(ring, params.member, 'member');
      if (!member.reachable || !member.endpoint) throw new RingsideError('UNAVAILABLE', `${label(member)} does not answer; pick another member`);
    } else {
      const m = snapshotSource(ring, monitor.hashCheck);
      if (!m) throw new RingsideError('UNAVAILABLE', 'no healthy member to take a backup from');
      member = m;
    }
    return runner.start(req(p, monitor, 'snapshot-backup', { member: member.id }, member), (ctx) => this.take(ctx, monitor, member, false));
  }

  private async take(ctx: OpContext, monitor: MonitorView, member: MemberState, scheduled: boolean): Promise<void> {
    const cluster = monitor.cluster.name;
    const cfg = this.settingsOf(cluster)!;
    const settings = this.deps.config.backups!;
    const refs = this.storesOf(cluster);
    const st = this.stateOf(cluster);
    const run: LastRun = { startedAt: this.iso(), finishedAt: null };
    st.lastRun = run;
    try {
      let onSnapshot: ((p: BackupProgress) => void) | null = null;
      let onStore: ((p: BackupProgress) => void) | null = null;
      let verified!: (r: BackupRecord) => void;
      const recorded = new Promise<BackupRecord>((resolve) => (verified = resolve));
      const taking: Promise<TakenBackup> = takeBackup({
        cluster,
        tls: monitor.cluster.tls,
        member: { id: member.id, name: member.name, endpoint: member.endpoint! },
        stores: refs.map((r) => r.store),
        key: settings.key,
        workDir: settings.workDir,
        now: () => new Date(this.deps.clock.now()),
        onProgress: (p) => {
          if (p.phase === 'verified') verified(p.record);
          else if (p.phase === 'snapshot') onSnapshot?.(p);
          else onStore?.(p);
        },
      });
      const record = await ctx.step(
        `Snapshot ${label(member)}, check etcd's SHA-256 trailer, read it back like etcdctl snapshot status, and record its keys and HashKV${settings.key ? ' (encrypted on the way)' : ''}`,
        (s) => {
          onSnapshot = (p) => p.phase === 'snapshot' && s.detail(`${formatBytes(p.bytes)} of ${formatBytes(p.total)}`);
          return Promise.race([recorded, taking.then(() => recorded)]);
        },
        (r) => `revision ${r.revision}, ${r.snapshot.status?.totalKey ?? '?'} keys, ${formatBytes(r.snapshot.size ?? r.size)}${r.kv?.hashKv != null ? `, HashKV ${r.kv.hashKv}` : ''}`,
      );
      const taken = await ctx.step(
        `Write it to ${refs.length === 1 ? refs[0].store.name : `${refs.length} stores`}`,
        (s) => {
          onStore = (p) => p.phase === 'store' && s.detail(`${p.store}: ${formatBytes(p.bytes)} of ${formatBytes(p.total)}`);
          return taking;
        },
        (t) => [t.stored.length ? `stored as ${t.id} in ${t.stored.map((x) => x.store).join(', ')}` : '', t.failed.length ? `FAILED in ${t.failed.map((f) => `${f.store} (${f.error})`).join('; ')}` : ''].filter(Boolean).join('; '),
      );
      ctx.record({ id: taken.id, takenAt: record.takenAt, member: record.member, revision: record.revision, sha256: record.snapshot.sha256, encrypted: record.encrypted, stores: taken.stored.map((x) => x.store), ...(scheduled ? { scheduled } : {}), ...(taken.failed.length ? { failedStores: taken.failed } : {}) });
      if (!taken.stored.length) throw new RingsideError('UNAVAILABLE', `no store took the backup: ${taken.failed.map((f) => f.error).join('; ')}`);

      // Retention only where the new, verified backup now is: nothing goes before it is there.
      const deleted: { store: string; id: string; reason: string }[] = [];
      for (const ref of refs.filter((r) => taken.stored.some((x) => x.store === r.store.name))) {
        await ctx.step(
          `Retention in ${ref.store.name}`,
          async () => {
            const plan = planRetention(await ref.store.list(cluster), cfg.retention, new Date(this.deps.clock.now()));
            for (const d of plan.delete) {
              await ref.store.delete(cluster, d.backup.id);
              deleted.push({ store: ref.store.name, id: d.backup.id, reason: d.reason });
            }
            return plan;
          },
          (plan) => (plan.delete.length ? `kept ${plan.keep.length}, deleted ${plan.delete.length} (${plan.delete[0].reason})` : `kept all ${plan.keep.length}`),
        );
      }
      if (deleted.length) ctx.record({ retention: deleted });
      const first = refs.find((r) => taken.stored.some((x) => x.store === r.store.name));
      if (first) this.o.stored?.(cluster, { id: taken.id, storeKey: first.key });
      if (taken.failed.length) throw new RingsideError('UNAVAILABLE', `stored in ${taken.stored.map((x) => x.store).join(', ')}, but not in ${taken.failed.map((f) => `${f.store}: ${f.error}`).join('; ')}`);
    } finally {
      run.finishedAt = this.iso();
      await this.refresh(cluster).catch((e) => console.error(`[ringside] listing the backups of ${cluster} failed:`, safeMessage(e)));
    }
  }

  // ---------------------------------------------------------------- drills

  /** A restore drill of one stored backup, now: `{ store? }` picks the copy when several stores hold it. */
  async drillNow(p: Principal, monitor: MonitorView, params: { backup: string; store?: string }): Promise<Started> {
    const { runner } = this.deps;
    const cluster = monitor.cluster.name;
    const cfg = this.settingsOf(cluster);
    if (!cfg) throw new RingsideError('NOT_FOUND', `no backup store is configured for ${cluster} (backups in the config)`);
    const { ref, backup } = await this.locate(cluster, params.backup, params.store);
    runner.assertIdle(cluster);
    const r = req(p, monitor, 'backup-drill', { backup: backup.id, store: ref.key });
    if (!cfg.drill.etcd) await runner.refuse(r, NO_ETCD);
    return runner.start(r, (ctx) => this.drill(ctx, cluster, ref, backup));
  }

  private async drill(ctx: OpContext, cluster: string, ref: StoreRef, backup: StoredBackup): Promise<void> {
    const cfg = this.settingsOf(cluster)!;
    const settings = this.deps.config.backups!;
    const st = this.stateOf(cluster);
    st.lastDrillAt = this.iso();
    const steps = stepChain(ctx);
    const outcome = await runDrill({ store: ref.store, cluster, id: backup.id, key: settings.key, tools: cfg.drill, workDir: settings.workDir, now: () => new Date(this.deps.clock.now()), onStep: steps.next });
    await steps.end(outcome.result === 'failed' ? outcome.reason : undefined);
    ctx.record({ drill: { result: outcome.result, reason: outcome.reason, checks: outcome.checks, restoreTool: outcome.restoreTool, etcdVersion: outcome.etcdVersion, backup: backup.id, store: ref.store.name, durationMs: outcome.durationMs } });
    const rec = drillRecord(outcome);
    if (rec) {
      await ref.store.recordDrill(cluster, backup.id, rec);
      st.lastDrill = { at: rec.at, result: rec.result, reason: rec.reason, backup: backup.id, store: ref.store.name };
    }
    await this.refresh(cluster).catch((e) => console.error(`[ringside] listing the backups of ${cluster} failed:`, safeMessage(e)));
    if (outcome.result === 'failed') throw new RingsideError('UNSAFE', `the drill failed: ${outcome.reason}`);
    if (outcome.result === 'not-run') throw new RingsideError('UNAVAILABLE', `the drill did not run: ${outcome.reason}`);
  }

  // ---------------------------------------------------------------- schedules

  /** The cluster's scheduled jobs: backups every `every`, drills every `drill.every`. */
  jobs(monitor: MonitorView): ScheduledJob[] {
    const cluster = monitor.cluster.name;
    const cfg = this.settingsOf(cluster);
    if (!cfg) return [];
    const jobs: ScheduledJob[] = [];
    if (cfg.everyMs !== null) jobs.push(this.backupJob(monitor, cfg.everyMs));
    if (cfg.drill.everyMs !== null) jobs.push(this.drillJob(monitor, cfg.drill.everyMs));
    return jobs;
  }

  /** Why a due run cannot start now: another operation holds the cluster. */
  private busy(cluster: string): string | null {
    const cur = this.deps.runner.current(cluster);
    return cur ? `${cur.action} by ${cur.user} is running on ${cluster}` : null;
  }

  private backupJob(monitor: MonitorView, everyMs: number): ScheduledJob<{ dueAt: string }> {
    const cluster = monitor.cluster.name;
    const st = this.stateOf(cluster);
    const skip = (code: string, dueAt: string, reason: string) => ({ action: 'skip' as const, key: `${code}@${dueAt}`, reason: `scheduled backup skipped: ${reason}` });
    return {
      id: `backup/${cluster}`,
      cluster,
      action: 'snapshot-backup',
      decide: (now) => {
        const d = decideBackup({ now, everyMs, lastRun: st.lastRun, ring: monitor.ring, hashCheck: monitor.hashCheck });
        if (d.action === 'wait') return { action: 'wait' };
        if (d.action === 'skip') return skip(d.code, d.dueAt, d.reason);
        const busy = this.busy(cluster);
        if (busy) return skip('busy', d.dueAt, busy);
        return { action: 'run', plan: { dueAt: d.dueAt } };
      },
      run: async ({ dueAt }) => {
        // The decision stands on the last poll; the run on a fresh one, like every operation.
        const ring = await this.freshRing(monitor);
        const d = decideBackup({ now: new Date(this.deps.clock.now()), everyMs, lastRun: null, ring, hashCheck: monitor.hashCheck });
        if (d.action !== 'run') throw new SkippedRun(`${d.action === 'skip' ? d.code : 'wait'}@${dueAt}`, `scheduled backup skipped: ${d.action === 'skip' ? d.reason : 'not due'}`);
        const started = await this.startScheduled(cluster, dueAt, req(SCHEDULE, monitor, 'snapshot-backup', { member: d.member.id, scheduled: true }, d.member), (ctx) => this.take(ctx, monitor, d.member, true));
        await started.done;
      },
    };
  }

  private drillJob(monitor: MonitorView, everyMs: number): ScheduledJob<{ dueAt: string; backup: StoredBackup & { storeKey: string } }> {
    const cluster = monitor.cluster.name;
    const st = this.stateOf(cluster);
    const cfg = this.settingsOf(cluster)!;
    return {
      id: `drill/${cluster}`,
      cluster,
      action: 'backup-drill',
      decide: (now) => {
        // Said once, plainly, instead of pretending a drill ran.
        if (!cfg.drill.etcd) return { action: 'skip', key: 'no-etcd', reason: `scheduled restore drill skipped: ${NO_ETCD}` };
        const d = decideDrill({ now, everyMs, lastDrillAt: st.lastDrillAt, running: false, backups: st.listing?.backups ?? [] });
        if (d.action === 'wait') return { action: 'wait' };
        if (d.action === 'skip') return { action: 'skip', key: `${d.reason}@${d.dueAt}`, reason: `scheduled restore drill skipped: ${d.reason}` };
        const busy = this.busy(cluster);
        if (busy) return { action: 'skip', key: `busy@${d.dueAt}`, reason: `scheduled restore drill skipped: ${busy}` };
        return { action: 'run', plan: { dueAt: d.dueAt, backup: d.backup } };
      },
      run: async ({ dueAt, backup }) => {
        const ref = this.storesOf(cluster).find((r) => r.key === backup.storeKey);
        if (!ref) return;
        const r = req(SCHEDULE, monitor, 'backup-drill', { backup: backup.id, store: ref.key, scheduled: true });
        const started = await this.startScheduled(cluster, dueAt, r, (ctx) => this.drill(ctx, cluster, ref, backup));
        await started.done;
      },
    };
  }

  /** A scheduled run through the runner; a runner busy after all is a skip, not an error. */
  private async startScheduled(cluster: string, dueAt: string, r: ReturnType<typeof req>, body: (ctx: OpContext) => Promise<void>): Promise<Started> {
    try {
      return await this.deps.runner.start(r, body);
    } catch (e) {
      if (isRingsideError(e) && e.code === 'CONFLICT') throw new SkippedRun(`busy@${dueAt}`, `scheduled ${r.action === 'backup-drill' ? 'restore drill' : 'backup'} skipped: ${e.message}`);
      throw e;
    }
  }
}

/** Where a backup's data object is, as a person fetches it. */
export function locationOf(s: StoreSettings, cluster: string, id: string): BackupLocation {
  return s.kind === 'local'
    ? { kind: 'local', file: path.join(s.dir, cluster, id) }
    : { kind: 's3', bucket: s.bucket, key: `${s.prefix}${cluster}/${id}`, ...(s.endpoint ? { endpoint: s.endpoint } : {}) };
}

/**
 * Runner steps from a process that names its stages as it enters them (runDrill's onStep): each
 * new name ends the step before it; `end` ends the last, failed with `error` when given.
 */
function stepChain(ctx: OpContext) {
  let current: { resolve: () => void; reject: (e: Error) => void } | null = null;
  const steps: Promise<unknown>[] = [];
  return {
    next: (name: string) => {
      current?.resolve();
      const p = new Promise<void>((resolve, reject) => (current = { resolve, reject }));
      steps.push(ctx.step(name, () => p).catch(() => undefined));
    },
    end: async (error?: string) => {
      if (error) current?.reject(new Error(error));
      else current?.resolve();
      current = null;
      await Promise.all(steps);
    },
  };
}
