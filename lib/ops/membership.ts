import 'server-only';
import { randomUUID } from 'node:crypto';
import type { AuditEntry } from '../audit/types';
import { RingsideError } from '../errors';
import { PROMOTE_READY } from '../model/etcd-versions';
import { allVotersAgree, addChecks, isHealthyVoter, refusal, removalChecks, type SnapshotFreshness } from './preflight';
import type { Principal } from './principal';
import { replacementView, type AddedMember } from './replacement';
import { confirmArg, label, leaderOf, MEMBERSHIP_MS, memberArg, normalizeURL, REPLACEMENT_ACTIONS, req, RingAccess, SETTLE_MS, SNAPSHOT_ACTIONS, usesTls, type Started } from './ring-access';
import { safeMessage } from './runner';
import type { MonitorView } from './deps';
import type { ReplacementView } from './types';

/**
 * Changing who is in the ring, one verified step at a time (the replacement wizard): remove the
 * failed voter, add its replacement as a learner (quorum untouched), start it (demo rings),
 * promote it once caught up, then check every voter is healthy and every hash agrees. Where a
 * replacement stands is read back from etcd's membership and the audit log.
 */
export class Membership extends RingAccess {
  async snapshotFreshness(cluster: string, now = this.deps.clock.now()): Promise<SnapshotFreshness> {
    return this.freshnessFrom(await this.deps.audit.query({ cluster, action: SNAPSHOT_ACTIONS, limit: 20 }), now);
  }

  /** The newest verified snapshot among audit entries (newest first). */
  private freshnessFrom(entries: AuditEntry[], now: number): SnapshotFreshness {
    const newest = entries.find((e) => SNAPSHOT_ACTIONS.includes(e.action) && e.result === 'ok');
    return { newestAt: (newest?.details?.takenAt as string | undefined) ?? null, maxAgeMs: this.deps.config.ops.snapshotMaxAgeMs, now };
  }

  async replacementOf(monitor: MonitorView, targetId: string | null): Promise<ReplacementView> {
    const ring = monitor.ring;
    if (!ring) throw new RingsideError('UNAVAILABLE', `no state of ${monitor.cluster.name} yet`);
    // One read of the audit log serves both the replacement's own steps and the newest snapshot.
    const entries = await this.deps.audit.query({ cluster: ring.cluster, action: [...REPLACEMENT_ACTIONS, ...SNAPSHOT_ACTIONS], limit: 60 });
    return replacementView({
      ring,
      audit: entries.filter((e) => REPLACEMENT_ACTIONS.includes(e.action)),
      hash: monitor.hashCheck,
      snapshot: this.freshnessFrom(entries, this.deps.clock.now()),
      targetId,
      tls: usesTls(monitor.cluster),
      canLaunch: Boolean(monitor.cluster.launcher),
    });
  }

  /** Removes a voter to replace it: the first step of the wizard. Typed confirmation: its name. */
  async removeMember(p: Principal, monitor: MonitorView, params: { memberId: string; confirm: string }): Promise<Started> {
    const { runner } = this.deps;
    runner.assertIdle(monitor.cluster.name);
    const ring = await this.freshRing(monitor);
    const target = memberArg(ring, params.memberId);
    const r = req(p, monitor, 'member-remove', { memberId: target.id }, target);
    confirmArg(params.confirm, label(target), "the member's name");
    const why = refusal(removalChecks(ring, target.id, await this.snapshotFreshness(ring.cluster), monitor.hashCheck));
    if (why) await runner.refuse(r, why);
    const replacementId = randomUUID();
    return runner.start(r, async (ctx) => {
      const leader = leaderOf(ring);
      ctx.record({ replacementId, removed: { id: target.id, name: target.name, peerURLs: target.peerURLs, clientURLs: target.clientURLs, version: target.version } });
      await ctx.step(`Remove ${label(target)} (${target.id}) from the member list`, (s) =>
        this.retryUnhealthy(s, () => this.withClient(monitor, leader.endpoint!, MEMBERSHIP_MS, (c) => c.memberRemove(target.id, MEMBERSHIP_MS)), 'removal'),
      );
      await ctx.step('Confirm the ring no longer lists it and keeps quorum', async () => {
        const after = await this.settle(monitor, (x) => !x.members.some((m) => m.id === target.id) && x.quorum.hasQuorum, `${label(target)} to leave the member list`);
        return `${after.quorum.healthy} of ${after.quorum.voters} voters healthy`;
      }, (d) => d);
    });
  }

