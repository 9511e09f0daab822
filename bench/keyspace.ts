// (k) The keyspace breakdown of issue 17 on a big Kubernetes-shaped keyspace (e2e/support/keyspace.ts;
// 1,000,000 keys by default, a db of about 1 GB; RINGSIDE_BENCH_KEYSPACE_KEYS sets another size):
//   - the live scan from a follower (values included, unpaced) against `etcdctl get "" --prefix
//     --keys-only | wc -l` on the same member: time, and peak memory of each process (and, in a
//     second run that collects garbage every 20 pages, what the scan really holds);
//   - the snapshot walk's MB/s against `etcdctl snapshot status` of the same file (which walks
//     every page too) and a plain sequential read of it; its peak memory;
//   - the latency of a write every 50 ms to the leader, alone and while a scan runs (unpaced,
//     and at the default 20 pages a second of about 1 MiB).
//
// Method: the keyspace is written by a child process; each source runs in a child of its own
// (bench/keyspace-child.ts) so its peak RSS (getrusage) is its own, next to the same child
// doing nothing (Node and the modules loaded). etcdctl's peak RSS is its VmHWM, sampled from
// /proc every 20 ms while it runs. One round each: at this size a round takes minutes.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readSync, closeSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import type { EtcdRing } from '../e2e/harness/ring';
import { backupSource } from '../e2e/support/backups';
import type { Job } from './keyspace-child';
import { median, ms, quantile, sleep, type Row } from './stats';

const ROOT = path.resolve(__dirname, '..');
const ETCDCTL = process.env.RINGSIDE_ETCDCTL_BIN || '/usr/bin/etcdctl';
const MIB = 1024 * 1024;
const WRITE_EVERY_MS = 50;

interface ChildResult {
  ms: number;
  maxRssBytes: number;
  /** With sampleGc: the most memory held after a garbage collection. */
  heldMaxBytes: number;
  totalKeys?: number;
  totalBytes?: number;
  revision?: number;
  top?: string;
  topRevisions?: string;
  pages?: number | null;
  dbSize?: number | null;
}

/** Runs a node child under tsx with React's server condition; resolves with its last stdout line. */
function nodeChild(args: string[], nodeFlags: string[] = []): { pid: number; done: Promise<string>; stop(): void } {
  const child = spawn(process.execPath, [...nodeFlags, '--conditions=react-server', '--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const done = new Promise<string>((resolve, reject) =>
    child.on('exit', (code, sig) => (code === 0 ? resolve(out.trim().split('\n').at(-1) ?? '') : reject(new Error(`${args[0]} exited with ${sig ?? code}`)))),
  );
  return { pid: child.pid!, done, stop: () => child.kill('SIGTERM') };
}

const sourceChild = (job: Job) => nodeChild(['bench/keyspace-child.ts', JSON.stringify(job)], job.sampleGc ? ['--expose-gc'] : []);
const result = async (c: { done: Promise<string> }) => JSON.parse(await c.done) as ChildResult;

/** etcdctl's peak resident memory (VmHWM), sampled while it runs, and its output's line count (what wc -l prints). */
function etcdctlMeasured(args: string[]): Promise<{ ms: number; peakBytes: number; lines: number }> {
  const started = performance.now();
  const child = spawn(ETCDCTL, args, { env: { ...process.env, ETCDCTL_API: '3' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  let lines = 0;
  let peak = 0;
  child.stdout!.on('data', (c: Buffer) => {
    for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) lines++;
  });
  const sample = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      // exited between samples
    }
  };
  const timer = setInterval(sample, 20);
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`etcdctl ${args.join(' ')} exited ${code}: ${stderr.trim().split('\n').at(-1)}`));
      else resolve({ ms: performance.now() - started, peakBytes: peak, lines });
    }),
  );
}

/** A put every 50 ms to the leader, like a controller renewing its lease; each put's latency. */
function writeLoad(endpoint: string): { stop(): Promise<number[]>; mark(): number } {
  const client = new Etcd3({ hosts: [endpoint], faultHandling: { host: () => noop, global: noop } });
  const lat: number[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const t0 = performance.now();
      await client.put(`/bench/load/${i % 16}`).value(`renew-${i}`);
      const took = performance.now() - t0;
      lat.push(took);
      await sleep(Math.max(0, WRITE_EVERY_MS - took));
    }
  })();
  return {
    mark: () => lat.length,
    stop: async () => {
      running = false;
      await loop;
      client.close();
      return lat;
    },
  };
}

