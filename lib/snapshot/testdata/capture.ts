// Makes the real etcd snapshot fixture in this folder from a 1-member etcd 3.4 ring started
// by the test harness:
//   etcd-3.4.23.snapshot.db.gz  `etcdctl snapshot save` of a small keyspace (bbolt file plus
//                               its SHA-256 trailer), gzipped
//   etcd-3.4.23.snapshot.json   what `etcdctl snapshot status -w json` says of that same file,
//                               plus its size and sha256sum
// The keyspace is built so the walker meets what real rings have: several leaf pages under a
// branch (hundreds of keys), values that spill into overflow pages, deletes (tombstones),
// a lease with an attached key, and a compaction that freed pages.
//
//   npx tsx lib/snapshot/testdata/capture.ts
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { EtcdRing } from '../../../e2e/harness/ring';

const here = __dirname;
const NAME = 'etcd-3.4.23.snapshot';

async function ctl(ring: EtcdRing, args: string[]): Promise<string> {
  const r = await ring.etcdctl(args);
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Runs the calls a few at a time: one etcdctl per put costs ~25 ms of process start. */
async function inBatches(calls: (() => Promise<unknown>)[], width = 8): Promise<void> {
  for (let i = 0; i < calls.length; i += width) await Promise.all(calls.slice(i, i + width).map((c) => c()));
}

async function main() {
  const ring = await EtcdRing.start({ size: 1, name: 'snap' });
  try {
    await inBatches(Array.from({ length: 400 }, (_, i) => () => ctl(ring, ['put', `/registry/pods/ns-${i % 7}/pod-${i}`, `spec-${i}-${'x'.repeat(i % 50)}`])));
    await ctl(ring, ['put', '/big/one', 'B'.repeat(10_000)]);
    await ctl(ring, ['put', '/big/two', 'C'.repeat(3_000)]);
    await inBatches(Array.from({ length: 60 }, (_, i) => () => ctl(ring, ['del', `/registry/pods/ns-${i % 7}/pod-${i}`])));
    const lease = /lease ([0-9a-f]+) granted/.exec(await ctl(ring, ['lease', 'grant', '3600']))?.[1];
    if (!lease) throw new Error('lease grant printed no lease ID');
    await ctl(ring, ['put', '/leases/holder', 'me', `--lease=${lease}`]);
    const header = JSON.parse(await ctl(ring, ['get', '/leases/holder', '-w', 'json'])) as { header: { revision: number } };
    await ctl(ring, ['compaction', String(header.header.revision - 100), '--physical']);
    await inBatches(Array.from({ length: 30 }, (_, i) => () => ctl(ring, ['put', `/after-compaction/${i}`, `v${i}`])));
    await ctl(ring, ['del', '/after-compaction/0']);

    const file = path.join(ring.baseDir, 'snapshot.db');
    await ctl(ring, ['snapshot', 'save', file]);
    const status = JSON.parse(await ctl(ring, ['snapshot', 'status', file, '-w', 'json'])) as Record<string, number>;
    const bytes = readFileSync(file);
    const expected = {
      etcd: '3.4.23',
      command: 'etcdctl snapshot status -w json',
      status,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
    writeFileSync(path.join(here, `${NAME}.db.gz`), gzipSync(bytes, { level: 9 }));
    writeFileSync(path.join(here, `${NAME}.json`), `${JSON.stringify(expected, null, 2)}\n`);
    console.log(`captured ${bytes.length} bytes: ${JSON.stringify(status)}`);
  } finally {
    await ring.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
