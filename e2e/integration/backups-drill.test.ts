// Restore drills against real parts: backups of a real etcd ring, stored in a local directory
// and in S3 (s3rver on 127.0.0.1), restored into a throwaway single-member etcd on loopback.
// Only etcd 3.4 exists on these machines, so every drill here restores with
// `etcdctl snapshot restore`; the 3.5+ path (`etcdutl snapshot restore`) cannot run here.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { drillRecord, runDrill, type DrillOptions } from '@/lib/backups/drill';
import { LocalStore } from '@/lib/backups/local-store';
import { S3Store } from '@/lib/backups/s3-store';
import type { BackupStore } from '@/lib/backups/store';
import { takeBackup, type BackupSource } from '@/lib/backups/take';
import { processAlive } from '../harness/ports';
import { EtcdRing } from '../harness/ring';
import { S3RVER_CREDENTIALS, S3Server } from '../harness/s3';
import { backupSource, flipByteInObject, objectText, rawS3 } from '../support/backups';

const ETCD = process.env.RINGSIDE_ETCD_BIN || '/usr/bin/etcd';
const ETCDCTL = process.env.RINGSIDE_ETCDCTL_BIN || '/usr/bin/etcdctl';
const tools = { etcd: ETCD, etcdctl: ETCDCTL, etcdutl: null };
const BUCKET = 'drills';
const key = randomBytes(32);

