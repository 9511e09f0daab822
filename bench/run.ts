// `npm run bench`: measurements of Ringside's poller on a real 3-member etcd ring, each
// next to a baseline measured in the same run. It reports; it never passes or fails.
//
//   (a) bench/poll-cost.ts  one poll over warm clients vs `etcdctl endpoint status --cluster`
//   (b) bench/detection.ts  SIGKILL -> member-down / leader-changed latency vs the poll interval
//
// lib/ modules start with `import 'server-only'`, which only loads under React's server
// condition: run as `tsx --conditions=react-server bench/run.ts`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { EtcdRing } from '../e2e/harness/ring';
import type { Detection } from './detection';
import type { PollCost } from './poll-cost';
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

function summary(cost: PollCost, det: Detection): string[] {
  const cpu = cost.cpuFactor === null ? '' : `; CPU: ${cost.cpuFactor.toFixed(1)}x less`;
  const within = (xs: number[]): string => `${xs.filter((x) => x <= TARGET_DETECT_MS).length}/${xs.length} within ${TARGET_DETECT_MS} ms`;
  return [
    `poll is ${cost.wallFactor.toFixed(1)}x cheaper than etcdctl (target >= ${TARGET_FACTOR}x) by median wall time${cpu}`,
    `member-down: median ${ms(median(det.downMs))}, ${within(det.downMs)} at a ${INTERVAL_MS} ms interval (target <= ${TARGET_DETECT_MS} ms)`,
    `new leader: median ${ms(median(det.leaderMs))}, ${within(det.leaderMs)}; etcd's own election took a median ${ms(median(det.electionMs))} of that`,
  ];
}

async function main(): Promise<void> {
  await preflight();
  // Loaded only now: they import lib/ code, which needs the condition checked above.
  const { measurePollCost } = await import('./poll-cost');
  const { measureDetection } = await import('./detection');
  const started = performance.now();
  console.log(`Ringside bench: 3-member etcd ${etcdVersion()} ring on 127.0.0.1, node ${process.version}, ${os.cpus().length} CPUs`);
  const ring = await EtcdRing.start({ size: 3 });
  let cost: PollCost;
  let det: Detection;
  try {
    console.log('(a) poll cost ...');
    cost = await measurePollCost(ring, { polls: 200, warmups: 20, etcdctlRuns: 30 });
    console.log('(b) detection latency (SIGKILL followers, then the leader) ...');
    det = await measureDetection(ring, { intervalMs: INTERVAL_MS, followerRuns: 5, leaderRuns: 3 });
  } finally {
    await stopRing(ring);
  }
  console.log(`\n${renderTable([...cost.rows, ...det.rows])}\n`);
  for (const line of summary(cost, det)) console.log(line);
  console.log('');
  for (const note of cost.notes) console.log(`note: ${note}`);
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error('bench failed:', e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
