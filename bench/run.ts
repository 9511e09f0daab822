// `npm run bench`: measurements of Ringside's poller on a real 3-member etcd ring, each
// next to a baseline measured in the same run. It reports; it never passes or fails.
//
//   (a) bench/poll-cost.ts     one poll over warm clients vs `etcdctl endpoint status --cluster`,
//                              and the same poll with every member's /metrics scraped
//   (b) bench/detection.ts     SIGKILL -> member-down / leader-changed latency vs the poll interval
//   (c) bench/history-load.ts  CPU and memory of poller + history + alerts, 5 clusters x 5 members,
//                              a simulated hour at 1 s polls (real etcd answers replayed)
//   (d) bench/chart-render.ts  Chromium drawing 24 h of history vs the live 5 min view
//   (f) bench/timeline.ts      timeline queries over 100,000 stored events vs a scan of the same
//   (g) bench/fleet-render.ts  the overview and the NOC screen drawing 20 real clusters vs 1, and a
//                              fleet of 200: first rows, search, message size, long tasks live
//   (e) bench/snapshot.ts      a 110 MB snapshot downloaded through Ringside vs etcdctl snapshot
//                              save, and the server's memory while it streams
//   (h) bench/backup.ts        a 110 MB backup to the S3 store (s3rver) vs etcdctl snapshot save,
//                              memory while it uploads, and a restore drill vs etcdctl restore
//   (i) bench/log-follow.ts    starting to follow a 2 GB etcd log (1 MiB backlog) vs the same
//                              lines in a 1 MiB file
//   (j) bench/first-paint.ts   the cluster page's JavaScript (gzip) and the time to its first
//                              drawn member table, vs the build before issue 13
//   (k) bench/keyspace.ts      the keyspace breakdown of 1,000,000 keys (a ~1 GB db): the live scan vs
//                              etcdctl get --keys-only (time, memory), the snapshot walk's MB/s vs
//                              etcdctl snapshot status, and what a scan adds to a write every 50 ms
//   (l) bench/fleet-load.ts    CPU per member-second for 200 clusters x 5 members (replayed, real
//                              timers) plus 30 real rings, 1 s polls and 15 s scrapes, vs scraping
//                              with every poll; RSS against 1 GB
//   (m) bench/sse-fanout.ts    200 SSE viewers of one cluster: delivery lag p50/p99 of ring frames vs
//                              one viewer, and of a killed member's member-down, vs one poll interval
//
//   npm run bench              all of it (about 5 minutes, plus about 5 for (k) and 3 for (j)'s first build)
//   npm run bench -- --only=c,d   some of it
//
// lib/ modules start with `import 'server-only'`, which only loads under React's server
// condition: run as `tsx --conditions=react-server bench/run.ts`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { EtcdRing } from '../e2e/harness/ring';
import path from 'node:path';
import type { Detection } from './detection';
import type { PollCost } from './poll-cost';
import type { Row } from './stats';
import { median, ms, renderTable } from './stats';

const ETCD = process.env.RINGSIDE_ETCD_BIN || '/usr/bin/etcd';
const INTERVAL_MS = 1000;
const TARGET_FACTOR = 5;
const TARGET_DETECT_MS = 2000;

/** True when `server-only` resolves to its empty react-server build instead of the throwing one. */
async function hasServerCondition(): Promise<boolean> {
  try {
    await import('server-only');
    return true;
  } catch {
    return false;
  }
}

async function preflight(): Promise<void> {
  if (!(await hasServerCondition())) {
    console.error(
      "bench: lib/ modules import 'server-only', which loads only under React's server condition. Run:\n" +
        '  npx tsx --conditions=react-server bench/run.ts\n' +
        '(package.json: "bench": "tsx --conditions=react-server bench/run.ts")',
    );
    process.exit(1);
  }
  if (!existsSync(ETCD)) {
    console.error(`bench: ${ETCD} not found. Install etcd with: bash scripts/ensure-etcd.sh`);
    process.exit(1);
  }
}