  /** Adds the new member as a learner (it cannot vote until promoted, so quorum is untouched). */
  async addLearner(p: Principal, monitor: MonitorView, params: { name: string; peerURL: string; clientURL: string }): Promise<Started> {
    const { runner } = this.deps;
    runner.assertIdle(monitor.cluster.name);
    const name = params.name;
    const peerURL = normalizeURL(params.peerURL);
    const clientURL = normalizeURL(params.clientURL);
    const ring = await this.freshRing(monitor);
    const r = req(p, monitor, 'member-add', { name, peerURL, clientURL });
    const why = refusal(addChecks(ring, name, peerURL));
    if (why) await runner.refuse(r, why);
    const view = await this.replacementOf(monitor, null);
    const replacementId = view.step === 'add' ? view.replacementId : randomUUID();
    return runner.start(r, async (ctx) => {
      const leader = leaderOf(ring);
      const id = await ctx.step(`Add ${name} (${peerURL}) as a learner`, (s) =>
        this.retryUnhealthy(s, () => this.withClient(monitor, leader.endpoint!, MEMBERSHIP_MS, (c) => c.memberAdd([peerURL], true, MEMBERSHIP_MS)), 'add'),
      (hex) => `member ID ${hex}`);
      const added: AddedMember = { id, name, peerURL, clientURL };
      ctx.record({ replacementId, added });
      await ctx.step('Confirm the ring lists the learner (not started yet)', () => this.settle(monitor, (x) => x.members.some((m) => m.id === id && m.isLearner), `${name} in the member list`));
    });
  }

