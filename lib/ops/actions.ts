import 'server-only';
import { randomUUID } from 'node:crypto';
import type { AuditEntry } from '../audit/types';
import type { ClusterConfig } from '../config/types';
import { RingsideError } from '../errors';
import { formatBytes } from '../model/format';
import type { MemberState, RingState } from '../ring/types';
import {
  addChecks,
  allVotersAgree,
  corruptDisarmChecks,
  defragChecks,
  defragOrder,
  isHealthyVoter,
  moveLeaderChecks,
  nextLeader,
  refusal,
  removalChecks,
  type SnapshotFreshness,
} from './preflight';
import type { Principal } from './principal';
import { replacementView, type AddedMember } from './replacement';
import { safeMessage, type OpContext, type OpRequest, type StepHandle } from './runner';
import type { MemberConnection, MonitorView, OpsDeps } from './deps';
import type { Operation, ReplacementView } from './types';

/** Deadlines of operation calls: membership changes go through raft; a defrag rewrites the db. */
const MEMBERSHIP_MS = 10_000;
const DEFRAG_MS = 10 * 60_000;
const SETTLE_MS = 30_000;
const REPLACEMENT_ACTIONS = ['member-remove', 'member-add', 'member-promote'];
const SNAPSHOT_ACTIONS = ['snapshot-download', 'snapshot-backup'];

type Started = { operation: Operation; done: Promise<Operation> };
const label = (m: { name: string; id: string }) => m.name || m.id;
/** Long enough for etcd's election (1 s timeout, randomised) to finish a few times over. */
const ELECTION_WAIT_MS = 5_000;

/** Most voters answer, yet none leads: an election is under way. */
function electing(ring: RingState): boolean {
  const voters = ring.members.filter((m) => !m.isLearner);
  return ring.leader === null && voters.filter((m) => m.reachable).length >= ring.quorum.needed;
}

export function usesTls(cluster: ClusterConfig): boolean {
  return Boolean(cluster.tls) || cluster.endpoints.some((e) => e.startsWith('https:'));
}

function leaderOf(ring: RingState): MemberState {
  const leader = ring.members.find((m) => m.isLeader && m.endpoint);
  if (!leader) throw new RingsideError('UNAVAILABLE', 'the ring has no reachable leader right now');
  return leader;
}

function memberArg(ring: RingState, id: string, field = 'memberId'): MemberState {
  const m = ring.members.find((x) => x.id === id);
  if (!m) throw new RingsideError('NOT_FOUND', `${field}: no member ${id} in ${ring.cluster}`, field);
  return m;
}

function confirmArg(given: string, expected: string, what: string) {
  if (given !== expected) throw new RingsideError('INVALID', `confirm: type ${what} ("${expected}") to confirm`, 'confirm');
}

/** `http://10.0.0.3:2380/` as etcd lists it: scheme, host and port. */
function normalizeURL(v: string): string {
  const u = new URL(v);
  return `${u.protocol}//${u.host}`;
}

function req(p: Principal, monitor: MonitorView, action: OpRequest['action'], params: Record<string, unknown>, member?: MemberState | { id: string; name: string }): OpRequest {
  return { principal: p, cluster: monitor.cluster.name, action, params, ...(member ? { member: { id: member.id, name: member.name } } : {}) };
}

const mb = formatBytes;

/**
 * The guided operations, with everything they touch handed in (lib/ops/deps.ts): the runner and
 * audit log, a way to reach a member, the clock, the launcher's fetch. Every decision is made on
 * a fresh poll of the ring, and refused in words when unsafe.
 */
export class Actions {
  constructor(private readonly deps: OpsDeps) {}

  /**
   * A fresh poll: every decision is made on what the members say now, not a second ago. When a
   * majority of voters answers but none leads yet (an election under way, e.g. just after the
   * leader died), it waits up to ELECTION_WAIT_MS for the new leader instead of refusing on a
   * ring that is a second from healthy.
   */
  private async freshRing(monitor: MonitorView): Promise<RingState> {
    const deadline = this.deps.clock.now() + ELECTION_WAIT_MS;
    for (;;) {
      const ring = await monitor.pollNow();
      if (!ring) throw new RingsideError('UNAVAILABLE', `no state of ${monitor.cluster.name} yet`);
      if (!electing(ring) || this.deps.clock.now() >= deadline) return ring;
      await this.deps.clock.sleep(250);
    }
  }

  private async withClient<T>(monitor: MonitorView, endpoint: string, timeoutMs: number, fn: (c: MemberConnection) => Promise<T>): Promise<T> {
    const client = this.deps.connect(endpoint, monitor.cluster.tls, timeoutMs);
    try {
      return await fn(client);
    } finally {
      client.close();
    }
  }

