// Issue 17, wired: the built server scans a real 3-member ring's keyspace on demand and answers
// it with its per-prefix counts equal to etcdctl's; the defragment rules' dry run lists exactly
// the members a rule selects; and the scheduled rolling defragment runs followers first, the
// leader last, audited as ringside (schedule); each new verified backup is walked.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { KeyspaceResponse } from '@/lib/api/contract';
import { hashToken } from '@/lib/auth/password';
import type { AuditEntry } from '@/lib/audit/types';
import type { Operation } from '@/lib/ops/types';
import { EtcdRing, parseJsonBig } from '../harness/ring';
import { smallShape, writeKubernetesKeyspace } from '../support/keyspace';
import { OpsClient } from '../support/ops-client';
import { RingsideServer, type ServerOptions } from '../support/ringside-server';

const TOKEN = 'capacity-operator-token-5b2d9e7c1a4f6e8d0c3b';
const MB = 1_000_000;
/** The scheduled defragment is due this long after the server starts (a run 10 min minus this ago is in the audit log). */
const DUE_AFTER_MS = 40_000;

interface JsonKv {
  key: string;
  value?: string;
}

async function etcdctlPrefix(ring: EtcdRing, prefix: string, rev: number): Promise<{ keys: number; bytes: number }> {
  const r = await ring.etcdctl(['get', prefix, '--prefix', `--rev=${rev}`, '-w', 'json']);
  if (r.code !== 0) throw new Error(`etcdctl get ${prefix}: ${r.stderr}`);
  const kvs = (parseJsonBig(r.stdout) as { kvs?: JsonKv[] }).kvs ?? [];
  return { keys: kvs.length, bytes: kvs.reduce((n, kv) => n + Buffer.from(kv.key, 'base64').length + Buffer.from(kv.value ?? '', 'base64').length, 0) };
}

/** Each member's ID in hex and free bytes (dbSize - dbSizeInUse) as etcdctl endpoint status reports them. */
async function statusOf(ring: EtcdRing): Promise<{ name: string; id: string; free: number }[]> {
  const out: { name: string; id: string; free: number }[] = [];
  for (const m of ring.members) {
    const r = await ring.etcdctl(['endpoint', 'status', '-w', 'json'], { endpoints: [m.clientURL] });
    const [s] = parseJsonBig(r.stdout) as { Status: { header: { member_id: string | number }; dbSize: number | string; dbSizeInUse: number | string } }[];
    out.push({ name: m.name, id: BigInt(s.Status.header.member_id).toString(16), free: Number(s.Status.dbSize) - Number(s.Status.dbSizeInUse) });
  }
  return out;
}
const freeBytes = async (ring: EtcdRing) => new Map((await statusOf(ring)).map((m) => [m.id, m.free]));

