import { describe, expect, test } from 'vitest';
import type { AuditEntry, AuditQuery, AuditStore } from '../audit/types';
import type { BackupSettings, ClusterBackupSettings } from '../backups/config';
import type { BackupStore } from '../backups/store';
import type { BackupStatus, StoredBackup } from '../backups/types';
import type { ClusterConfig } from '../config/types';
import { isRingsideError, RingsideError } from '../errors';
import { deriveRing } from '../ring/derive';
import { downProbe, ids, okProbe, poll } from '../ring/fixtures';
import type { RingState } from '../ring/types';
import { Backups, type StoreRef } from './backups';
import type { MonitorView, OpsClock, OpsDeps } from './deps';
import { OperationRunner } from './runner';

// The backup work with its parts injected: stores in memory, a fake clock, a monitor that
// answers from real-shaped ring states. Taking a backup and drilling one need etcd and are
// tested on real rings (e2e/integration/backups-wiring.test.ts); here, the decisions around them.

const T0 = Date.UTC(2026, 11, 1, 3, 0, 0);
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
    return this.entries.filter((e) => !q.cluster || e.cluster === q.cluster).reverse().slice(0, q.limit ?? 200);
  }
}

function backup(id: string, takenAt: number, store: string, extra: Partial<StoredBackup> = {}): StoredBackup {
  return {
    id,
    store,
    cluster: 'demo',
    member: { id: ids.m2, name: 'm2' },
    revision: 40,
    etcdVersion: '3.4.23',
    takenAt: new Date(takenAt).toISOString(),
    encrypted: false,
    size: 20512,
    sha256: 'a'.repeat(64),
    snapshot: { size: 20512, sha256: 'a'.repeat(64), status: { hash: '1a2b3c4d', revision: 40, totalKey: 12, totalSize: 20480 } },
    kv: { revision: 40, keys: 12, hashKv: 123, compactRevision: -1, note: null },
    drill: null,
    verified: true,
    ...extra,
  };
}

/** Just enough of a store to list, stat and fail. */
class MemoryStore implements BackupStore {
  failing: string | null = null;
  constructor(
    readonly name: string,
    public backups: StoredBackup[] = [],
  ) {}
  async list() {
    if (this.failing) throw new RingsideError('UNAVAILABLE', this.failing);
    return [...this.backups].sort((a, b) => b.takenAt.localeCompare(a.takenAt));
  }
  async stat(_c: string, id: string) {
    const b = this.backups.find((x) => x.id === id);
    if (!b) throw new RingsideError('NOT_FOUND', `backup: no backup ${id}`, 'backup');
    return b;
  }
  put = () => Promise.reject(new Error('not here'));
  open = () => Promise.reject(new Error('not here'));
  delete = () => Promise.reject(new Error('not here'));
  recordDrill = () => Promise.reject(new Error('not here'));
}

const ring = (probes = [okProbe('m1', ids.m1), okProbe('m2', ids.m1), okProbe('m3', ids.m1)]): RingState =>
  deriveRing({ ...poll(1, probes), at: T0 }, null, { bootId: 't', pollIntervalMs: 1000 });

