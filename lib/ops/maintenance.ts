import 'server-only';
import { RingsideError } from '../errors';
import type { MemberState, RingState } from '../ring/types';
import { corruptDisarmChecks, defragChecks, defragOrder, isHealthyVoter, moveLeaderChecks, nextLeader, refusal } from './preflight';
import type { Principal } from './principal';
import { DEFRAG_MS, label, leaderOf, MEMBERSHIP_MS, mb, memberArg, confirmArg, req, RingAccess, type Started } from './ring-access';
import { safeMessage, type OpContext } from './runner';
import type { MonitorView } from './deps';

/**
 * Keeping the ring's databases in shape without losing a write: rolling defragmentation
 * (followers first, leadership handed over before the leader's turn), moving the leader, and
 * disarming NOSPACE (compact, defragment, disarm) or CORRUPT (only once every hash agrees).
 */
export class Maintenance extends RingAccess {
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
  async defragment(p: Principal, monitor: MonitorView, params: { memberIds?: string[]; scheduled?: boolean; reason?: string }): Promise<Started> {
    const { runner } = this.deps;
    runner.assertIdle(monitor.cluster.name);
    const ring = await this.freshRing(monitor);
    // Learners cannot be defragmented (they refuse the RPC): "every member" means every started voter.
    const ids = params.memberIds ?? ring.members.filter((m) => m.started && !m.isLearner).map((m) => m.id);
    if (ids.length === 0) throw new RingsideError('INVALID', 'memberIds: expected a list of member IDs (or none for every member)', 'memberIds');
    const targets = ids.map((id) => memberArg(ring, id, 'memberIds'));
    // A scheduled run says which rules selected whom (lib/capacity/service.ts).
    const r = req(p, monitor, 'defragment', { memberIds: targets.map((m) => m.id), ...(params.scheduled ? { scheduled: true, reason: params.reason } : {}) }, targets.length === 1 ? targets[0] : undefined);
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
      const why = refusal(defragChecks(ring, ring.members.filter((m) => m.started && !m.isLearner)));
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
        for (const planned of defragOrder(ring, ring.members.filter((m) => m.started && !m.isLearner))) {
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
