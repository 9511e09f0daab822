import { describe, expect, test } from 'vitest';
import type { AuditEntry, AuditQuery, AuditStore } from '../audit/types';
import type { ClusterConfig } from '../config/types';
import type { MemberStatus } from '../etcd/types';
import { isRingsideError, type RingsideError } from '../errors';
import { deriveRing } from '../ring/derive';
import { downProbe, ids, listEntry, okProbe, poll } from '../ring/fixtures';
import type { HashCheck } from '../ring/hashkv';
import type { RingState } from '../ring/types';
import { Maintenance } from './maintenance';
import { Membership } from './membership';
import type { MemberConnection, MonitorView, OpsClock, OpsDeps } from './deps';
import { OperationRunner } from './runner';
import type { Operation } from './types';
import type { OperationLocks } from '../store/types';

// Guided operations with every part injected: no etcd, no files, no waiting. The monitor
// answers each fresh poll from a script of real-shaped ring states; member calls are recorded
// and answered as etcd would; time is a fake clock that `sleep` moves forward.

const T0 = Date.UTC(2026, 10, 22, 3, 0, 0);
const alice = { name: 'alice', role: 'operator' as const, via: 'token' as const };
const cluster: ClusterConfig = { name: 'demo', endpoints: ['http://127.0.0.1:2179'] };

class FakeClock implements OpsClock {
  t = T0;
  now = () => this.t;
  sleep = async (ms: number) => {
    this.t += ms;
  };
}

class MemoryAudit implements AuditStore {
  entries: AuditEntry[] = [];
  async append(e: AuditEntry) {
    this.entries.push(e);
  }
  async query(q: AuditQuery = {}) {
    return this.entries
      .filter((e) => (!q.cluster || e.cluster === q.cluster) && (!q.action || q.action.includes(e.action)))
      .reverse()
      .slice(0, q.limit ?? 200);
  }
}

type Call = { endpoint: string; method: string; args: unknown[] };

/** etcd as the calls see it: each method answers from `script`, or succeeds. */
function fakeEtcd(script: Partial<Record<string, (endpoint: string, ...args: unknown[]) => unknown>> = {}) {
  const calls: Call[] = [];
  const connect = (endpoint: string): MemberConnection => {
    const call = (method: string) => async (...args: unknown[]) => {
      calls.push({ endpoint, method, args });
      return script[method]?.(endpoint, ...args);
    };
    return {
      memberAdd: call('memberAdd'),
      memberRemove: call('memberRemove'),
      memberPromote: call('memberPromote'),
      defragment: call('defragment'),
      moveLeader: call('moveLeader'),
      alarmDisarm: call('alarmDisarm'),
      compact: call('compact'),
      status: call('status') as unknown as MemberConnection['status'],
      snapshot: call('snapshot') as unknown as MemberConnection['snapshot'],
      close: () => {},
    } as MemberConnection;
  };
  return { calls, connect };
}

const state = (probes = [okProbe('m1', ids.m1), okProbe('m2', ids.m1), okProbe('m3', ids.m1)], members = [listEntry('m1'), listEntry('m2'), listEntry('m3')], seq = 1): RingState =>
  deriveRing(poll(seq, probes, { members }), null, { bootId: 't', pollIntervalMs: 1000 });

/** A monitor whose fresh polls answer `rings(n)` for the n-th poll (the last one repeats). */
function fakeMonitor(rings: (n: number, clock: FakeClock) => RingState, clock: FakeClock, hash: (ring: RingState) => HashCheck | null = () => null): MonitorView & { polls: number } {
  const m = {
    cluster,
    polls: 0,
    ring: null as RingState | null,
    hashCheck: null as HashCheck | null,
    async pollNow() {
      m.ring = rings(m.polls++, clock);
      return m.ring;
    },
    async checkHashes() {
      m.hashCheck = hash(m.ring!);
      return m.hashCheck;
    },
  };
  return m;
}