/** The chart bench drives the built server: build it when there is no build yet. */
function ensureBuild(): void {
  const root = path.resolve(__dirname, '..');
  if (existsSync(path.join(root, '.next', 'BUILD_ID'))) return;
  console.log('bench: no build yet, running next build ...');
  const r = spawnSync(path.join(root, 'node_modules', '.bin', 'next'), ['build'], { cwd: root, stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  if (r.status !== 0) process.exit(1);
}

function etcdVersion(): string {
  const out = spawnSync(ETCD, ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return /etcd Version: (\S+)/.exec(out)?.[1] ?? 'unknown';
}

/**
 * Followers first, then the leader, one at a time: a leader SIGTERMed while its peers stop
 * too waits on a leadership transfer until close() SIGKILLs it 5 s later.
 */
async function stopRing(ring: EtcdRing): Promise<void> {
  const leader = await ring.leaderName().catch(() => null);
  const order = [...ring.members.filter((m) => m.name !== leader), ...ring.members.filter((m) => m.name === leader)];
  for (const m of order) await ring.stop(m.name);
  await ring.close();
}

function summary(cost: PollCost | null, det: Detection | null): string[] {
  const within = (xs: number[]): string => `${xs.filter((x) => x <= TARGET_DETECT_MS).length}/${xs.length} within ${TARGET_DETECT_MS} ms`;
  const out: string[] = [];
  if (cost) {
    const cpu = cost.cpuFactor === null ? '' : `; CPU: ${cost.cpuFactor.toFixed(1)}x less`;
    out.push(`poll is ${cost.wallFactor.toFixed(1)}x cheaper than etcdctl (target >= ${TARGET_FACTOR}x) by median wall time${cpu}`);
  }
  if (det) {
    out.push(
      `member-down: median ${ms(median(det.downMs))}, ${within(det.downMs)} at a ${INTERVAL_MS} ms interval (target <= ${TARGET_DETECT_MS} ms)`,
      `new leader: median ${ms(median(det.leaderMs))}, ${within(det.leaderMs)}; etcd's own election took a median ${ms(median(det.electionMs))} of that`,
    );
  }
  return out;
}

async function main(): Promise<void> {
  await preflight();
  const only = (process.argv.find((a) => a.startsWith('--only='))?.slice(7) ?? 'a,b,c,d,e,f,g,h,i,j,k,l,m').split(',');
  const want = (k: string) => only.includes(k);
  // Loaded only now: they import lib/ code, which needs the condition checked above.
  const { measurePollCost } = await import('./poll-cost');
  const { measureDetection } = await import('./detection');
  const { measureHistoryLoad } = await import('./history-load');
  const { measureChartRender } = await import('./chart-render');
  const { measureSnapshot } = await import('./snapshot');
  const { measureTimeline } = await import('./timeline');
  const { measureFleetRender } = await import('./fleet-render');
  const { measureBackup } = await import('./backup');
  const { measureLogFollow } = await import('./log-follow');
  const { measureFirstPaint } = await import('./first-paint');
  const { measureKeyspace } = await import('./keyspace');
  const { measureFleetLoad } = await import('./fleet-load');
  const { measureSseFanout } = await import('./sse-fanout');
  const started = performance.now();
  console.log(`Ringside bench: etcd ${etcdVersion()} rings on 127.0.0.1, node ${process.version}, ${os.cpus().length} CPUs`);
  const rows: Row[] = [];
  const lines: string[] = [];
  const notes: string[] = [];

  if (want('a') || want('b')) {
    const ring = await EtcdRing.start({ size: 3 });
    try {
      let cost: PollCost | null = null;
      let det: Detection | null = null;
      if (want('a')) {
        console.log('(a) poll cost, 3 members ...');
        cost = await measurePollCost(ring, { polls: 200, warmups: 20, etcdctlRuns: 30 });
        rows.push(...cost.rows);
        notes.push(...cost.notes);
      }
      if (want('b')) {
        console.log('(b) detection latency (SIGKILL followers, then the leader) ...');
        det = await measureDetection(ring, { intervalMs: INTERVAL_MS, followerRuns: 5, leaderRuns: 3 });
        rows.push(...det.rows);
      }
      lines.push(...summary(cost, det));
    } finally {
      await stopRing(ring);
    }
  }

  if (want('c') || want('d')) {
    if (want('d')) ensureBuild();
    const ring = await EtcdRing.start({ size: 5 });
    try {
      if (want('c')) {
        console.log('(c) poller + history + alerts, 5 clusters x 5 members, one simulated hour ...');
        const load = await measureHistoryLoad(ring);
        rows.push(...load.rows);
        lines.push(...load.summary);
        notes.push(...load.notes);
      }
      if (want('d')) {
        console.log('(d) 24 h chart render in Chromium ...');
        const render = await measureChartRender(ring);
        rows.push(...render.rows);
        lines.push(...render.summary);
        notes.push(...render.notes);
      }
    } finally {
      await stopRing(ring);
    }
  }

  if (want('e')) {
    ensureBuild();
    const ring = await EtcdRing.start({ size: 3, extraFlags: ['--quota-backend-bytes=1073741824'] });
    try {
      console.log('(e) snapshot of a 110 MB db through Ringside vs etcdctl ...');
      const snap = await measureSnapshot(ring);
      rows.push(...snap.rows);
      lines.push(...snap.summary);
      notes.push(...snap.notes);
    } finally {
      await stopRing(ring);
    }
  }

  if (want('h')) {
    const ring = await EtcdRing.start({ size: 3, extraFlags: ['--quota-backend-bytes=1073741824'] });
    try {
      console.log('(h) backup of a 110 MB db to S3 (s3rver) vs etcdctl, and a restore drill ...');
      const b = await measureBackup(ring);
      rows.push(...b.rows);
      lines.push(...b.summary);
      notes.push(...b.notes);
    } finally {
      await stopRing(ring);
    }
  }

  if (want('k')) {
    // Room for the ~1 GB db, on every member; the default 2 GiB quota would also do, with little to spare after history.
    const ring = await EtcdRing.start({ size: 3, extraFlags: ['--quota-backend-bytes=4294967296'] });
    try {
      console.log('(k) keyspace breakdown: live scan, snapshot walk and write latency on a big Kubernetes-shaped keyspace ...');
      const k = await measureKeyspace(ring);
      rows.push(...k.rows);
      lines.push(...k.summary);
      notes.push(...k.notes);
    } finally {
      await stopRing(ring);
    }
  }

  if (want('f')) {
    console.log('(f) timeline queries over 100,000 stored events ...');
    const t = measureTimeline();
    rows.push(...t.rows);
    lines.push(...t.summary);
    notes.push(...t.notes);
  }

  if (want('g')) {
    ensureBuild();
    console.log('(g) overview and NOC screen with 20 real clusters ...');
    const f = await measureFleetRender();
    rows.push(...f.rows);
    lines.push(...f.summary);
    notes.push(...f.notes);
  }

  if (want('i')) {
    console.log('(i) starting to follow a 2 GB log file ...');
    const h = await measureLogFollow();
    rows.push(...h.rows);
    lines.push(...h.summary);
    notes.push(...h.notes);
  }

  if (want('j')) {
    console.log('(j) the cluster page: JavaScript and first paint, against the build before issue 13 ...');
    const j = await measureFirstPaint();
    rows.push(...j.rows);
    lines.push(...j.summary);
    notes.push(...j.notes);
  }

  if (want('l')) {
    console.log('(l) fleet scale: 200 clusters x 5 members (replayed) and 30 real rings in one process ...');
    const l = await measureFleetLoad();
    rows.push(...l.rows);
    lines.push(...l.summary);
    notes.push(...l.notes);
  }

  if (want('m')) {
    ensureBuild();
    const ring = await EtcdRing.start({ size: 3 });
    try {
      console.log('(m) 200 SSE viewers of one cluster ...');
      const m = await measureSseFanout(ring);
      rows.push(...m.rows);
      lines.push(...m.summary);
      notes.push(...m.notes);
    } finally {
      await stopRing(ring);
    }
  }

  console.log(`\n${renderTable(rows)}\n`);
  for (const line of lines) console.log(line);
  console.log('');
  for (const note of notes) console.log(`note: ${note}`);
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error('bench failed:', e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