describe('capacity through the built server: the keyspace route, the dry run, the scheduled defragment', () => {
  let ring: EtcdRing;
  let server: RingsideServer;
  let op: OpsClient;
  let startOptions: ServerOptions;
  let dir: string;
  let defragged: string;
  let leader: string;
  /** Member names by ID. */
  let names: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-capacity-wired-'));
    ring = await EtcdRing.start({ size: 3, name: 'q' });
    await writeKubernetesKeyspace(ring.endpoints(), { ...smallShape(), pods: 200, secrets: 50, configMaps: 100, events: 300, rewrites: 50, calico: 40 });
    // About 6 MB written, deleted and compacted away: free pages inside every member's file...
    const blob = 'x'.repeat(100_000);
    for (let i = 0; i < 60; i++) expect((await ring.etcdctl(['put', `/junk/${i}`, blob])).code).toBe(0);
    expect((await ring.etcdctl(['del', '/junk/', '--prefix'])).code).toBe(0);
    const head = Number((parseJsonBig((await ring.etcdctl(['get', 'x', '-w', 'json'])).stdout) as { header: { revision: string } }).header.revision);
    expect((await ring.etcdctl(['compaction', String(head), '--physical'])).code).toBe(0);
    // bbolt frees a transaction's pages only once a later write transaction begins: a few writes.
    await ring.waitFor(
      async () => {
        expect((await ring.etcdctl(['put', '/calico/tick', String(Date.now())])).code).toBe(0);
        return [...(await freeBytes(ring)).values()].every((f) => f > 4 * MB);
      },
      { timeoutMs: 20_000, intervalMs: 300, what: 'the compacted pages to be free on every member' },
    );
    // ...but one follower's, defragmented by hand: the rule "free > 2MB" selects the other two.
    const leaderName = await ring.leaderName();
    const follower = ring.members.find((m) => m.name !== leaderName)!;
    expect((await ring.etcdctl(['defrag'], { endpoints: [follower.clientURL] })).code).toBe(0);
    const status = await statusOf(ring);
    defragged = status.find((m) => m.name === follower.name)!.id;
    expect(status.find((m) => m.name === follower.name)!.free).toBeLessThan(MB);
    leader = status.find((m) => m.name === leaderName)!.id;
    names = Object.fromEntries(status.map((m) => [m.id, m.name]));

    // The last scheduled defragment ran almost 10 minutes ago: the next is due shortly after start.
    const dataDir = path.join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const seeded: AuditEntry = { id: 'seeded', at: new Date(Date.now() - 10 * 60_000 + DUE_AFTER_MS).toISOString(), user: 'ringside (schedule)', via: 'schedule', cluster: 'c', action: 'defragment', params: { scheduled: true }, result: 'skipped', error: 'scheduled defragment skipped: another operation is running on this cluster', durationMs: 0 };
    writeFileSync(path.join(dataDir, 'audit.jsonl'), `${JSON.stringify(seeded)}\n`);
    startOptions = {
      clusters: [{ name: 'c', endpoints: [ring.members[0].clientURL], metrics: { enabled: false } }],
      dataDir,
      extraYaml: [
        'auth:',
        '  users:',
        `    - { name: alice, role: operator, tokenHash: "${hashToken(TOKEN)}" }`,
        'backups:',
        `  dir: ${path.join(dir, 'backups')}`,
        'capacity:',
        '  scan: { pagesPerSecond: 200 }',
        '  defrag:',
        '    rules: ["free > 2MB", "dbSize > 1TB"]',
        '    every: 10m',
      ].join('\n'),
    };
    server = await RingsideServer.start(startOptions);
    op = new OpsClient(server.url, TOKEN);
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await ring?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const keyspace = async (query = '') => (await op.get<KeyspaceResponse>(`/api/clusters/c/keyspace${query}`)).body;

  test('POST starts a live scan (operators only, one at a time); GET answers it, per prefix equal to etcdctl at its revision', async () => {
    // No session: refused before the body is read (401, or 403 for a request without a CSRF token).
    expect([401, 403]).toContain((await new OpsClient(server.url, null).post('/api/clusters/c/keyspace', { source: 'live' })).status);
    const bad = await op.post<{ error: { field: string; message: string } }>('/api/clusters/c/keyspace', { source: 'disk' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('source');
    expect((await keyspace()).report).toBeNull();

    const started = await op.post<{ scan: { source: string; by: string } }>('/api/clusters/c/keyspace', { source: 'live' });
    expect(started.status).toBe(202);
    expect(started.body.scan).toMatchObject({ source: 'live', by: 'alice' });
    const again = await op.post<{ error: { message: string } }>('/api/clusters/c/keyspace', { source: 'live' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/^a live keyspace scan of c is running since /);
    await ring.waitFor(async () => (await keyspace()).report !== null, { timeoutMs: 60_000, what: 'the live scan' });

    const view = await keyspace('?source=live');
    const r = view.report!;
    expect(r.source).toMatchObject({ kind: 'live' });
    // Never the leader of a ring of three.
    expect((r.source as { memberId: string }).memberId).not.toBe(leader);
    for (const p of r.prefixes) expect({ prefix: p.prefix, keys: p.keys, bytes: p.bytes }).toEqual({ prefix: p.prefix, ...(await etcdctlPrefix(ring, p.prefix, r.revision)) });
    expect(r.prefixes.reduce((n, p) => n + p.keys, 0)).toBe(r.totalKeys);
    expect(r.prefixes.map((p) => p.prefix)).toContain('/registry/pods/');
    expect(r.compaction.compactRevision).toBeGreaterThan(0);
    // Capacity beside it: every member with its figures, etcd's default quota said as assumed.
    expect(view.capacity!.members).toHaveLength(3);
    expect(view.capacity!.members.every((m) => m.quotaSource === 'default' && m.dbSize! > 0)).toBe(true);
    expect(view.diff).toBeNull();
    // Audited when it ended: who put a scan's load on the ring, from which member, what it found.
    const scans = async () => (await op.get<{ entries: AuditEntry[] }>('/api/clusters/c/audit?limit=50')).body.entries.filter((e) => e.action === 'keyspace-scan');
    await ring.waitFor(async () => (await scans()).length > 0, { timeoutMs: 5000, what: 'the scan in the audit log' });
    expect((await scans())[0]).toMatchObject({ user: 'alice', result: 'ok', params: { source: 'live' }, member: { id: (r.source as { memberId: string }).memberId }, details: { revision: r.revision, totalKeys: r.totalKeys } });

    // A second scan: the diff against the first, and nothing grew.
    expect((await op.post('/api/clusters/c/keyspace', { source: 'live' })).status).toBe(202);
    await ring.waitFor(async () => (await keyspace()).diff !== null, { timeoutMs: 60_000, what: 'the second scan' });
    const second = await keyspace();
    expect(second.diff!.from.revision).toBe(r.revision);
    expect(second.diff!.grew).toEqual([]);
  });

  test('the dry run lists exactly the members each rule selects, with why, followers first and the leader last', async () => {
    const free = await freeBytes(ring);
    const expected = [...free].filter(([, f]) => f > 2 * MB).map(([id]) => id).sort();
    expect(expected).toHaveLength(2);
    expect(expected).not.toContain(defragged);
    const plan = (await keyspace()).defrag.dryRun!;
    const [freeRule, huge] = plan.rules;
    expect(freeRule.rule).toBe('free > 2MB');
    expect(freeRule.members.map((m) => m.id).sort()).toEqual(expected);
    expect(freeRule.members.every((m) => /^free \d+(\.\d)? MB > 2MB$/.test(m.why))).toBe(true);
    expect(huge).toEqual({ rule: 'dbSize > 1TB', members: [] });
    expect(plan.members.find((m) => m.id === defragged)).toMatchObject({ selected: false, reason: expect.stringMatching(/^no rule holds: free .* not > 2MB/) });
    expect(plan.order.map((m) => m.id)).toEqual([...expected.filter((id) => id !== leader), leader]);
    expect(plan.refusal).toBeNull();
  });

  test('the scheduled defragment runs the selected members followers first, the leader last, audited as ringside (schedule)', async () => {
    const runs = async () => (await op.get<{ entries: AuditEntry[] }>('/api/clusters/c/audit?limit=50')).body.entries.filter((e) => e.action === 'defragment' && e.result === 'ok');
    await ring.waitFor(async () => (await runs()).length > 0, { timeoutMs: DUE_AFTER_MS + 120_000, intervalMs: 1000, what: 'the scheduled defragment' });
    const [run] = await runs();
    expect(run).toMatchObject({ user: 'ringside (schedule)', via: 'schedule', params: { scheduled: true, reason: expect.stringContaining('free ') } });
    const order = run.params.memberIds as string[];
    expect(order).toHaveLength(2);
    expect(order).not.toContain(defragged);
    expect(order.at(-1)).toBe(leader);
    // The operation's steps: the follower, then leadership handed over, then the old leader.
    const ops = (await op.get<{ operations: Operation[] }>('/api/clusters/c/operations')).body.operations;
    const steps = ops.find((o) => o.id === run.id)!.steps.map((s) => s.name);
    const first = steps.findIndex((s) => s === `Defragment ${names[order[0]]}`);
    const move = steps.findIndex((s) => s.startsWith(`Move leadership from ${names[leader]}`));
    const last = steps.findIndex((s) => s === `Defragment ${names[leader]}`);
    expect(first, steps.join(' | ')).toBeGreaterThanOrEqual(0);
    expect(move).toBeGreaterThan(first);
    expect(last).toBeGreaterThan(move);
    // Space given back: every member's free pages are gone.
    await ring.waitFor(async () => [...(await freeBytes(ring)).values()].every((f) => f < MB), { timeoutMs: 20_000, what: 'the free pages to be given back' });
  });

  test('a new verified backup is walked: a snapshot report, every revision counted, per prefix equal to etcdctl', async () => {
    const backup = await op.run('c', '/backups', {}, 120_000);
    expect(backup.state, JSON.stringify(backup)).toBe('succeeded');
    await ring.waitFor(async () => (await keyspace('?source=backup')).report !== null, { timeoutMs: 60_000, what: 'the walk of the new backup' });
    const view = await keyspace('?source=backup');
    const r = view.report!;
    expect(r.source).toMatchObject({ kind: 'snapshot', name: backup.details?.id ?? expect.any(String), encrypted: false });
    expect(r.revisionsExact).toBe(true);
    for (const p of r.prefixes) expect({ prefix: p.prefix, keys: p.keys, bytes: p.bytes }).toEqual({ prefix: p.prefix, ...(await etcdctlPrefix(ring, p.prefix, r.revision)) });
    expect(view.scan.latest.backup).toBe(r.takenAt);
  });

  test('a restart keeps the reports: the newest of each source and the diff come back from dataDir', async () => {
    const before = { live: await keyspace('?source=live'), backup: await keyspace('?source=backup') };
    expect(before.live.diff).not.toBeNull();
    await server.stop();
    server = await RingsideServer.start(startOptions);
    op = new OpsClient(server.url, TOKEN);
    const live = await keyspace('?source=live');
    expect(live.report).toEqual(before.live.report);
    expect(live.diff).toEqual(before.live.diff);
    expect(live.scan.latest).toEqual(before.live.scan.latest);
    expect((await keyspace('?source=backup')).report).toEqual(before.backup.report);
  });
});