function setup(opts: { every?: number | null; drillEvery?: number | null; etcd?: string | null; stores?: MemoryStore[] } = {}) {
  const clock = new FakeClock();
  const audit = new MemoryAudit();
  const runner = new OperationRunner(audit, () => {}, () => {}, clock.now);
  const stores = opts.stores ?? [new MemoryStore('local:/b'), new MemoryStore('s3://bucket/')];
  const c: ClusterBackupSettings = {
    stores: stores.map((s) => (s.name.startsWith('s3') ? { kind: 's3', region: 'us-east-1', bucket: 'bucket', prefix: '', forcePathStyle: true } : { kind: 'local', dir: '/b' })),
    everyMs: opts.every === undefined ? 600_000 : opts.every,
    staleAfterMs: 1_200_000,
    retention: { keep: 10, generations: null },
    drill: { everyMs: opts.drillEvery ?? null, etcd: opts.etcd ?? null, etcdctl: null, etcdutl: null },
  };
  const settings: BackupSettings = { workDir: '/w', clusters: { demo: c } };
  const deps: OpsDeps = { runner, audit, config: { ops: { snapshotMaxAgeMs: 3_600_000, promoteTimeoutMs: 120_000 }, backups: settings }, connect: () => { throw new Error('no etcd here'); }, clock, fetch: () => Promise.reject(new Error('none')) };
  const refs: StoreRef[] = stores.map((store, i) => ({ key: c.stores[i].kind === 's3' ? 's3-1' : 'local-1', store, settings: c.stores[i] }));
  const published: BackupStatus[] = [];
  const backups = new Backups(deps, { stores: () => refs, publish: (_c, s) => published.push(s) });
  const monitor: { -readonly [K in keyof MonitorView]: MonitorView[K] } = { cluster, ring: ring(), hashCheck: null, pollNow: async () => monitor.ring!, checkHashes: async () => null };
  return { clock, audit, runner, backups, monitor, published, stores };
}

