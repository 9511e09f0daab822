import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LocalStore } from '@/lib/backups/local-store';
import { takeBackup } from '@/lib/backups/take';
import { openStoredBackup } from '@/lib/capacity/backup-source';
import { scanLive, scanSource } from '@/lib/capacity/live-scan';
import { walkSnapshotKeyspace } from '@/lib/capacity/snapshot-walk';
import type { KeyspaceReport } from '@/lib/capacity/types';
import { MemberClient } from '@/lib/etcd/client';
import { ClusterMonitor } from '@/lib/monitor/cluster-monitor';
import { openFileReadAt } from '@/lib/snapshot/bolt-walk';
import { createEncryptor, encryptedReadAt } from '@/lib/snapshot/encryption';
import { runThrough } from '@/lib/snapshot/testdata/fixtures';
import { EtcdRing, parseJsonBig } from '../harness/ring';
import { smallShape, writeKubernetesKeyspace, type KeyspaceManifest } from '../support/keyspace';

interface JsonKv {
  key: string;
  value?: string;
}

/** What `etcdctl get <prefix> --prefix --rev=<rev> -w json` returns: keys, and key and value bytes. */
async function etcdctlPrefix(ring: EtcdRing, prefix: string, rev: number): Promise<{ keys: number; keyBytes: number; valueBytes: number }> {
  const r = await ring.etcdctl(['get', prefix, '--prefix', `--rev=${rev}`, '-w', 'json']);
  if (r.code !== 0) throw new Error(`etcdctl get ${prefix}: ${r.stderr}`);
  const kvs = ((parseJsonBig(r.stdout) as { kvs?: JsonKv[] }).kvs ?? []);
  return {
    keys: kvs.length,
    keyBytes: kvs.reduce((n, kv) => n + Buffer.from(kv.key, 'base64').length, 0),
    valueBytes: kvs.reduce((n, kv) => n + Buffer.from(kv.value ?? '', 'base64').length, 0),
  };
}

/** The keys live at `rev`: the range's `count` (etcdctl 3.4 has no --count-only; one key travels). */
async function etcdctlCount(ring: EtcdRing, rev: number): Promise<number> {
  const r = await ring.etcdctl(['get', '', '--prefix', '--keys-only', '--limit=1', `--rev=${rev}`, '-w', 'json']);
  return Number((parseJsonBig(r.stdout) as { count: number | string }).count);
}

/** Every reported prefix against etcdctl at the report's revision, and the prefixes cover every key. */
async function expectPrefixesMatchEtcdctl(ring: EtcdRing, report: KeyspaceReport): Promise<void> {
  for (const p of report.prefixes) {
    expect({ prefix: p.prefix, keys: p.keys, keyBytes: p.keyBytes, valueBytes: p.valueBytes }).toEqual({ prefix: p.prefix, ...(await etcdctlPrefix(ring, p.prefix, report.revision)) });
  }
  expect(report.totalKeys).toBe(await etcdctlCount(ring, report.revision));
  expect(report.prefixes.reduce((n, p) => n + p.keys, 0)).toBe(report.totalKeys);
}