  /** Demo rings: asks the cluster's launcher to start the learner with the wizard's own instructions. */
  async launchMember(p: Principal, monitor: MonitorView, params: { memberId: string }): Promise<Started> {
    const { runner } = this.deps;
    const launcher = monitor.cluster.launcher;
    if (!launcher) throw new RingsideError('NOT_FOUND', `${monitor.cluster.name} has no launcher: start the member on its machine with the instructions shown`);
    runner.assertIdle(monitor.cluster.name);
    const ring = await this.freshRing(monitor);
    const member = memberArg(ring, params.memberId);
    const r = req(p, monitor, 'member-launch', { memberId: member.id }, member);
    // A learner that started once and died may be started again (on an empty data dir).
    if (!member.isLearner || (member.started && member.reachable)) await runner.refuse(r, `${label(member)} is ${member.isLearner ? 'already running' : 'a voter'}: there is nothing to launch`);
    const view = await this.replacementOf(monitor, null);
    if (view.learner?.id !== member.id || !view.instructions) await runner.refuse(r, `${member.id} is not the learner the wizard is waiting on`);
    const ins = view.instructions!;
    return runner.start({ ...r, member: { id: member.id, name: ins.name } }, async (ctx) => {
      await ctx.step(`Start ${ins.name} with --initial-cluster-state=existing (demo launcher)`, async () => {
        const res = await this.deps.fetch(`${launcher}/start`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: ins.name, peerURL: ins.peerURL, clientURL: ins.clientURL, initialCluster: ins.initialCluster }),
          signal: AbortSignal.timeout(60_000),
        }).catch((e) => {
          throw new RingsideError('UNAVAILABLE', `the launcher at ${launcher} did not answer (${safeMessage(e)})`);
        });
        const body = (await res.json().catch(() => ({}))) as { error?: string; pid?: number };
        if (!res.ok) throw new RingsideError('UNAVAILABLE', `the launcher could not start ${ins.name}: ${body.error ?? res.status}`);
        return body.pid;
      }, (pid) => (pid ? `etcd PID ${pid}` : undefined));
      await ctx.step(`Wait for ${ins.name} to answer`, () => this.settle(monitor, (x) => x.members.some((m) => m.id === member.id && m.started && m.reachable), `${ins.name} to answer`));
    });
  }

  /**
   * Promotes a learner once it has caught up: etcd refuses ("can only promote a learner member
   * which is in sync with leader") until then, so this retries within a bound, then verifies.
   */
  async promoteMember(p: Principal, monitor: MonitorView, params: { memberId: string }): Promise<Started> {
    const { runner, config } = this.deps;
    runner.assertIdle(monitor.cluster.name);
    const ring = await this.freshRing(monitor);
    const member = memberArg(ring, params.memberId);
    const r = req(p, monitor, 'member-promote', { memberId: member.id }, member);
    if (!member.isLearner) await runner.refuse(r, `${label(member)} is already a voter`);
    if (!member.started || !member.reachable) await runner.refuse(r, `${label(member)} is not running: start it first (the instructions are in the wizard)`);
    const view = await this.replacementOf(monitor, null);
    const replacementId = view.learner?.id === member.id ? view.replacementId : null;
    return runner.start(r, async (ctx) => {
      if (replacementId) ctx.record({ replacementId, promoted: member.id });
      await ctx.step(`Promote ${label(member)} to voter (retrying while it catches up)`, async (s) => {
        const deadline = this.deps.clock.now() + config.ops.promoteTimeoutMs;
        for (let attempt = 1; ; attempt++) {
          const now = await this.freshRing(monitor);
          const leader = leaderOf(now);
          try {
            await this.withClient(monitor, leader.endpoint!, MEMBERSHIP_MS, (c) => c.memberPromote(member.id, MEMBERSHIP_MS));
            return attempt;
          } catch (e) {
            const msg = safeMessage(e);
            if (!/in sync with leader/.test(msg)) throw new RingsideError('UNSAFE', `etcd refused the promotion: ${msg}`);
            if (this.deps.clock.now() > deadline) throw new RingsideError('TIMEOUT', `${label(member)} did not catch up within ${Math.round(config.ops.promoteTimeoutMs / 1000)} s; it stays a learner (safe). Check its disk and network, then promote again.`);
            const l = now.members.find((m) => m.id === member.id);
            s.detail(`not in sync yet: raft index ${l?.raftIndex ?? '?'} of the leader's ${leader.raftIndex ?? '?'}; etcd promotes at ${PROMOTE_READY * 100}% (attempt ${attempt})`);
            await this.deps.clock.sleep(500);
          }
        }
      }, (n) => `promoted after ${n} attempt${n === 1 ? '' : 's'}`);
      const promotedAt = new Date(this.deps.clock.now()).toISOString();
      await ctx.step('Wait until every voter is healthy', () =>
        this.settle(monitor, (x) => x.quorum.hasQuorum && x.members.filter((m) => !m.isLearner).every((m) => isHealthyVoter(x, m)) && x.members.some((m) => m.id === member.id && !m.isLearner), 'all voters healthy'),
      );
      await ctx.step('HashKV: every voter agrees at one revision', async (s) => {
        const deadline = this.deps.clock.now() + SETTLE_MS;
        for (;;) {
          const check = await monitor.checkHashes();
          const now = monitor.ring!;
          if (check && allVotersAgree(now, check, promotedAt)) {
            ctx.record({ verified: true, hashRevision: check.revision });
            return `${check.members.length} voters agree at revision ${check.revision}`;
          }
          if (check?.consistent === false) throw new RingsideError('UNSAFE', `HashKV disagrees after the promotion: ${check.summary}`);
          if (this.deps.clock.now() > deadline) throw new RingsideError('TIMEOUT', `no HashKV check compared every voter within ${SETTLE_MS / 1000} s (${check?.summary ?? 'no check'})`);
          s.detail(check?.summary ?? 'checking');
          await this.deps.clock.sleep(1000);
        }
      }, (d) => d);
    });
  }
}