async function errorOf(p: Promise<unknown>): Promise<RingsideError> {
  try {
    await p;
  } catch (e) {
    if (isRingsideError(e)) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('the backup work, decisions around the engine', () => {
  test('at start the stores are read: freshness is published, and the schedule counts from the newest backup', async () => {
    const { backups, monitor, published, stores, clock } = setup();
    stores[1].backups = [backup('demo-m2-91bc3c398fb3c146-rev40-20261201T025500.000Z.db', T0 - 5 * 60_000, 's3://bucket/')];
    await backups.init(['demo']);
    expect(published.at(-1)).toEqual({ newestAt: new Date(T0 - 5 * 60_000).toISOString(), provenAt: null, everyMs: 600_000, staleAfterMs: 1_200_000, lastDrill: null });
    const [job] = backups.jobs(monitor);
    expect(await job.decide(new Date(clock.now()))).toEqual({ action: 'wait' });
    monitor.ring = { ...ring(), at: new Date(T0 + 5 * 60_000).toISOString() };
    expect(await job.decide(new Date(T0 + 5 * 60_000))).toEqual({ action: 'run', plan: { dueAt: new Date(T0 + 5 * 60_000).toISOString() } });
  });

  test('a scheduled backup is never taken without quorum, nor while another operation runs: each skip says why', async () => {
    const { backups, monitor, runner } = setup();
    const [job] = backups.jobs(monitor);
    monitor.ring = ring([okProbe('m1', '0'), downProbe('m2'), downProbe('m3')]);
    const skip = await job.decide(new Date(T0));
    expect(skip).toEqual({ action: 'skip', key: `no-quorum@${new Date(T0).toISOString()}`, reason: 'scheduled backup skipped: no quorum (0 of 3 voters healthy, 2 needed): a member cut off from the leader may hold old data' });
    monitor.ring = ring();
    let finish!: () => void;
    await runner.start({ principal: alice, cluster: 'demo', action: 'defragment', params: {} }, () => new Promise<void>((r) => (finish = r)));
    expect(await job.decide(new Date(T0))).toMatchObject({ action: 'skip', reason: 'scheduled backup skipped: defragment by alice is running on demo' });
    finish();
  });

  test('drills without an etcd binary: the schedule says so plainly, and a drill on demand is refused and audited', async () => {
    const { backups, monitor, audit, stores } = setup({ drillEvery: 86_400_000 });
    stores[0].backups = [backup('demo-m2-91bc3c398fb3c146-rev40-20261201T025500.000Z.db', T0 - 60_000, 'local:/b')];
    await backups.refresh('demo');
    const drill = backups.jobs(monitor).find((j) => j.id === 'drill/demo')!;
    expect(await drill.decide(new Date(T0))).toEqual({
      action: 'skip',
      key: 'no-etcd',
      reason: 'scheduled restore drill skipped: no etcd binary configured for drills: set backups.drill.etcd (a drill restores a backup into a throwaway single-member etcd on 127.0.0.1)',
    });
    const e = await errorOf(backups.drillNow(alice, monitor, { backup: 'demo-m2-91bc3c398fb3c146-rev40-20261201T025500.000Z.db' }));
    expect(e.code).toBe('UNSAFE');
    expect(e.message).toMatch(/^no etcd binary configured for drills/);
    expect(audit.entries.map((x) => [x.action, x.result])).toEqual([['backup-drill', 'refused']]);
    expect((await backups.list(monitor)).schedule.drill).toEqual({ everyMs: 86_400_000, configured: false, note: expect.stringMatching(/^no etcd binary configured for drills/) });
  });

  test('a backup held by two stores needs the store named; a store that is not the cluster\'s is a 400 naming its stores', async () => {
    const id = 'demo-m2-91bc3c398fb3c146-rev40-20261201T025500.000Z.db';
    const { backups, stores } = setup();
    stores[0].backups = [backup(id, T0, 'local:/b')];
    stores[1].backups = [backup(id, T0, 's3://bucket/')];
    const both = await errorOf(backups.locate('demo', id));
    expect([both.code, both.field, both.message]).toEqual(['INVALID', 'store', `store: ${id} is in local-1 and s3-1; say which with store`]);
    expect((await backups.locate('demo', id, 's3-1')).ref.key).toBe('s3-1');
    const wrong = await errorOf(backups.locate('demo', id, 's3-2'));
    expect([wrong.code, wrong.field, wrong.message]).toEqual(['INVALID', 'store', 'store: no store "s3-2" for demo; its stores are local-1, s3-1']);
    const none = await errorOf(backups.locate('demo', 'demo-x-1-rev1-20260101T000000.000Z.db'));
    expect([none.code, none.field]).toEqual(['NOT_FOUND', 'backup']);
  });

  test('a store that cannot be listed keeps its last listing (freshness does not vanish), and says why', async () => {
    const { backups, monitor, stores, clock } = setup();
    stores[1].backups = [backup('demo-m2-91bc3c398fb3c146-rev40-20261201T025500.000Z.db', T0 - 60_000, 's3://bucket/')];
    await backups.refresh('demo');
    stores[1].failing = 'connect ECONNREFUSED 127.0.0.1:9000';
    // Within 10 s the last listing serves (pages ask every few seconds); after, the stores are asked.
    expect((await backups.list(monitor)).storeErrors).toEqual([]);
    clock.t += 10_000;
    const view = await backups.list(monitor);
    expect(view.snapshots.map((s) => s.storeKey)).toEqual(['s3-1']);
    expect(view.storeErrors).toEqual([{ store: 's3://bucket/', error: 'connect ECONNREFUSED 127.0.0.1:9000' }]);
    expect(view.freshness).toMatchObject({ stale: false, ageSeconds: 70 });
  });

  test('the last drill that failed stays the word (for the alert) until a newer one passes, even once retention deleted its backup', async () => {
    const { backups, stores } = setup();
    const failed = { at: new Date(T0 - 1000).toISOString(), result: 'failed' as const, reason: "the stored object's SHA-256 differs", durationMs: 40 };
    stores[0].backups = [backup('demo-m2-91bc3c398fb3c146-rev40-20261201T025500.000Z.db', T0 - 60_000, 'local:/b', { drill: failed, verified: false })];
    await backups.refresh('demo');
    expect(backups.status('demo')!.lastDrill).toEqual({ at: failed.at, result: 'failed', reason: failed.reason, backup: 'demo-m2-91bc3c398fb3c146-rev40-20261201T025500.000Z.db', store: 'local:/b' });
    const passed = { at: new Date(T0).toISOString(), result: 'passed' as const, reason: 'restored', durationMs: 900 };
    stores[0].backups = [backup('demo-m2-91bc3c398fb3c146-rev41-20261201T025900.000Z.db', T0 - 1000, 'local:/b', { drill: passed })];
    await backups.refresh('demo');
    expect(backups.status('demo')!.lastDrill?.result).toBe('passed');
  });
});
