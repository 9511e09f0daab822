import 'server-only';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fetchVerified, FetchFailed } from '../backups/fetch';
import type { StoredBackup } from '../backups/types';
import { RingsideError } from '../errors';
import type { Backups } from './backups';
import { locationOf } from './backups';
import type { MonitorView } from './deps';
import { allVotersAgree, isHealthyVoter, refusal } from './preflight';
import type { Principal } from './principal';
import { restoreView, type LastRestore, type RestoreChoice, type RestoreView } from './restore-plan';
import { confirmArg, MEMBERSHIP_MS, req, RingAccess, SETTLE_MS, usesTls, type Started } from './ring-access';
import { safeMessage } from './runner';

/** A restored ring takes a few elections to come up on loopback; a real one, longer. */
const COME_UP_MS = 90_000;
/** How long after its restore the wizard keeps verifying against the cluster ID it replaced. */
const VERIFY_WINDOW_MS = 3_600_000;

/**
 * The guided disaster restore (quorum lost, or data to roll back): the wizard's view
 * (restore-plan.ts) over the cluster's stored backups, and on a demo ring the restore itself,
 * step by step through the launcher: fetch and check the backup, stop every member, restore each
 * with the tool for its version and a new cluster token, start them, wait for the new ring, and
 * verify it (a new cluster ID, every voter healthy, HashKV agreeing, the backup's revision and
 * keys). Real members are restored by people with the commands the wizard shows.
 */
export class DisasterRestore extends RingAccess {
  constructor(
    deps: ConstructorParameters<typeof RingAccess>[0],
    private readonly backups: Backups,
  ) {
    super(deps);
  }

  private kubernetes(monitor: MonitorView, asked?: boolean): boolean {
    return asked ?? Boolean(monitor.cluster.logs?.kubernetes);
  }

  /** The restore Ringside last carried out here, while its verification still matters. */
  private async lastRestore(cluster: string): Promise<LastRestore | null> {
    const [last] = await this.deps.audit.query({ cluster, action: ['disaster-restore'], limit: 1 });
    if (!last || last.result === 'refused' || this.deps.clock.now() - Date.parse(last.at) > VERIFY_WINDOW_MS) return null;
    const prev = last.details?.previousClusterId;
    return { at: last.at, backup: String(last.params.backup), previousClusterId: typeof prev === 'string' ? prev : null };
  }

  async view(monitor: MonitorView, q: { backup?: string; store?: string; kubernetes?: boolean }): Promise<RestoreView> {
    const cluster = monitor.cluster.name;
    if (!this.backups.settingsOf(cluster)) throw new RingsideError('NOT_FOUND', `no backup store is configured for ${cluster} (backups in the config): there is nothing to restore from`);
    const listing = await this.backups.listing(cluster);
    const choices: RestoreChoice[] = listing.backups.map(choice);
    let chosen: RestoreChoice | null = null;
    if (q.backup) {
      chosen = choices.find((c) => c.id === q.backup && (!q.store || c.storeKey === q.store)) ?? null;
      if (!chosen) throw new RingsideError('NOT_FOUND', `backup: no backup ${JSON.stringify(q.backup)} of ${cluster}${q.store ? ` in ${q.store}` : ''}`, 'backup');
    }
    const ref = chosen ? this.backups.storesOf(cluster).find((r) => r.key === chosen!.storeKey) : undefined;
    return restoreView({
      cluster,
      ring: monitor.ring,
      hash: monitor.hashCheck,
      backups: choices,
      chosen,
      location: ref && chosen ? locationOf(ref.settings, cluster, chosen.id) : null,
      kubernetes: this.kubernetes(monitor, q.kubernetes),
      tls: usesTls(monitor.cluster),
      canLaunch: Boolean(monitor.cluster.launcher),
      hasKey: Boolean(this.deps.config.backups?.key),
      lastRestore: await this.lastRestore(cluster),
      now: this.deps.clock.now(),
    });
  }