describe('keyspace breakdown on a real ring with a Kubernetes-shaped keyspace', () => {
  let ring: EtcdRing;
  let monitor: ClusterMonitor;
  let manifest: KeyspaceManifest;
  let dir: string;
  let extraRewrites = 0;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-keyspace-'));
    ring = await EtcdRing.start({ size: 3 });
    manifest = await writeKubernetesKeyspace(ring.endpoints(), smallShape());
    // Compact everything written so far, then more history on top: the hot key keeps one record
    // from before the compaction plus every rewrite after it; two pods deleted after it leave
    // tombstones a snapshot sees.
    const head = Number((parseJsonBig((await ring.etcdctl(['get', 'x', '-w', 'json'])).stdout) as { header: { revision: string } }).header.revision);
    expect((await ring.etcdctl(['compaction', String(head), '--physical'])).code).toBe(0);
    extraRewrites = 120;
    for (let i = 0; i < extraRewrites; i++) expect((await ring.etcdctl(['put', manifest.rewrittenKey, `holder-${i}`])).code).toBe(0);
    for (const k of ['/registry/pods/team-1/web-101', '/registry/pods/team-2/web-102']) expect((await ring.etcdctl(['del', k])).stdout.trim()).toBe('1');
    monitor = new ClusterMonitor(
      { name: 'k', endpoints: ring.endpoints(), metrics: { enabled: false, urls: {}, scheme: 'http' } },
      { pollIntervalMs: 1000, requestTimeoutMs: 2000, hashCheckIntervalMs: 0 },
    );
  });
  afterAll(async () => {
    await monitor?.stop();
    await ring?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function liveScan(opts: Partial<Parameters<typeof scanLive>[1]> = {}) {
    const state = await monitor.pollNow();
    const src = scanSource(state);
    expect(src.reason).toBeNull();
    const m = src.member!;
    const client = new MemberClient(m.endpoint!, undefined, 10_000);
    try {
      return { report: await scanLive(client, { member: { id: m.id, name: m.name }, pagesPerSecond: 200, ...opts }), member: m, state };
    } finally {
      client.close();
    }
  }

  test('live, from a healthy follower: per prefix exactly what etcdctl get --prefix returns; the rewritten key tops the revisions; leases as etcdctl lists them', async () => {
    const { report, member, state } = await liveScan({ pageBytes: 64 * 1024 });
    expect(member.isLeader).toBe(false);
    expect(report.source).toMatchObject({ kind: 'live', memberId: member.id, memberName: member.name });
    if (report.source.kind === 'live') expect(report.source.pages).toBeGreaterThan(20); // 64 KiB pages over ~4 MB
    expect(state.leader).not.toBe(member.id);
    await expectPrefixesMatchEtcdctl(ring, report);
    expect(report.prefixes.find((p) => p.prefix === '/registry/events/')).toMatchObject({ events: true, keys: smallShape().events });
    expect(report.prefixes.find((p) => p.prefix === '/calico/')).toMatchObject({ kind: 'path', keys: smallShape().calico });
    expect(report.prefixes.find((p) => p.prefix === '/registry/apiregistration.k8s.io/apiservices/')).toMatchObject({ group: 'apiregistration.k8s.io' });

    // The hot key: created long before the compaction, rewritten 120 times since: 121 records held.
    expect(report.topKeys.byRevisions[0]).toMatchObject({ key: manifest.rewrittenKey, revisions: extraRewrites + 1, version: manifest.rewrites + extraRewrites });
    expect(report.revisionsExact).toBe(false);
    expect(report.compaction.compactRevision).toBeGreaterThan(0);
    expect(report.compaction.headRevision).toBe(report.revision);

    const listed = (await ring.etcdctl(['lease', 'list'])).stdout.split('\n').map((l) => l.trim()).filter((l) => /^[0-9a-f]+$/.test(l));
    expect(report.leases.count).toBe(listed.length);
    expect(report.leases.top.map((l) => l.id).sort()).toEqual([...listed].sort());
    for (const l of report.leases.top) {
      const t = parseJsonBig((await ring.etcdctl(['lease', 'timetolive', l.id, '--keys', '-w', 'json'])).stdout) as { 'granted-ttl': number; keys: string[] };
      expect({ id: l.id, ttl: l.ttl, keys: l.keys }).toEqual({ id: l.id, ttl: t['granted-ttl'], keys: t.keys.length });
    }
    expect(report.leases.keysAttached).toBe(smallShape().events);
  });

  test('live: one revision throughout, paced, and stopped on request', async () => {
    // Writes land while the scan runs; the report is the keyspace at its own revision.
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) await ring.etcdctl(['put', `/registry/pods/team-1/late-${i}`, 'x'.repeat(500)]);
    })();
    const started = performance.now();
    const { report } = await liveScan({ pageBytes: 32 * 1024, pagesPerSecond: 40 });
    const took = performance.now() - started;
    writing = false;
    await writer;
    const pages = report.source.kind === 'live' ? report.source.pages : 0;
    expect(took).toBeGreaterThanOrEqual(((pages - 1) / 40) * 1000);
    expect(await etcdctlCount(ring, report.revision)).toBe(report.totalKeys);
    const head = Number((parseJsonBig((await ring.etcdctl(['get', 'x', '-w', 'json'])).stdout) as { header: { revision: string } }).header.revision);
    expect(await etcdctlCount(ring, head)).toBeGreaterThan(report.totalKeys); // the writes did land meanwhile
    expect(report.prefixes.find((p) => p.prefix === '/registry/pods/')!.keys).toBe((await etcdctlPrefix(ring, '/registry/pods/', report.revision)).keys);

    const abort = new AbortController();
    const scanning = liveScan({ pagesPerSecond: 2, pageBytes: 16 * 1024, signal: abort.signal, onProgress: () => abort.abort() });
    const t0 = performance.now();
    await expect(scanning).rejects.toThrow(/aborted/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  test('snapshot: `etcdctl snapshot save` walked page by page gives what etcdctl get --prefix returns, and the exact history', async () => {
    const file = path.join(dir, 'snap.db');
    const leader = await ring.leaderName();
    const follower = ring.members.find((m) => m.name !== leader)!;
    expect((await ring.etcdctl(['snapshot', 'save', file], { endpoints: [follower.clientURL] })).code).toBe(0);
    const reader = await openFileReadAt(file);
    let report: KeyspaceReport;
    try {
      // A key limit below the key count: the walk spills to disk, as it would on a big ring.
      report = await walkSnapshotKeyspace(reader.readAt, { source: { name: 'snap.db', memberId: null, encrypted: false }, takenAt: new Date().toISOString(), workDir: dir, maxKeysInMemory: 1000, topN: 10_000 });
    } finally {
      await reader.close();
    }
    await expectPrefixesMatchEtcdctl(ring, report);
    expect(report.revisionsExact).toBe(true);
    expect(report.topKeys.byRevisions[0]).toMatchObject({ key: manifest.rewrittenKey, revisions: extraRewrites + 1 });
    // The two pods deleted after the compaction: no live key, their last put and the deletion held.
    expect(report.topKeys.byRevisions.filter((k) => !k.live).map((k) => [k.key, k.revisions]).sort()).toEqual([
      ['/registry/pods/team-1/web-101', 2],
      ['/registry/pods/team-2/web-102', 2],
    ]);
    const status = JSON.parse((await ring.etcdctl(['snapshot', 'status', file, '-w', 'json'])).stdout) as { revision: number };
    expect(report.revision).toBe(status.revision);
    expect(report.leases.count).toBe(manifest.leases.length);
    expect(report.leases.keysAttached).toBe(smallShape().events);

    // The same bytes encrypted at rest, read through encryptedReadAt: the same report.
    const key = Buffer.alloc(32, 3);
    const { out } = await runThrough(createEncryptor(key), [readFileSync(file)]);
    writeFileSync(path.join(dir, 'snap.db.enc'), out);
    const enc = await encryptedReadAt(path.join(dir, 'snap.db.enc'), key);
    try {
      const again = await walkSnapshotKeyspace(enc.readAt, { source: { name: 'snap.db.enc', memberId: null, encrypted: true }, takenAt: report.takenAt, workDir: dir, topN: 10_000 });
      expect({ ...again, durationMs: 0, source: null }).toEqual({ ...report, durationMs: 0, source: null });
    } finally {
      await enc.close();
    }
  });

  test('an encrypted backup in a store, taken by the backup engine: walked without a plain copy on disk', async () => {
    const state = await monitor.pollNow();
    const m = scanSource(state).member!;
    const store = new LocalStore(path.join(dir, 'store'));
    const key = Buffer.alloc(32, 5);
    const taken = await takeBackup({ cluster: 'k', member: { id: m.id, name: m.name, endpoint: m.endpoint! }, stores: [store], key, workDir: path.join(dir, 'work') });
    expect(taken.failed).toEqual([]);
    const opened = await openStoredBackup({ store, cluster: 'k', id: taken.id, key, workDir: dir });
    try {
      const report = await walkSnapshotKeyspace(opened.readAt, { source: { name: taken.id, memberId: m.id, encrypted: true }, takenAt: opened.backup.takenAt, workDir: dir });
      expect(report.revision).toBe(taken.record.revision);
      await expectPrefixesMatchEtcdctl(ring, report);
    } finally {
      await opened.close();
    }
    await expect(openStoredBackup({ store, cluster: 'k', id: taken.id, workDir: dir })).rejects.toThrow('is encrypted and no key is configured: set $RINGSIDE_BACKUP_KEY');
  });
});