function agreeing(r: RingState, clock: FakeClock): HashCheck {
  return {
    cluster: 'demo',
    revision: 42,
    checkedAt: new Date(clock.now()).toISOString(),
    consistent: true,
    leaderSide: null,
    summary: 'all agree',
    members: r.members.filter((m) => !m.isLearner).map((m) => ({ id: m.id, name: m.name, hash: 7, compactRevision: 0, verdict: 'agree' as const, reason: null, skip: null })),
  };
}

function setup(script: Parameters<typeof fakeEtcd>[0] = {}, ops = { snapshotMaxAgeMs: 3_600_000, promoteTimeoutMs: 120_000 }) {
  const clock = new FakeClock();
  const audit = new MemoryAudit();
  const published: Operation[] = [];
  const runner = new OperationRunner(audit, (op) => published.push(structuredClone(op)), () => {}, clock.now);
  const etcd = fakeEtcd(script);
  const deps: OpsDeps = { runner, audit, config: { ops }, connect: etcd.connect, clock, fetch: () => Promise.reject(new Error('no launcher here')) };
  const membership = new Membership(deps);
  const maintenance = new Maintenance(deps);
  return { clock, audit, runner, etcd, membership, maintenance, published };
}

async function refusalOf(p: Promise<unknown>): Promise<RingsideError> {
  try {
    await p;
  } catch (e) {
    if (isRingsideError(e)) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

/** A recent verified snapshot in the audit log, so the removal preflight is satisfied. */
function snapshotTaken(audit: MemoryAudit, at: number) {
  audit.entries.push({ id: 's', at: new Date(at).toISOString(), user: 'alice', via: 'token', cluster: 'demo', action: 'snapshot-backup', params: {}, result: 'ok', durationMs: 1, details: { takenAt: new Date(at).toISOString() } });
}

describe('promote', () => {
  const learnerRing = (caughtUp: boolean, promoted: boolean) =>
    state(
      [okProbe('m1', ids.m1), okProbe('m2', ids.m1), okProbe('m3', ids.m1, { isLearner: !promoted, raftIndex: caughtUp ? 100 : 60 })],
      [listEntry('m1'), listEntry('m2'), listEntry('m3', { isLearner: !promoted })],
    );

  test('retries every 500 ms while etcd says "not in sync", then waits for health and agreeing hashes', async () => {
    let refusals = 0;
    const { etcd, clock, audit, membership } = setup({
      memberPromote: () => {
        if (refusals++ < 4) throw new Error('etcdserver: can only promote a learner member which is in sync with leader');
      },
    });
    const monitor = fakeMonitor((n) => learnerRing(n > 6, n > 7), clock, (r) => agreeing(r, clock));
    const { done } = await membership.promoteMember(alice, monitor, { memberId: ids.m3 });
    const op = await done;
    expect(op.state, JSON.stringify(op)).toBe('succeeded');
    expect(op.steps.map((s) => [s.name, s.state, s.detail])).toEqual([
      ['Promote m3 to voter (retrying while it catches up)', 'done', 'promoted after 5 attempts'],
      ['Wait until every voter is healthy', 'done', undefined],
      ['HashKV: every voter agrees at one revision', 'done', '3 voters agree at revision 42'],
    ]);
    expect(etcd.calls.filter((c) => c.method === 'memberPromote').map((c) => c.endpoint)).toEqual(Array(5).fill('http://127.0.0.1:2179'));
    expect(clock.t - T0).toBeGreaterThanOrEqual(4 * 500);
    expect(audit.entries.map((e) => e.result)).toEqual(['started', 'ok']);
    expect(op.details).toMatchObject({ verified: true, hashRevision: 42 });
  });

  test('gives up after promoteTimeoutMs of fake time: the learner stays a learner, and it says why', async () => {
    const { clock, audit, membership } = setup(
      { memberPromote: () => Promise.reject(new Error('etcdserver: can only promote a learner member which is in sync with leader')) },
      { snapshotMaxAgeMs: 3_600_000, promoteTimeoutMs: 10_000 },
    );
    const monitor = fakeMonitor(() => learnerRing(false, false), clock);
    const op = await (await membership.promoteMember(alice, monitor, { memberId: ids.m3 })).done;
    expect(op.state).toBe('failed');
    expect(op.error).toMatch(/m3 did not catch up within 10 s; it stays a learner \(safe\)/);
    expect(clock.t - T0).toBeGreaterThan(10_000);
    expect(audit.entries.at(-1)!.result).toBe('failed');
  });

  test('a voter is refused, and the refusal is audited', async () => {
    const { clock, audit, membership } = setup();
    const e = await refusalOf(membership.promoteMember(alice, fakeMonitor(() => state(), clock), { memberId: ids.m2 }));
    expect([e.code, e.message]).toEqual(['UNSAFE', 'm2 is already a voter']);
    expect(audit.entries.map((x) => [x.action, x.result])).toEqual([['member-promote', 'refused']]);
  });
});

describe('remove', () => {
  test('waits out an election (a majority answers, nobody leads yet) instead of refusing', async () => {
    const { clock, audit, etcd, membership } = setup();
    snapshotTaken(audit, T0 - 60_000);
    const electing = state([okProbe('m1', '0', { raftTerm: 3 }), okProbe('m2', '0', { raftTerm: 3 }), downProbe('m3')]);
    const settled = state([okProbe('m1', ids.m1, { raftTerm: 3 }), okProbe('m2', ids.m1, { raftTerm: 3 }), downProbe('m3')]);
    const gone = state([okProbe('m1', ids.m1, { raftTerm: 3 }), okProbe('m2', ids.m1, { raftTerm: 3 })], [listEntry('m1'), listEntry('m2')]);
    let removed = false;
    etcd.calls.length = 0;
    const monitor = fakeMonitor((n) => (removed ? gone : n < 3 ? electing : settled), clock);
    const { done } = await membership.removeMember(alice, monitor, { memberId: ids.m3, confirm: 'm3' });
    removed = true;
    const op = await done;
    expect(op.state, op.error).toBe('succeeded');
    expect(etcd.calls.map((c) => c.method)).toEqual(['memberRemove']);
    expect(clock.t - T0).toBeGreaterThanOrEqual(750);
  });

  test('a ring that really lost quorum is refused after the wait, in words', async () => {
    const { clock, audit, membership } = setup();
    snapshotTaken(audit, T0 - 60_000);
    const lost = state([okProbe('m1', '0'), downProbe('m2'), downProbe('m3')]);
    const e = await refusalOf(membership.removeMember(alice, fakeMonitor(() => lost, clock), { memberId: ids.m3, confirm: 'm3' }));
    expect(e.code).toBe('UNSAFE');
    expect(e.message).toMatch(/The ring has no quorum/);
    // A lost quorum is not an election: no waiting.
    expect(clock.t).toBe(T0);
  });

  test('etcd\'s "unhealthy cluster" right after a voter reconnected is retried, then the removal goes through', async () => {
    let n = 0;
    const { clock, audit, membership } = setup({
      memberRemove: () => {
        if (n++ < 2) throw new Error('etcdserver: unhealthy cluster');
      },
    });
    snapshotTaken(audit, T0 - 60_000);
    let removed = false;
    const down = state([okProbe('m1', ids.m1), okProbe('m2', ids.m1), downProbe('m3')]);
    const gone = state([okProbe('m1', ids.m1), okProbe('m2', ids.m1)], [listEntry('m1'), listEntry('m2')]);
    const monitor = fakeMonitor(() => (removed ? gone : down), clock);
    const { done } = await membership.removeMember(alice, monitor, { memberId: ids.m3, confirm: 'm3' });
    removed = true;
    const op = await done;
    expect(op.state, op.error).toBe('succeeded');
    expect(n).toBe(3);
    expect(clock.t - T0).toBeGreaterThanOrEqual(2000);
  });

  test('a wrong confirmation is a 400 naming the field; one operation at a time per cluster', async () => {
    const { clock, audit, runner, membership } = setup();
    snapshotTaken(audit, T0 - 60_000);
    const monitor = fakeMonitor(() => state([okProbe('m1', ids.m1), okProbe('m2', ids.m1), downProbe('m3')]), clock);
    const e = await refusalOf(membership.removeMember(alice, monitor, { memberId: ids.m3, confirm: 'm2' }));
    expect([e.code, e.field]).toEqual(['INVALID', 'confirm']);
    let release!: () => void;
    await runner.start({ principal: alice, cluster: 'demo', action: 'defragment', params: {} }, () => new Promise<void>((r) => (release = r)));
    const busy = await refusalOf(membership.removeMember(alice, monitor, { memberId: ids.m3, confirm: 'm3' }));
    expect(busy.code).toBe('CONFLICT');
    expect(busy.message).toMatch(/defragment by alice is running on demo .*one operation at a time/);
    release();
  });
});

describe('defragment and move-leader', () => {
  test('followers first; leadership moves to a healthy follower before the leader\'s turn; sizes recorded', async () => {
    let leader = ids.m1;
    const sizes: Record<string, number> = { 'http://127.0.0.1:2179': 30_000_000, 'http://127.0.0.1:2279': 20_000_000, 'http://127.0.0.1:2379': 20_000_000 };
    const { etcd, clock, maintenance } = setup({
      status: (endpoint) => ({ dbSize: sizes[endpoint], dbSizeInUse: 9_000_000, revision: 42 }) as Partial<MemberStatus>,
      defragment: (endpoint) => {
        sizes[endpoint] = 9_000_000;
      },
      moveLeader: (_e, to) => {
        leader = to as string;
      },
    });
    const monitor = fakeMonitor(() => state([okProbe('m1', leader), okProbe('m2', leader), okProbe('m3', leader)]), clock);
    const op = await (await maintenance.defragment(alice, monitor, {})).done;
    expect(op.state, op.error).toBe('succeeded');
    const order = etcd.calls.filter((c) => c.method === 'defragment' || c.method === 'moveLeader').map((c) => `${c.method} ${c.endpoint}`);
    expect(order).toEqual([
      'defragment http://127.0.0.1:2279',
      'defragment http://127.0.0.1:2379',
      // sent to the leader, which alone can hand over
      'moveLeader http://127.0.0.1:2179',
      'defragment http://127.0.0.1:2179',
    ]);
    expect(op.details!.sizes).toEqual({ m1: { before: 30_000_000, after: 9_000_000, inUse: 9_000_000 }, m2: { before: 20_000_000, after: 9_000_000, inUse: 9_000_000 }, m3: { before: 20_000_000, after: 9_000_000, inUse: 9_000_000 } });
  });

  test('move-leader goes to the current leader; a learner or the leader itself is refused', async () => {
    let leader = ids.m1;
    const { etcd, clock, maintenance } = setup({
      moveLeader: (_e, to) => {
        leader = to as string;
      },
    });
    const monitor = fakeMonitor(() => state([okProbe('m1', leader), okProbe('m2', leader), okProbe('m3', leader)]), clock);
    const op = await (await maintenance.moveLeader(alice, monitor, { to: ids.m3 })).done;
    expect(op.state, op.error).toBe('succeeded');
    expect(etcd.calls.map((c) => [c.method, c.endpoint, c.args[0]])).toEqual([['moveLeader', 'http://127.0.0.1:2179', ids.m3]]);
    expect((await refusalOf(maintenance.moveLeader(alice, monitor, { to: ids.m3 }))).message).toMatch(/already leads/);
    expect((await refusalOf(maintenance.moveLeader(alice, monitor, { to: 'abcdef' }))).code).toBe('NOT_FOUND');
  });
});

describe('the runner', () => {
  test('writes started then the result, with the fake clock\'s times, and publishes each step', async () => {
    const { runner, audit, clock, published } = setup();
    const { done } = await runner.start({ principal: alice, cluster: 'demo', action: 'defragment', params: { memberIds: [ids.m2] } }, async (ctx) => {
      await ctx.step('one', async () => {
        clock.t += 1500;
      });
      await ctx.step('two', async () => {
        throw new Error('etcdserver: request timed out');
      });
    });
    const op = await done;
    expect(op.state).toBe('failed');
    expect(op.error).toBe('etcdserver: request timed out');
    expect(op.steps.map((s) => [s.name, s.state, s.startedAt, s.endedAt])).toEqual([
      ['one', 'done', new Date(T0).toISOString(), new Date(T0 + 1500).toISOString()],
      ['two', 'failed', new Date(T0 + 1500).toISOString(), new Date(T0 + 1500).toISOString()],
    ]);
    expect(audit.entries.map((e) => [e.result, e.at])).toEqual([
      ['started', new Date(T0).toISOString()],
      ['failed', new Date(T0 + 1500).toISOString()],
    ]);
    expect(published.map((p) => p.steps.length)).toEqual(expect.arrayContaining([0, 1, 2]));
  });
});

describe('the runner and its lock', () => {
  test('an operation shows as ended only once its lock is released: whoever sees it done can start the next', async () => {
    const clock = new FakeClock();
    let releasing!: () => void;
    const slowRelease = new Promise<void>((r) => (releasing = r));
    const released: Operation[] = [];
    const locks: OperationLocks = {
      acquire: async () => {},
      update: () => {},
      release: async (op) => {
        released.push(structuredClone(op));
        await slowRelease; // an fsync on a busy disk, a database round trip
      },
      others: () => [],
      onChange: null,
      start: () => {},
      stop: async () => {},
    };
    const runner = new OperationRunner(new MemoryAudit(), () => {}, () => {}, clock.now, locks);
    const alice = { name: 'alice', role: 'operator' as const, via: 'password' as const };
    const { operation, done } = await runner.start({ principal: alice, cluster: 'prod', action: 'defragment', params: {} }, async (ctx) => {
      await ctx.step('Defragment m1', async () => {});
    });
    for (let i = 0; i < 50 && !released.length; i++) await Promise.resolve();
    // The store is told the end (to keep it) while this process still holds the cluster.
    expect(released.map((o) => o.state)).toEqual(['succeeded']);
    expect(runner.get('prod', operation.id)!.state).toBe('running');
    expect(() => runner.assertIdle('prod')).toThrow(/defragment by alice is running on prod/);
    releasing();
    expect((await done).state).toBe('succeeded');
    expect(runner.get('prod', operation.id)!.state).toBe('succeeded');
    expect(runner.current('prod')).toBeNull();
  });
});

describe('the runner at shutdown', () => {
  test('an operation still running ends as interrupted at its step, in the audit log and for its watchers; its end afterwards changes nothing', async () => {
    const { runner, audit, published } = setup();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const alice = { name: 'alice', role: 'operator' as const, via: 'password' as const };
    const { operation, done } = await runner.start({ principal: alice, cluster: 'prod', action: 'defragment', params: {} }, async (ctx) => {
      await ctx.step('Defragment m1', async () => {});
      await ctx.step('Defragment m2', () => held);
    });
    await Promise.resolve();
    await runner.abandon('pod-b/1');
    const op = runner.get('prod', operation.id)!;
    expect(op.state).toBe('interrupted');
    expect(op.error).toBe('interrupted: replica pod-b/1 stopped while at step "Defragment m2"; look at the ring before you retry (the step may have half-happened)');
    expect(op.steps.map((s) => s.state)).toEqual(['done', 'failed']);
    expect(runner.current('prod')).toBeNull();
    expect(audit.entries.map((e) => [e.result, e.user, e.via])).toEqual([
      ['started', 'alice', 'password'],
      ['failed', 'alice', 'system'],
    ]);
    expect(published.at(-1)!.state).toBe('interrupted');
    release();
    expect((await done).state).toBe('interrupted');
    expect(audit.entries).toHaveLength(2);
  });
});
