// Makes the real etcd /metrics fixtures in this folder from a 3-member etcd 3.4 ring started by
// the test harness:
//   etcd-3.4.23-leader.prom            the leader's complete /metrics after a few writes, once it
//                                      has measured its peers' round trips
//   etcd-3.4.23-leader-later.prom      the same member after 300 more writes (counters and
//                                      histogram buckets moved)
//   etcd-3.4.23-leader-restarted.prom  the same member after a restart and 20 writes (every
//                                      counter reset: process_start_time_seconds changed)
// The later two keep only the families Ringside reads (see FAMILIES), to keep the repo small.
//
//   npx tsx lib/metrics/testdata/capture.ts
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { EtcdRing } from '../../../e2e/harness/ring';

const here = __dirname;
const KEEP = /^(# (HELP|TYPE) )?(etcd_server_|etcd_disk_(wal_fsync|backend_commit)|etcd_network_peer_(round_trip|sent_failures)|etcd_mvcc_db_total|process_start_time_seconds)/;

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`${url}/metrics answered ${res.status}`);
  return res.text();
}

/** n separate puts, each its own raft proposal, WAL fsync and backend commit. */
async function writes(ring: EtcdRing, n: number, prefix: string) {
  for (let i = 0; i < n; i++) {
    const put = await ring.etcdctl(['put', `${prefix}${i}`, `v${i}`]);
    if (put.code !== 0) throw new Error(`put failed: ${put.stderr}`);
  }
}

async function main() {
  const ring = await EtcdRing.start({ size: 3 });
  try {
    await writes(ring, 20, 'warmup-');
    const leader = (await ring.leaderName())!;
    const m = ring.member(leader);
    // etcd probes each peer's round trip every 15 s or so: wait until the leader has measured both.
    await ring.waitFor(async () => ((await scrape(m.metricsURL)).match(/^etcd_network_peer_round_trip_time_seconds_count/gm) ?? []).length === 2, {
      timeoutMs: 60_000,
      intervalMs: 1000,
      what: 'peer round-trip observations',
    });
    const keep = (text: string) => text.split('\n').filter((l) => KEEP.test(l)).join('\n') + '\n';
    writeFileSync(path.join(here, 'etcd-3.4.23-leader.prom'), await scrape(m.metricsURL));
    await writes(ring, 300, 'later-');
    writeFileSync(path.join(here, 'etcd-3.4.23-leader-later.prom'), keep(await scrape(m.metricsURL)));
    await ring.restart(leader);
    await writes(ring, 20, 'after-restart-');
    writeFileSync(path.join(here, 'etcd-3.4.23-leader-restarted.prom'), keep(await scrape(m.metricsURL)));
    console.log(`captured ${leader} (${m.metricsURL})`);
  } finally {
    await ring.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