describe('restore drills (etcd 3.4 only here: etcdctl snapshot restore)', () => {
  let ring: EtcdRing;
  let s3: S3Server;
  let raw: S3Client;
  let bucket: S3Store;
  let local: LocalStore;
  let work: string;
  let drillDir: string;
  let source: BackupSource;
  const env = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, S3RVER_CREDENTIALS);
    work = await mkdtemp(path.join(os.tmpdir(), 'ringside-drill-it-'));
    drillDir = path.join(work, 'drills');
    // Assigned one by one, so afterAll stops whichever started even when the other failed.
    await Promise.all([EtcdRing.start({ size: 3, name: 'dr' }).then((r) => (ring = r)), S3Server.start({ buckets: [BUCKET] }).then((s) => (s3 = s))]);
    // History worth restoring: rewrites, deletes and a compaction, then more writes.
    for (let i = 0; i < 60; i++) expect((await ring.etcdctl(['put', `/k/${i % 25}`, `v${i}`])).code).toBe(0);
    expect((await ring.etcdctl(['del', '/k/2', '--prefix'])).code).toBe(0);
    const rev = JSON.parse((await ring.etcdctl(['get', '/k/0', '-w', 'json'])).stdout).header.revision as number;
    expect((await ring.etcdctl(['compaction', String(rev - 5), '--physical'])).code).toBe(0);
    for (let i = 0; i < 5; i++) expect((await ring.etcdctl(['put', `/after/${i}`, 'x'])).code).toBe(0);
    raw = rawS3(s3.endpoint);
    bucket = new S3Store({ endpoint: s3.endpoint, region: 'us-east-1', bucket: BUCKET, prefix: '', forcePathStyle: true });
    local = new LocalStore(path.join(work, 'local'));
    source = await backupSource(ring, { follower: true });
  });

  afterAll(async () => {
    bucket?.close();
    raw?.destroy();
    await Promise.all([ring?.close(), s3?.stop()]);
    await rm(work, { recursive: true, force: true });
    process.env = env;
  });

  const backup = async (store: BackupStore, encrypted: boolean) => {
    const taken = await takeBackup({ cluster: 'dr', member: source, stores: [store], workDir: path.join(work, 'spool'), ...(encrypted ? { key } : {}) });
    expect(taken.failed).toEqual([]);
    return taken;
  };
  const drill = (store: BackupStore, id: string, extra: Partial<DrillOptions> = {}) =>
    runDrill({ store, cluster: 'dr', id, key, tools, workDir: drillDir, ...extra });

  /** The throwaway member is gone and nothing of the drill is left on disk. */
  const cleanedUp = async (pid: number | undefined) => {
    if (pid !== undefined) expect(processAlive(pid)).toBe(false);
    expect(existsSync(drillDir) ? await readdir(drillDir) : []).toEqual([]);
  };

  test('etcd 3.4: a good backup in the local directory passes, restored with etcdctl snapshot restore', async () => {
    const { id, record } = await backup(local, false);
    const o = await drill(local, id);
    expect(o.result, o.reason).toBe('passed');
    expect(o.restoreTool).toBe('etcdctl snapshot restore');
    expect(o.etcdVersion).toBe('3.4.23');
    expect(o.reason).toBe(`restored with etcdctl snapshot restore (etcd 3.4.23): revision ${record.revision}, ${record.kv!.keys} keys, HashKV ${record.kv!.hashKv} as recorded at backup time`);
    expect(o.checks.map((c) => [c.name, c.ok])).toEqual([
      ['fetch', true],
      ['sha256', true],
      ['trailer', true],
      ['status', true],
      ['restore', true],
      ['start', true],
      ['revision', true],
      ['keys', true],
      ['hashKv', true],
    ]);
    expect(o.member!.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number(new URL(o.member!.endpoint).port)).toBeLessThan(32768);
    await cleanedUp(o.member!.pid);

    // Kept with the backup: the listing says it was proven restorable, and when.
    const listed = await local.recordDrill('dr', id, drillRecord(o)!);
    expect(listed.drill).toEqual({ at: o.at, result: 'passed', reason: o.reason, durationMs: o.durationMs });
  });

  test('etcd 3.4: a good encrypted backup in S3 passes', async () => {
    const { id } = await backup(bucket, true);
    const o = await drill(bucket, id);
    expect(o.result, o.reason).toBe('passed');
    expect(o.checks.find((c) => c.name === 'decrypt')).toEqual({ name: 'decrypt', ok: true, detail: 'every AES-256-GCM chunk authenticated' });
    await cleanedUp(o.member!.pid);
  });

  test('etcd 3.4: one byte flipped in the stored S3 object fails the drill, naming the SHA-256 mismatch', async () => {
    const { id, record } = await backup(bucket, true);
    await flipByteInObject(raw, BUCKET, `dr/${id}`, Math.floor(record.size / 2));
    const o = await drill(bucket, id);
    expect(o.result).toBe('failed');
    expect(o.reason).toMatch(new RegExp(`^the stored object's SHA-256 is [0-9a-f]{64}, the sidecar recorded ${record.sha256}: the object was altered or damaged in the store$`));
    expect(o.checks.at(-1)).toMatchObject({ name: 'sha256', ok: false });
    expect(o.member).toBeNull();
    await cleanedUp(undefined);
  });

  test('etcd 3.4: one byte flipped in a local backup whose sidecar predates the sha256: decryption names the altered chunk', async () => {
    const { id, record } = await backup(local, true);
    const file = path.join(work, 'local', 'dr', id);
    const bytes = await readFile(file);
    bytes[bytes.length - 100] ^= 0x01;
    await writeFile(file, bytes);
    // An older sidecar recorded no SHA-256 of the encrypted file: the chunk tags still catch it.
    const sidecar = JSON.parse(await readFile(`${file}.json`, 'utf8'));
    await writeFile(`${file}.json`, JSON.stringify({ ...sidecar, sha256: null }));
    const o = await drill(local, id);
    expect(o.result).toBe('failed');
    const lastChunk = Math.ceil(record.snapshot.size! / (1 << 20)) - 1;
    expect(o.reason).toBe(`cannot decrypt: wrong key or the file was altered (chunk ${lastChunk})`);
    expect(o.checks.map((c) => [c.name, c.ok])).toEqual([['fetch', true], ['sha256', null], ['decrypt', false]]);
    await cleanedUp(undefined);
  });

  test('etcd 3.4: a sidecar whose revision disagrees fails after the restore, and the throwaway member is stopped', async () => {
    const { id, record } = await backup(bucket, false);
    const sidecar = JSON.parse(await objectText(raw, BUCKET, `dr/${id}.json`));
    await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: `dr/${id}.json`, Body: JSON.stringify({ ...sidecar, revision: record.revision + 7 }) }));
    const o = await drill(bucket, id);
    expect(o.result).toBe('failed');
    expect(o.reason).toBe(`the restored member serves revision ${record.revision}, the sidecar recorded ${record.revision + 7}`);
    expect(o.checks.map((c) => c.name)).toEqual(['fetch', 'sha256', 'trailer', 'status', 'restore', 'start', 'revision']);
    await cleanedUp(o.member!.pid);
  });

  test('a recorded HashKV that differs fails naming both hashes', async () => {
    const { id, record } = await backup(local, false);
    const file = path.join(work, 'local', 'dr', `${id}.json`);
    const sidecar = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...sidecar, kv: { ...sidecar.kv, hashKv: record.kv!.hashKv! + 1 } }));
    const o = await drill(local, id);
    expect(o.result).toBe('failed');
    expect(o.reason).toBe(`HashKV at revision ${record.revision} is ${record.kv!.hashKv} on the restored member, ${record.kv!.hashKv! + 1} on the live member at backup time: the restored data differs`);
    await cleanedUp(o.member!.pid);
  });

  test('no etcd binary configured: the drill says so instead of pretending', async () => {
    const { id } = await backup(local, false);
    const o = await drill(local, id, { tools: { etcd: null, etcdctl: null, etcdutl: null } });
    expect(o).toMatchObject({ result: 'not-run', reason: 'no etcd binary configured for drills: set backups.drill.etcd (a drill restores the backup into a throwaway single-member etcd on 127.0.0.1)', checks: [] });
    expect(drillRecord(o)).toBeNull();
    const missing = await drill(local, id, { tools: { etcd: '/nonexistent/etcd', etcdctl: null, etcdutl: null } });
    expect(missing.reason).toBe('backups.drill.etcd: /nonexistent/etcd is not an executable file');
  });

  test('a backup from another minor version is not restored by this etcd, and says which one to configure', async () => {
    const { id } = await backup(local, false);
    const file = path.join(work, 'local', 'dr', `${id}.json`);
    await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), etcdVersion: '3.5.17' }));
    const o = await drill(local, id);
    expect(o).toMatchObject({ result: 'not-run', reason: `the backup comes from etcd 3.5.17 and the drill's etcd (${ETCD}) is 3.4.23: a snapshot restores into the same minor version, so configure an etcd 3.5 for drills` });
  });
});