  /** Demo rings: the whole restore through the launcher. Typed confirmation: the cluster's name. */
  async run(p: Principal, monitor: MonitorView, params: { backup: string; store?: string; confirm: string; kubernetes?: boolean }): Promise<Started> {
    const { runner } = this.deps;
    const cluster = monitor.cluster.name;
    const launcher = monitor.cluster.launcher;
    if (!launcher) throw new RingsideError('NOT_FOUND', `${cluster} has no launcher: restore each member on its host with the commands the wizard shows`);
    runner.assertIdle(cluster);
    confirmArg(params.confirm, cluster, "the cluster's name");
    const { ref, backup } = await this.backups.locate(cluster, params.backup, params.store);
    const ring = await monitor.pollNow();
    const view = await this.view(monitor, { backup: backup.id, store: ref.key, kubernetes: params.kubernetes });
    const r = req(p, monitor, 'disaster-restore', { backup: backup.id, store: ref.key, kubernetes: this.kubernetes(monitor, params.kubernetes) });
    const why = refusal(view.checks);
    if (why) await runner.refuse(r, why);
    const plan = view.plan;
    if (!plan) return runner.refuse(r, 'no restore plan: the ring lists no voter to restore');
    const previousClusterId = ring.clusterId;
    const settings = this.deps.config.backups!;

    return runner.start(r, async (ctx) => {
      ctx.record({ previousClusterId, token: plan.token, tool: plan.tool.kind, members: plan.members.map((m) => m.name), revision: backup.revision });
      await mkdir(settings.workDir, { recursive: true, mode: 0o700 });
      const dir = await mkdtemp(path.join(settings.workDir, 'restore-'));
      try {
        const { snapshot } = await ctx.step(
          `Fetch ${backup.id} from ${ref.store.name} and check it (size and SHA-256, decryption, etcd's trailer, snapshot status)`,
          () =>
            fetchVerified({ store: ref.store, cluster, backup, key: settings.key, dir }).catch((e: unknown) => {
              throw new RingsideError('UNSAFE', `the backup failed its checks, nothing was touched: ${e instanceof FetchFailed ? e.message : safeMessage(e)}`);
            }),
          (s) => `etcdctl snapshot status: revision ${s.status.revision}, ${s.status.totalKey} total keys`,
        );
        for (const m of plan.members) await ctx.step(`Stop ${m.name} (demo launcher)`, () => this.launch(launcher, 'stop', { name: m.name }));
        for (const m of plan.members) {
          await ctx.step(
            `Restore ${m.name} with ${plan.tool.kind} snapshot restore into a new data dir (token ${plan.token})`,
            () => this.launch(launcher, 'restore', { name: m.name, peerURL: m.peerURL, clientURL: m.clientURL, initialCluster: plan.initialCluster, token: plan.token, snapshot, tool: plan.tool.kind, bumpRevision: plan.tool.bumpRevision }),
          );
        }
        for (const m of plan.members) await ctx.step(`Start ${m.name} on its restored data dir`, () => this.launch(launcher, 'start-restored', { name: m.name }), (x) => (x.pid ? `etcd PID ${x.pid}` : undefined));
        await ctx.step(
          `Wait for the new ring: ${plan.members.length} healthy voters under a new cluster ID`,
          () =>
            this.settle(
              monitor,
              (x) => x.clusterId !== null && x.clusterId !== previousClusterId && x.splits.length === 0 && x.members.filter((m) => !m.isLearner).length === plan.members.length && x.members.every((m) => m.isLearner || isHealthyVoter(x, m)),
              `${plan.members.length} healthy voters under a new cluster ID`,
              COME_UP_MS,
            ),
          (x) => `cluster ID ${x.clusterId} (was ${previousClusterId}); ${x.quorum.healthy} of ${x.quorum.voters} voters healthy`,
        );
        const restoredAt = new Date(this.deps.clock.now()).toISOString();
        await ctx.step('HashKV: every voter agrees at one revision', async (s) => {
          const deadline = this.deps.clock.now() + SETTLE_MS;
          for (;;) {
            const check = await monitor.checkHashes();
            if (check && monitor.ring && allVotersAgree(monitor.ring, check, restoredAt)) return `${check.members.length} voters agree at revision ${check.revision}`;
            if (check?.consistent === false) throw new RingsideError('UNSAFE', `HashKV disagrees on the restored ring: ${check.summary}`);
            if (this.deps.clock.now() > deadline) throw new RingsideError('TIMEOUT', `no HashKV check compared every voter within ${SETTLE_MS / 1000} s (${check?.summary ?? 'no check'})`);
            s.detail(check?.summary ?? 'checking');
            await this.deps.clock.sleep(1000);
          }
        }, (d) => d);
        const facts = await ctx.step(`The backup's data: revision and keys as recorded at revision ${backup.revision}`, () => this.checkData(monitor, backup, plan.tool.bumpRevision), (d) => d.summary);
        ctx.record({ clusterId: monitor.ring?.clusterId ?? null, verified: facts });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }

  /** The restored ring serves the backup's revision and keys (bumped past it on Kubernetes). */
  private async checkData(monitor: MonitorView, backup: StoredBackup, bump: number | null): Promise<{ summary: string; revision: number; keys: number | null }> {
    const leader = monitor.ring?.members.find((m) => m.isLeader && m.endpoint);
    if (!leader) throw new RingsideError('UNAVAILABLE', 'the restored ring has no reachable leader');
    return this.withClient(monitor, leader.endpoint!, MEMBERSHIP_MS, async (c) => {
      const { revision } = await c.status(MEMBERSHIP_MS);
      const want = backup.revision + (bump ?? 0);
      if (revision < want) throw new RingsideError('UNSAFE', `the restored ring is at revision ${revision}, below the backup's ${want}`);
      // With --mark-compacted the backup's revision is compacted away: count what is live now.
      const keys = await c.countKeys(bump ? 0 : backup.revision, MEMBERSHIP_MS);
      const recorded = backup.kv?.keys ?? null;
      if (recorded !== null && keys !== recorded) throw new RingsideError('UNSAFE', `the restored ring holds ${keys} keys at revision ${backup.revision}, the backup recorded ${recorded}`);
      return { revision, keys, summary: `revision ${revision}, ${keys} keys${recorded !== null ? ' as recorded at backup time' : ''}` };
    });
  }

  /** One call to the demo ring's launcher (e2e/harness/launcher.ts). */
  private async launch(launcher: string, what: 'stop' | 'restore' | 'start-restored', body: Record<string, unknown>): Promise<{ pid?: number }> {
    const res = await this.deps
      .fetch(`${launcher}/${what}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(120_000) })
      .catch((e) => {
        throw new RingsideError('UNAVAILABLE', `the launcher at ${launcher} did not answer (${safeMessage(e)})`);
      });
    const reply = (await res.json().catch(() => ({}))) as { error?: string; pid?: number };
    if (!res.ok) throw new RingsideError('UNAVAILABLE', `the launcher could not ${what.replace('-', ' ')} ${String(body.name)}: ${reply.error ?? res.status}`);
    return reply;
  }
}

function choice(b: StoredBackup & { storeKey: string }): RestoreChoice {
  return {
    id: b.id,
    storeKey: b.storeKey,
    store: b.store,
    takenAt: b.takenAt,
    revision: b.revision,
    keys: b.kv?.keys ?? null,
    etcdVersion: b.etcdVersion,
    encrypted: b.encrypted,
    verified: b.verified,
    sha256: b.snapshot.sha256,
    drill: b.drill,
    hashKv: b.kv?.hashKv ?? null,
  };
}
