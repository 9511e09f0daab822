// A 100+ MB etcd db backed up to S3 (s3rver on 127.0.0.1, a child process, so its memory is not
// counted) as a streamed multipart upload: the test process's resident memory must stay flat.
// A resource bound, not a timing: generous (80 MiB over the baseline for a 100+ MiB db), since
// the point is that nothing on the way holds the whole snapshot.
//
// V8 collects garbage Buffers only after some 64 MiB of them pile up, whatever holds them, so
// without help a streaming backup and one that holds everything differ less than they should.
// The test collects garbage every 100 ms while it measures (gc exposed at run time), so RSS shows
// what the backup holds (here about +50 MiB; the same upload with the body buffered whole measured
// +221 MiB); the fill runs in a child, so its memory is not counted either.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { S3Store } from '@/lib/backups/s3-store';
import { takeBackup } from '@/lib/backups/take';
import { EtcdRing } from '../harness/ring';
import { S3RVER_CREDENTIALS, S3Server } from '../harness/s3';
import { backupSource, rawS3 } from '../support/backups';
import { fillRing } from '../support/fill';

const MIB = 1024 * 1024;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const BUCKET = 'big-backups';

describe('a 100+ MB snapshot to S3', () => {
  let ring: EtcdRing;
  let s3: S3Server;
  let raw: S3Client;
  let work: string;
  const env = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, S3RVER_CREDENTIALS);
    work = await mkdtemp(path.join(os.tmpdir(), 'ringside-backup-mem-'));
    await Promise.all([
      EtcdRing.start({ size: 1, name: 'big', extraFlags: ['--quota-backend-bytes=1073741824'] }).then((r) => (ring = r)),
      S3Server.start({ buckets: [BUCKET] }).then((s) => (s3 = s)),
    ]);
    await fillRing(ring.endpoints(), 105e6);
    raw = rawS3(s3.endpoint);
  });

  afterAll(async () => {
    raw?.destroy();
    await Promise.all([ring?.close(), s3?.stop()]);
    await rm(work, { recursive: true, force: true });
    process.env = env;
  });

  test('uploads as a streamed multipart upload with the process`s memory flat', async () => {
    const store = new S3Store({ endpoint: s3.endpoint, region: 'us-east-1', bucket: BUCKET, prefix: '', forcePathStyle: true });
    const source = await backupSource(ring, { follower: false });
    gc();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let ticks = 0;
    const sampler = setInterval(() => {
      if (++ticks % 5 === 0) gc();
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    let taken;
    let parts = 0;
    try {
      taken = await takeBackup({
        cluster: 'big',
        member: source,
        stores: [store],
        key: randomBytes(32),
        workDir: path.join(work, 'spool'),
        onProgress: (p) => {
          if (p.phase === 'store' && p.part) parts = Math.max(parts, p.part);
        },
      });
    } finally {
      clearInterval(sampler);
      store.close();
    }
    expect(taken.failed).toEqual([]);
    expect(taken.record.snapshot.size!).toBeGreaterThan(100e6);
    const head = await raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `big/${taken.id}` }));
    expect(head.ContentLength).toBe(taken.record.size);
    // Uploaded in 5 MiB parts, each reported as it finished.
    expect(parts).toBe(Math.ceil(taken.record.size / (5 * MIB)));
    const growth = (peak - baseline) / MIB;
    console.log(`backup of ${(taken.record.snapshot.size! / MIB).toFixed(0)} MiB in ${parts} parts: RSS ${(baseline / MIB).toFixed(0)} MiB before, peak +${growth.toFixed(1)} MiB`);
    expect(growth).toBeLessThan(80);
  });
});
