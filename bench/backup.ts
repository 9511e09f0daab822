// (h) A backup of a 110 MB db to the S3 store (s3rver on 127.0.0.1, a child process: no AWS
// account exists here) against `etcdctl snapshot save` to a local file from the same member in
// the same run; this process's resident memory while it uploads; and a restore drill of that
// backup against `etcdctl snapshot restore` of the same snapshot alone.
//
// Method: a real 3-member ring filled with ~110 MB (1,100 keys of 100 kB). Each round takes a
// plain backup to S3, an encrypted one, and an etcdctl save, from the same follower. The engine
// runs in this process (as it will in the server), so its RSS is sampled every 20 ms.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDrill } from '@/lib/backups/drill';
import { S3Store } from '@/lib/backups/s3-store';
import { takeBackup } from '@/lib/backups/take';
import type { EtcdRing } from '../e2e/harness/ring';
import { S3RVER_CREDENTIALS, S3Server } from '../e2e/harness/s3';
import { backupSource } from '../e2e/support/backups';
import { fillRing } from '../e2e/support/fill';
import { median, type Row } from './stats';

const ROUNDS = 3;
const ETCD = process.env.RINGSIDE_ETCD_BIN || '/usr/bin/etcd';
const ETCDCTL = process.env.RINGSIDE_ETCDCTL_BIN || '/usr/bin/etcdctl';
const MIB = 1024 * 1024;

function etcdctl(args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) =>
    execFile(ETCDCTL, args, { env: { ...process.env, ETCDCTL_API: '3' } }, (err, _out, stderr) => (err ? reject(new Error(`etcdctl ${args[0]} ${args[1]}: ${stderr}`)) : resolve(performance.now() - started))),
  );
}

export async function measureBackup(ring: EtcdRing): Promise<{ rows: Row[]; summary: string[]; notes: string[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-bench-backup-'));
  Object.assign(process.env, S3RVER_CREDENTIALS);
  await fillRing(ring.endpoints(), 110e6, '/bench/backup/');
  const s3 = await S3Server.start({ buckets: ['bench'] });
  const store = new S3Store({ endpoint: s3.endpoint, region: 'us-east-1', bucket: 'bench', prefix: '', forcePathStyle: true });
  try {
    const source = await backupSource(ring, { follower: true });
    const key = randomBytes(32);
    const plain: number[] = [];
    const encrypted: number[] = [];
    const spooled: number[] = []; // of the plain backups: snapshot to spool, status, KV facts
    const saved: number[] = [];
    let lastId = '';
    let size = 0;
    let peak = 0;
    const idle = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      for (let i = 0; i < ROUNDS; i++) {
        for (const [times, k] of [[plain, undefined], [encrypted, key]] as const) {
          const started = performance.now();
          const taken = await takeBackup({
            cluster: 'bench',
            member: source,
            stores: [store],
            ...(k ? { key: k } : {}),
            workDir: path.join(dir, 'work'),
            onProgress: (p) => {
              if (p.phase === 'verified' && !k) spooled.push(performance.now() - started);
            },
          });
          times.push(performance.now() - started);
          if (taken.failed.length) throw new Error(taken.failed[0].error);
          size = taken.record.snapshot.size!;
          if (!k) lastId = taken.id;
        }
        const file = path.join(dir, `etcdctl-${i}.db`);
        saved.push(await etcdctl([`--endpoints=${source.endpoint}`, 'snapshot', 'save', file]));
        if (i < ROUNDS - 1) rmSync(file);
      }
    } finally {
      clearInterval(sampler);
    }

    const drill = await runDrill({ store, cluster: 'bench', id: lastId, tools: { etcd: ETCD, etcdctl: ETCDCTL, etcdutl: null }, workDir: path.join(dir, 'drill') });
    if (drill.result !== 'passed') throw new Error(`the bench drill did not pass: ${drill.reason}`);
    const snapshot = path.join(dir, `etcdctl-${ROUNDS - 1}.db`);
    const restore = await etcdctl(['snapshot', 'restore', snapshot, `--data-dir=${path.join(dir, 'restored')}`, '--name=bench', '--initial-cluster=bench=http://127.0.0.1:2380', '--initial-advertise-peer-urls=http://127.0.0.1:2380']);
    const mb = (size / 1e6).toFixed(0);
    return {
      rows: [
        { measure: `backup to S3 (${mb} MB db, streamed multipart), median of ${ROUNDS}`, value: median(plain), baseline: 'etcdctl snapshot save to a local file', baselineValue: median(saved) },
        { measure: `backup to S3, encrypted (AES-256-GCM), median of ${ROUNDS}`, value: median(encrypted), baseline: 'etcdctl snapshot save to a local file', baselineValue: median(saved) },
        { measure: 'this process\'s RSS, peak during the backups', value: peak / MIB, baseline: 'the same process idle, just before', baselineValue: idle / MIB, unit: 'MiB' },
        { measure: 'restore drill of the plain backup (fetch, verify, restore, start, compare)', value: drill.durationMs, baseline: 'etcdctl snapshot restore of the same snapshot alone', baselineValue: restore },
      ],
      summary: [
        `backup of ${mb} MB to S3: ${(median(plain) / 1000).toFixed(2)} s plain, ${(median(encrypted) / 1000).toFixed(2)} s encrypted vs etcdctl snapshot save ${(median(saved) / 1000).toFixed(2)} s (${(median(plain) / median(saved)).toFixed(2)}x, ${(median(encrypted) / median(saved)).toFixed(2)}x); memory +${((peak - idle) / MIB).toFixed(1)} MiB at peak for a ${(size / MIB).toFixed(0)} MiB snapshot; drill ${(drill.durationMs / 1000).toFixed(2)} s`,
      ],
      notes: [
        `backup rounds (ms): plain ${plain.map((x) => x.toFixed(0)).join(', ')}; encrypted ${encrypted.map((x) => x.toFixed(0)).join(', ')}; etcdctl ${saved.map((x) => x.toFixed(0)).join(', ')}`,
        `of a plain backup, the snapshot to the spool with its status and KV facts took (ms) ${spooled.map((x) => x.toFixed(0)).join(', ')}; the rest is the upload to s3rver (a Node server writing each part to disk, then joining them)`,
        `drill stages: ${drill.checks.map((c) => c.name).join(', ')}; the db was ${statSync(snapshot).size} bytes`,
      ],
    };
  } finally {
    store.close();
    await s3.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