  /** Polls until `pred` holds on a fresh ring state; fails naming `what` after `timeoutMs`. */
  private async settle(monitor: MonitorView, pred: (r: RingState) => boolean, what: string, timeoutMs = SETTLE_MS): Promise<RingState> {
    const deadline = this.deps.clock.now() + timeoutMs;
    for (;;) {
      const ring = await this.freshRing(monitor);
      if (pred(ring)) return ring;
      if (this.deps.clock.now() > deadline) throw new RingsideError('TIMEOUT', `gave up after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
      await this.deps.clock.sleep(300);
    }
  }

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
      ctx.record({ replacementId, removed: { id: target.id, name: target.name, peerURLs: target.peerURLs, clientURLs: target.clientURLs } });
      await ctx.step(`Remove ${label(target)} (${target.id}) from the member list`, (s) =>
        this.retryUnhealthy(s, () => this.withClient(monitor, leader.endpoint!, MEMBERSHIP_MS, (c) => c.memberRemove(target.id, MEMBERSHIP_MS)), 'removal'),
      );
      await ctx.step('Confirm the ring no longer lists it and keeps quorum', async () => {
        const after = await this.settle(monitor, (x) => !x.members.some((m) => m.id === target.id) && x.quorum.hasQuorum, `${label(target)} to leave the member list`);
        return `${after.quorum.healthy} of ${after.quorum.voters} voters healthy`;
      }, (d) => d);
    });
  }


  /**
   * etcd refuses membership changes ("unhealthy cluster") until every voter has been connected for
   * 5 s, so right after a member (re)started. Our preflight already found the ring healthy, so this
   * is that window: retry briefly, then give etcd's answer.
   */
  private async retryUnhealthy<T>(s: StepHandle, fn: () => Promise<T>, what: string): Promise<T> {
    const deadline = this.deps.clock.now() + 15_000;
    for (;;) {
      try {
        return await fn();
      } catch (e) {
        if (!/unhealthy cluster/.test(safeMessage(e)) || this.deps.clock.now() > deadline) throw new RingsideError('UNSAFE', `etcd refused the ${what}: ${safeMessage(e)}`);
        s.detail('etcd says "unhealthy cluster": a voter (re)connected less than 5 s ago; retrying');
        await this.deps.clock.sleep(1000);
      }
    }
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
            s.detail(`not in sync yet: raft index ${l?.raftIndex ?? '?'} of the leader's ${leader.raftIndex ?? '?'} (attempt ${attempt})`);
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


  private async transferLeadership(ctx: OpContext, monitor: MonitorView, ring: RingState, to: MemberState) {
    const leader = leaderOf(ring);
    await ctx.step(`Move leadership from ${label(leader)} to ${label(to)}`, async () => {
      await this.withClient(monitor, leader.endpoint!, MEMBERSHIP_MS, (c) => c.moveLeader(to.id, MEMBERSHIP_MS));
      await this.settle(monitor, (x) => x.leader === to.id && x.quorum.hasQuorum, `${label(to)} to lead`, 15_000);
    });
  }


  private async defragOne(ctx: OpContext, monitor: MonitorView, m: MemberState): Promise<{ before: number; after: number }> {
    return ctx.step(`Defragment ${label(m)}`, async (s) => {
      return this.withClient(monitor, m.endpoint!, DEFRAG_MS, async (c) => {
        const before = await c.status(MEMBERSHIP_MS);
        s.detail(`db ${mb(before.dbSize)} (${mb(before.dbSizeInUse)} in use): defragmenting`);
        await c.defragment(DEFRAG_MS);
        const after = await c.status(MEMBERSHIP_MS);
        return { before: before.dbSize, after: after.dbSize, inUse: after.dbSizeInUse };
      });
    }, (x) => `db ${mb(x.before)} → ${mb(x.after)} (${mb(x.inUse)} in use)`);
  }


  /**
   * Rolling defragmentation: one member at a time, followers first; the leader hands leadership
   * to a healthy follower before its turn, so writes never wait on a defragmenting leader.
   */
  async defragment(p: Principal, monitor: MonitorView, params: { memberIds?: string[] }): Promise<Started> {
    const { runner } = this.deps;
    runner.assertIdle(monitor.cluster.name);
    const ring = await this.freshRing(monitor);
    const ids = params.memberIds ?? ring.members.filter((m) => m.started).map((m) => m.id);
    if (ids.length === 0) throw new RingsideError('INVALID', 'memberIds: expected a list of member IDs (or none for every member)', 'memberIds');
    const targets = ids.map((id) => memberArg(ring, id, 'memberIds'));
    const r = req(p, monitor, 'defragment', { memberIds: targets.map((m) => m.id) }, targets.length === 1 ? targets[0] : undefined);
    const why = refusal(defragChecks(ring, targets));
    if (why) await runner.refuse(r, why);
    return runner.start(r, async (ctx) => {
      const sizes: Record<string, { before: number; after: number }> = {};
      for (const planned of defragOrder(ring, targets)) {
        let now = await this.freshRing(monitor);
        const m = now.members.find((x) => x.id === planned.id);
        if (!m) throw new RingsideError('CONFLICT', `${label(planned)} left the ring during the run; stopped before it`);
        const again = refusal(defragChecks(now, [m]));
        if (again) throw new RingsideError('UNSAFE', `stopped before ${label(m)}: ${again}`);
        if (m.isLeader && now.members.filter((x) => !x.isLearner).length > 1) {
          const to = nextLeader(now, [m.id]);
          if (!to) throw new RingsideError('UNSAFE', `stopped before ${label(m)}: no healthy follower can take over leadership`);
          await this.transferLeadership(ctx, monitor, now, to);
          now = await this.freshRing(monitor);
        }
        const member = now.members.find((x) => x.id === m.id)!;
        sizes[label(member)] = await this.defragOne(ctx, monitor, member);
        await ctx.step(`Wait for ${label(member)} to rejoin`, () =>
          this.settle(monitor, (x) => x.members.some((y) => y.id === member.id && (y.isLearner ? y.reachable : isHealthyVoter(x, y))), `${label(member)} healthy again`),
        );
      }
      ctx.record({ sizes });
    });
  }


  async moveLeader(p: Principal, monitor: MonitorView, params: { to: string }): Promise<Started> {
    const { runner } = this.deps;
    runner.assertIdle(monitor.cluster.name);
    const ring = await this.freshRing(monitor);
    const target = memberArg(ring, params.to, 'to');
    const r = req(p, monitor, 'move-leader', { to: target.id }, target);
    const why = refusal(moveLeaderChecks(ring, target.id));
    if (why) await runner.refuse(r, why);
    return runner.start(r, (ctx) => this.transferLeadership(ctx, monitor, ring, target));
  }


  /**
   * NOSPACE: compact, defragment every member, then disarm (etcd's documented recovery).
   * CORRUPT: only once HashKV agrees on every voter, i.e. after the bad member was replaced.
   * Typed confirmation: the cluster's name (compaction discards history for good).
   */
  async disarmAlarm(p: Principal, monitor: MonitorView, params: { alarm: 'NOSPACE' | 'CORRUPT'; confirm: string }): Promise<Started> {
    const { runner } = this.deps;
    runner.assertIdle(monitor.cluster.name);
    const alarm = params.alarm;
    confirmArg(params.confirm, monitor.cluster.name, "the cluster's name");
    let ring = await this.freshRing(monitor);
    const r = req(p, monitor, 'alarm-disarm', { alarm });
    const entries = ring.alarms.filter((a) => a.alarm === alarm);
    if (!ring.alarmsKnown) await runner.refuse(r, 'the alarm list cannot be read right now');
    if (entries.length === 0) await runner.refuse(r, `no ${alarm} alarm is active on ${ring.cluster}`);
    if (alarm === 'CORRUPT') {
      const check = await monitor.checkHashes();
      ring = monitor.ring ?? ring;
      const why = refusal(corruptDisarmChecks(ring, check));
      if (why) await runner.refuse(r, why);
    } else {
      const why = refusal(defragChecks(ring, ring.members.filter((m) => m.started)));
      if (why) await runner.refuse(r, why);
    }
    return runner.start(r, async (ctx) => {
      if (alarm === 'NOSPACE') {
        const leader = leaderOf(ring);
        await ctx.step('Compact the keyspace history to the current revision', async () => {
          return this.withClient(monitor, leader.endpoint!, DEFRAG_MS, async (c) => {
            const { revision } = await c.status(MEMBERSHIP_MS);
            try {
              await c.compact(revision, DEFRAG_MS);
            } catch (e) {
              if (!/compacted/.test(safeMessage(e))) throw e;
            }
            return revision;
          });
        }, (rev) => `compacted at revision ${rev}`);
        for (const planned of defragOrder(ring, ring.members.filter((m) => m.started))) {
          let now = await this.freshRing(monitor);
          if (planned.isLeader && now.leader === planned.id) {
            const to = nextLeader(now, [planned.id]);
            if (to) {
              await this.transferLeadership(ctx, monitor, now, to);
              now = await this.freshRing(monitor);
            }
          }
          const m = now.members.find((x) => x.id === planned.id);
          if (m?.reachable) await this.defragOne(ctx, monitor, m);
        }
      }
      await ctx.step(`Disarm ${alarm}`, async () => {
        const leader = leaderOf(await this.freshRing(monitor));
        await this.withClient(monitor, leader.endpoint!, MEMBERSHIP_MS, async (c) => {
          for (const a of entries) await c.alarmDisarm(a.memberId, alarm, MEMBERSHIP_MS);
        });
      });
      await ctx.step(`Confirm no ${alarm} alarm is left`, async () => {
        await this.settle(monitor, (x) => x.alarmsKnown && !x.alarms.some((a) => a.alarm === alarm), `the ${alarm} alarm to clear`, 15_000);
      });
    });
  }
}

export type { Started };