function sequentialReadMs(file: string): number {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(MIB);
  const t0 = performance.now();
  while (readSync(fd, buf, 0, buf.length, null) > 0);
  closeSync(fd);
  return performance.now() - t0;
}

export async function measureKeyspace(ring: EtcdRing): Promise<{ rows: Row[]; summary: string[]; notes: string[] }> {
  const keys = Number(process.env.RINGSIDE_BENCH_KEYSPACE_KEYS ?? 1_000_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-bench-keyspace-'));
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    const genStarted = performance.now();
    const manifest = JSON.parse(await nodeChild(['e2e/support/keyspace.ts', JSON.stringify({ endpoints: ring.endpoints(), keys })]).done) as { rewrittenKey: string };
    const genMs = performance.now() - genStarted;
    const follower = await backupSource(ring, { follower: true });
    const leader = await backupSource(ring, { follower: false });

    const ctl = await etcdctlMeasured([`--endpoints=${follower.endpoint}`, '--command-timeout=120s', 'get', '', '--prefix', '--keys-only']);
    const idle = await result(sourceChild({ mode: 'idle', sampleGc: true }));
    const member = { id: follower.id, name: follower.name };
    const live = await result(sourceChild({ mode: 'live', endpoint: follower.endpoint, member, pagesPerSecond: 1000 }));
    const liveHeld = await result(sourceChild({ mode: 'live', endpoint: follower.endpoint, member, pagesPerSecond: 1000, sampleGc: true }));
    rows.push(
      { measure: `live scan of ${live.totalKeys!.toLocaleString('en-US')} keys from a follower, values included, unpaced`, value: live.ms, baseline: 'etcdctl get "" --prefix --keys-only | wc -l', baselineValue: ctl.ms },
      { measure: 'live scan: peak RSS of its process', value: live.maxRssBytes / MIB, baseline: "etcdctl's peak RSS (VmHWM)", baselineValue: ctl.peakBytes / MIB, unit: 'MiB' },
      { measure: 'live scan: peak RSS above Node idle', value: (live.maxRssBytes - idle.maxRssBytes) / MIB, baseline: 'Node idle, same modules loaded', baselineValue: idle.maxRssBytes / MIB, unit: 'MiB' },
      { measure: 'live scan: most memory held after a GC (every 20 pages)', value: liveHeld.heldMaxBytes / MIB, baseline: 'the same, Node idle', baselineValue: idle.heldMaxBytes / MIB, unit: 'MiB' },
    );

    const file = path.join(dir, 'snap.db');
    const save = await etcdctlMeasured([`--endpoints=${follower.endpoint}`, '--command-timeout=300s', 'snapshot', 'save', file]);
    const fileBytes = statSync(file).size;
    const status = await etcdctlMeasured(['snapshot', 'status', file, '-w', 'json']);
    const readMs = sequentialReadMs(file);
    const walk = await result(sourceChild({ mode: 'walk', file, workDir: dir }));
    const walkHeld = await result(sourceChild({ mode: 'walk', file, workDir: dir, sampleGc: true }));
    const db = walk.dbSize!;
    const mbps = (bytes: number, t: number) => bytes / 1e6 / (t / 1000);
    rows.push(
      { measure: `snapshot walk of a ${(db / 1e6).toFixed(0)} MB db (every revision, spilled past 200,000 keys)`, value: mbps(db, walk.ms), baseline: 'etcdctl snapshot status, same file', baselineValue: mbps(db, status.ms), unit: 'MB/s' },
      { measure: 'snapshot walk', value: mbps(db, walk.ms), baseline: 'sequential read of the file (page cache)', baselineValue: mbps(fileBytes, readMs), unit: 'MB/s' },
      { measure: 'snapshot walk: peak RSS above Node idle', value: (walk.maxRssBytes - idle.maxRssBytes) / MIB, baseline: "etcdctl snapshot status's peak RSS", baselineValue: status.peakBytes / MIB, unit: 'MiB' },
      { measure: 'snapshot walk: most memory held after a GC (every 32 MiB)', value: walkHeld.heldMaxBytes / MIB, baseline: 'the same, Node idle', baselineValue: idle.heldMaxBytes / MIB, unit: 'MiB' },
    );

    // Writes every 50 ms to the leader: alone, during an unpaced scan, during a default one.
    const load = writeLoad(leader.endpoint);
    await sleep(10_000);
    const aloneEnd = load.mark();
    const unpacedResult = await result(sourceChild({ mode: 'live', endpoint: follower.endpoint, member, pagesPerSecond: 1000 }));
    const unpacedEnd = load.mark();
    const paced = sourceChild({ mode: 'live', endpoint: follower.endpoint, member, pagesPerSecond: 20 });
    const pacedStarted = performance.now();
    const pacedFor = await Promise.race([paced.done.then(() => 'done'), sleep(30_000).then(() => 'stopped')]);
    const pacedMs = performance.now() - pacedStarted;
    if (pacedFor === 'stopped') {
      paced.stop();
      await paced.done.catch(() => undefined);
    }
    const lat = await load.stop();
    const alone = lat.slice(0, aloneEnd);
    const duringUnpaced = lat.slice(aloneEnd, unpacedEnd);
    const duringPaced = lat.slice(unpacedEnd);
    const p99 = (xs: number[]) => quantile(xs, 0.99);
    rows.push(
      { measure: 'write every 50 ms, p50, during an unpaced scan', value: median(duringUnpaced), baseline: 'the same writes alone', baselineValue: median(alone) },
      { measure: 'write every 50 ms, p99, during an unpaced scan', value: p99(duringUnpaced), baseline: 'the same writes alone', baselineValue: p99(alone) },
      { measure: 'write every 50 ms, p50, during a default scan (20 pages/s)', value: median(duringPaced), baseline: 'the same writes alone', baselineValue: median(alone) },
      { measure: 'write every 50 ms, p99, during a default scan (20 pages/s)', value: p99(duringPaced), baseline: 'the same writes alone', baselineValue: p99(alone) },
    );

    const summary = [
      `keyspace: ${live.totalKeys!.toLocaleString('en-US')} keys, ${(live.totalBytes! / 1e6).toFixed(0)} MB of keys and values, a ${(db / 1e6).toFixed(0)} MB db (asked for ${keys.toLocaleString('en-US')}; written in ${(genMs / 1000).toFixed(0)} s by a child)`,
      `live scan: ${ms(live.ms)} in ${live.pages} requests (keys-only chunks of about 2 MiB, value pages of about 1 MiB), ${(live.ms / ctl.ms).toFixed(1)}x the time of etcdctl's keys-only get (${ctl.lines.toLocaleString('en-US')} lines), which sends no values: the scan moves ${(live.totalBytes! / 1e6).toFixed(0)} MB; at the default 20 requests/s it takes at least ${((live.pages ?? 0) / 20).toFixed(0)} s; held after a GC at most ${(liveHeld.heldMaxBytes / MIB).toFixed(0)} MiB (idle ${(idle.heldMaxBytes / MIB).toFixed(0)} MiB)`,
      `snapshot walk: ${mbps(db, walk.ms).toFixed(0)} MB/s (${ms(walk.ms)}), etcdctl snapshot status ${mbps(db, status.ms).toFixed(0)} MB/s; etcdctl snapshot save took ${ms(save.ms)}; held after a GC at most ${(walkHeld.heldMaxBytes / MIB).toFixed(0)} MiB`,
      `writes every 50 ms (p50/p99): alone ${ms(median(alone))}/${ms(p99(alone))}, during an unpaced scan ${ms(median(duringUnpaced))}/${ms(p99(duringUnpaced))} (${duringUnpaced.length} writes), during a default scan ${ms(median(duringPaced))}/${ms(p99(duringPaced))} (${duringPaced.length} writes${pacedFor === 'stopped' ? ', its first 30 s' : `; the scan took ${ms(pacedMs)}`})`,
      `both sources agree: ${live.totalKeys === walk.totalKeys && live.totalBytes === walk.totalBytes ? 'yes' : `NO (live ${live.totalKeys} keys, walk ${walk.totalKeys})`}; largest prefix ${walk.top}; most revisions ${walk.topRevisions}${walk.topRevisions === manifest.rewrittenKey ? ' (the rewritten key)' : ''}`,
    ];
    notes.push(
      'keyspace (k): the live scan reads values (etcd has no value-size-only range), so it moves far more bytes than a keys-only etcdctl get; the comparison shows that price',
      `keyspace (k): the unpaced scans ran at up to 1000 pages/s; the unpaced scan during the write load read revision ${unpacedResult.revision}`,
    );
    return { rows, summary, notes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
