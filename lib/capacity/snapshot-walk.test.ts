import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createEncryptor, encryptedReadAt } from '../snapshot/encryption';
import type { ReadAt } from '../snapshot/bolt-status';
import { memoryReadAt, runThrough } from '../snapshot/testdata/fixtures';
import { walkSnapshotKeyspace, type SnapshotWalkOptions } from './snapshot-walk';
import { expectedKeyspace as etcd, keyspaceDb } from './testdata/fixtures';
import type { KeyspaceReport } from './types';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-keyspace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base: SnapshotWalkOptions = {
  source: { name: 'fixture.db', memberId: null, encrypted: false },
  takenAt: '2026-11-22T03:00:00.000Z',
  workDir: null,
  topN: 500,
};
const walk = (opts: Partial<SnapshotWalkOptions> = {}, readAt: ReadAt = memoryReadAt(keyspaceDb)) => walkSnapshotKeyspace(readAt, { ...base, ...opts });
/** A report without its wall time, which differs run to run. */
const sans = (r: KeyspaceReport) => ({ ...r, durationMs: 0 });
const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((n, x) => n + f(x), 0);

describe('the snapshot walk on a real etcd 3.4.23 snapshot', () => {
  test('per prefix: the keys and bytes `etcdctl get <prefix> --prefix` returns, and the history etcd replays', async () => {
    const r = await walk();
    expect(r.revision).toBe(etcd.revision);
    expect(r.totalKeys).toBe(etcd.keys.length);
    expect(r.totalBytes).toBe(sum(etcd.keys, (k) => k.key.length + k.valueSize));
    expect(r.revisions).toBe(sum(etcd.keys, (k) => k.revisions) + sum(etcd.deleted, (k) => k.revisions));
    expect(r.historyBytes).toBe(sum(etcd.keys, (k) => k.historyBytes) + sum(etcd.deleted, (k) => k.historyBytes));
    expect(r.revisionsExact).toBe(true);
    for (const p of r.prefixes) {
      const live = etcd.keys.filter((k) => k.key.startsWith(p.prefix));
      const gone = etcd.deleted.filter((k) => k.key.startsWith(p.prefix));
      expect({ prefix: p.prefix, keys: p.keys, keyBytes: p.keyBytes, valueBytes: p.valueBytes, revisions: p.revisions, historyBytes: p.historyBytes }).toEqual({
        prefix: p.prefix,
        keys: live.length,
        keyBytes: sum(live, (k) => k.key.length),
        valueBytes: sum(live, (k) => k.valueSize),
        revisions: sum(live, (k) => k.revisions) + sum(gone, (k) => k.revisions),
        historyBytes: sum(live, (k) => k.historyBytes) + sum(gone, (k) => k.historyBytes),
      });
    }
    // The prefixes are disjoint and cover every key.
    expect(sum(r.prefixes, (p) => p.keys)).toBe(etcd.keys.length);
    expect(r.prefixes.map((p) => p.prefix).sort()).toEqual([
      '/calico/',
      '/registry/apiregistration.k8s.io/apiservices/',
      '/registry/cert-manager.io/certificates/',
      '/registry/configmaps/',
      '/registry/events/',
      '/registry/leases/',
      '/registry/minions/',
      '/registry/namespaces/',
      '/registry/pods/',
      '/registry/secrets/',
      '/registry/services/endpoints/',
      '/registry/services/specs/',
    ]);
    expect(r.otherPrefixes).toBeNull();
  });

  test('every live key as etcd has it, and deleted keys by the history they hold', async () => {
    const r = await walk();
    const live = r.topKeys.bySize.map((k) => ({
      key: k.key,
      valueSize: k.valueBytes,
      createRevision: k.createRevision,
      modRevision: k.modRevision,
      version: k.version,
      lease: k.lease ?? '0',
      revisions: k.revisions,
      historyBytes: k.historyBytes,
    }));
    const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : 1);
    expect(live.sort(byKey)).toEqual([...etcd.keys].sort(byKey));
    const deleted = r.topKeys.byRevisions.filter((k) => !k.live).map((k) => ({ key: k.key, revisions: k.revisions, historyBytes: k.historyBytes }));
    expect(deleted.sort(byKey)).toEqual([...etcd.deleted].sort(byKey));
  });

  test('the rewritten key tops the revision list; compaction, leases and Events as etcd says', async () => {
    const r = await walk({ topN: 5 });
    const rewritten = etcd.keys.find((k) => k.key === etcd.rewrittenKey)!;
    expect(r.topKeys.byRevisions[0]).toMatchObject({ key: etcd.rewrittenKey, revisions: rewritten.revisions, live: true });
    expect(r.topKeys.byRevisions).toHaveLength(5);
    const largest = [...etcd.keys].sort((a, b) => b.key.length + b.valueSize - (a.key.length + a.valueSize))[0];
    expect(r.topKeys.bySize[0]).toMatchObject({ key: largest.key, bytes: largest.key.length + largest.valueSize });
    expect(r.compaction).toEqual({ compactRevision: etcd.compactRevision, headRevision: etcd.revision, behind: etcd.revision - etcd.compactRevision, scheduledRevision: null });

    expect(r.leases.count).toBe(etcd.leases.length);
    expect(r.leases.keysAttached).toBe(sum(etcd.leases, (l) => l.keys));
    expect(r.leases.withoutKeys).toBe(etcd.leases.filter((l) => l.keys === 0).length);
    expect(r.leases.keysOnUnknownLeases).toBe(0);
    const withKeys = etcd.leases.filter((l) => l.keys > 0);
    expect([...r.leases.top].sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(withKeys.sort((a, b) => (a.id < b.id ? -1 : 1)));
    expect(r.leases.ttl).toEqual({
      known: etcd.leases.length,
      min: Math.min(...etcd.leases.map((l) => l.ttl)),
      max: Math.max(...etcd.leases.map((l) => l.ttl)),
      bands: [
        { upToSeconds: 60, leases: 0 },
        { upToSeconds: 600, leases: etcd.leases.filter((l) => l.ttl <= 600).length },
        { upToSeconds: 3600, leases: 0 },
        { upToSeconds: 86_400, leases: etcd.leases.filter((l) => l.ttl > 3600 && l.ttl <= 86_400).length },
        { upToSeconds: null, leases: 0 },
      ],
    });
    const events = etcd.keys.filter((k) => k.key.startsWith('/registry/events/'));
    expect(r.events.keys).toBe(events.length);
    expect(r.events.bytes).toBe(sum(events, (k) => k.key.length + k.valueSize));
    expect(r.events.share).toBeCloseTo(r.events.bytes / r.totalBytes, 10);
    expect(r.source).toEqual({ kind: 'snapshot', name: 'fixture.db', memberId: null, encrypted: false, dbSize: r.source.kind === 'snapshot' ? r.source.dbSize : 0 });
    expect(r.source.kind === 'snapshot' && r.source.dbSize).toBe(keyspaceDb.length - 32);
  });

  test('past the in-memory key limit, key histories spill to disk and the report is the same, split again when needed', async () => {
    const inMemory = sans(await walk());
    const workDir = mkdtempSync(path.join(dir, 'spill-'));
    expect(sans(await walk({ workDir, maxKeysInMemory: 40 }))).toEqual(inMemory);
    // 3 keys per file cannot hold a sixteenth of 170: every file splits again.
    expect(sans(await walk({ workDir, maxKeysInMemory: 3 }))).toEqual(inMemory);
    expect(readdirSync(workDir)).toEqual([]);
    await expect(walk({ maxKeysInMemory: 40 })).rejects.toThrow('the keyspace holds more than 40 keys: give the walk a work directory to spill to, or a larger key limit');
  });

  test('an encrypted backup is walked through encryptedReadAt, never decrypted to disk', async () => {
    const key = Buffer.alloc(32, 9);
    const { out } = await runThrough(createEncryptor(key, { chunkSize: 4096 }), [keyspaceDb]);
    const file = path.join(dir, 'backup.db.enc');
    writeFileSync(file, out);
    const reader = await encryptedReadAt(file, key);
    try {
      expect(sans(await walk({}, reader.readAt))).toEqual(sans(await walk()));
    } finally {
      await reader.close();
    }
  });

  test('reads page by page, reports progress, stops when aborted', async () => {
    let largest = 0;
    const spy: ReadAt = async (o, n) => {
      largest = Math.max(largest, n);
      return keyspaceDb.subarray(o, o + n);
    };
    const seen: number[] = [];
    await walk({ onProgress: (p) => seen.push(p.bytes) }, spy);
    expect(largest).toBeLessThanOrEqual(4 * 4096); // a value in overflow pages is read whole
    expect(seen.at(-1)).toBeGreaterThan(0);
    const abort = new AbortController();
    abort.abort();
    await expect(walk({ signal: abort.signal })).rejects.toThrow(/aborted/);
  });

  test('a file that is not an etcd snapshot: a clear error', async () => {
    await expect(walk({}, memoryReadAt(Buffer.from('hello\n'.repeat(2000))))).rejects.toThrow('not a valid bbolt database: bad magic number (not a bbolt file)');
    const cut = keyspaceDb.subarray(0, 100_000);
    await expect(walk({}, memoryReadAt(cut))).rejects.toThrow(/truncated/);
  });
});
