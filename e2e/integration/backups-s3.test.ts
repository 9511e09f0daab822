// The backup engine against real parts: backups from a real 3-member etcd 3.4 ring into an S3
// bucket (s3rver on 127.0.0.1, started by the harness: no AWS account exists here) and a local
// directory, with their metadata; retention deleting exactly the planned objects.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LocalStore } from '@/lib/backups/local-store';
import { planRetention } from '@/lib/backups/retention';
import { S3Store } from '@/lib/backups/s3-store';
import { takeBackup, type BackupSource } from '@/lib/backups/take';
import { createDecryptor } from '@/lib/snapshot/encryption';
import { EtcdRing, parseJsonBig } from '../harness/ring';
import { S3RVER_CREDENTIALS, S3Server } from '../harness/s3';
import { backupSource, objectText, rawS3 } from '../support/backups';

const BUCKET = 'ringside-backups';
const PREFIX = 'team-a/';
const key = randomBytes(32);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('backups from a real ring into S3 (s3rver) and a local directory', () => {
  let ring: EtcdRing;
  let s3: S3Server;
  let raw: S3Client;
  let bucket: S3Store;
  let local: LocalStore;
  let work: string;
  let source: BackupSource;
  const env = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, S3RVER_CREDENTIALS);
    work = await mkdtemp(path.join(os.tmpdir(), 'ringside-backups-it-'));
    // Assigned one by one, so afterAll stops whichever started even when the other failed.
    await Promise.all([EtcdRing.start({ size: 3, name: 'bk' }).then((r) => (ring = r)), S3Server.start({ buckets: [BUCKET] }).then((s) => (s3 = s))]);
    for (let i = 0; i < 40; i++) expect((await ring.etcdctl(['put', `/app/${i}`, `value-${i}`])).code).toBe(0);
    expect((await ring.etcdctl(['del', '/app/1', '--prefix'])).code).toBe(0);
    raw = rawS3(s3.endpoint);
    bucket = new S3Store({ endpoint: s3.endpoint, region: 'us-east-1', bucket: BUCKET, prefix: PREFIX, forcePathStyle: true });
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

  const keysIn = async (prefix: string) => ((await raw.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();

  test('an encrypted backup lands in the bucket and the directory, with its sidecar and object metadata', async () => {
    const taken = await takeBackup({ cluster: 'bk', member: source, stores: [bucket, local], key, workDir: path.join(work, 'spool') });
    expect(taken.failed).toEqual([]);
    expect(taken.stored.map((s) => s.store)).toEqual([bucket.name, local.name]);
    const { record, id } = taken;
    expect(id).toMatch(new RegExp(`^bk-${source.name}-${source.id}-rev${record.revision}-\\d{8}T\\d{6}\\.\\d{3}Z\\.db\\.enc$`));

    // The member's own answers at the snapshot's revision are what a drill will compare.
    const rev = String(record.revision);
    // Every key of this ring starts with "/" (etcdctl takes no empty key); its JSON carries etcd's own count.
    const count = JSON.parse((await ring.etcdctl(['get', '/', '--prefix', '--keys-only', `--rev=${rev}`, '-w', 'json'], { endpoints: [source.endpoint] })).stdout).count;
    const hk = parseJsonBig((await ring.etcdctl(['endpoint', 'hashkv', `--rev=${rev}`, '-w', 'json'], { endpoints: [source.endpoint] })).stdout) as { HashKV: { hash: number; compact_revision: number } }[];
    expect(record.kv).toEqual({ revision: record.revision, keys: count, hashKv: hk[0].HashKV.hash, compactRevision: hk[0].HashKV.compact_revision, note: null });
    expect(count).toBe(29); // 40 put, /app/1 and /app/10-19 deleted
    expect(record).toMatchObject({ cluster: 'bk', member: { id: source.id, name: source.name }, etcdVersion: '3.4.23', encrypted: true });

    // The objects: data and sidecar, nothing else; the metadata says what the data is.
    expect(await keysIn(PREFIX)).toEqual([`${PREFIX}bk/${id}`, `${PREFIX}bk/${id}.json`]);
    const head = await raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}bk/${id}` }));
    expect(head.Metadata).toMatchObject({
      'ringside-cluster': 'bk',
      'ringside-member-id': source.id,
      'ringside-revision': rev,
      'ringside-encrypted': 'true',
      'ringside-sha256': record.sha256!,
      'ringside-etcd-version': '3.4.23',
    });
    expect(JSON.parse(await objectText(raw, BUCKET, `${PREFIX}bk/${id}.json`))).toEqual({ format: 'ringside-backup/1', ...record, store: bucket.name, drill: null });

    // The same bytes in both stores, hashing to the sidecar's sha256; decrypted, the snapshot's.
    const obj = Buffer.from(await (await raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}bk/${id}` }))).Body!.transformToByteArray());
    expect(sha256(obj)).toBe(record.sha256);
    expect(sha256(await readFile(path.join(work, 'local', 'bk', id)))).toBe(record.sha256);
    const plain = createHash('sha256');
    await pipeline(createReadStream(path.join(work, 'local', 'bk', id)), createDecryptor(key), new Writable({ write: (c, _e, done) => (plain.update(c), done()) }));
    expect(plain.digest('hex')).toBe(record.snapshot.sha256);

    // Listing and reading back through the store.
    const [listed] = await bucket.list('bk');
    expect(listed).toMatchObject({ id, store: bucket.name, verified: true, drill: null, revision: record.revision });
    const back = createHash('sha256');
    for await (const c of await bucket.open('bk', id)) back.update(c as Buffer);
    expect(back.digest('hex')).toBe(record.sha256);
    expect(await readdir(path.join(work, 'spool'))).toEqual([]);
  });

  test('a store that fails does not cost the others, and says why', async () => {
    const missing = new S3Store({ endpoint: s3.endpoint, region: 'us-east-1', bucket: 'no-such-bucket', prefix: '', forcePathStyle: true });
    try {
      const taken = await takeBackup({ cluster: 'other', member: source, stores: [missing, local], workDir: path.join(work, 'spool') });
      expect(taken.stored.map((s) => s.store)).toEqual([local.name]);
      expect(taken.failed).toHaveLength(1);
      expect(taken.failed[0].error).toMatch(/^s3:\/\/no-such-bucket\/ at http:\/\/127\.0\.0\.1:\d+: upload .* failed: NoSuchBucket/);
    } finally {
      missing.close();
    }
  });

  test('retention deletes exactly the objects it plans to, never the newest verified backup', async () => {
    const cluster = 'ret';
    const base = Date.parse('2026-03-10T00:00:00Z');
    const ids: string[] = [];
    for (let h = 0; h < 5; h++) {
      const taken = await takeBackup({ cluster, member: source, stores: [bucket], workDir: path.join(work, 'spool'), now: () => new Date(base + h * 3_600_000) });
      expect(taken.failed).toEqual([]);
      ids.push(taken.id);
    }
    // The newest failed its drill: the one before it is the newest verified one.
    await bucket.recordDrill(cluster, ids[4], { at: new Date(base + 5 * 3_600_000).toISOString(), result: 'failed', reason: 'test', durationMs: 1 });
    const listed = await bucket.list(cluster);
    expect(listed.map((b) => b.id)).toEqual([...ids].reverse());

    const plan = planRetention(listed, { keep: 2, generations: null }, new Date(base + 6 * 3_600_000));
    expect(plan.delete.map((d) => d.backup.id)).toEqual([ids[1], ids[0]]);
    for (const d of plan.delete) await bucket.delete(cluster, d.backup.id);

    const kept = [ids[4], ids[3], ids[2]];
    expect(await keysIn(`${PREFIX}${cluster}/`)).toEqual(kept.flatMap((id) => [`${PREFIX}${cluster}/${id}`, `${PREFIX}${cluster}/${id}.json`]).sort());
    expect((await bucket.list(cluster)).map((b) => [b.id, b.verified])).toEqual([[ids[4], false], [ids[3], true], [ids[2], true]]);
  });
});
