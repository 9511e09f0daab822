// (e) A snapshot of a 100+ MB database through Ringside (the download route: etcd's snapshot
// stream, trailer-verified on the way, out as HTTP) against `etcdctl snapshot save` from the same
// member in the same run, and the Ringside server's memory while it streams.
//
// Method: a real 3-member ring filled with ~110 MB (1,100 keys of 100 kB); the built Ringside
// watches it. Each round downloads from the same follower through Ringside (written to a file,
// as a browser would) and saves with etcdctl (which writes and fsyncs its file), alternating.
// The server's resident memory (its process and children, from /proc) is sampled every 20 ms.
// Then the db grows to three times the size and two more rounds show the memory stays flat.
import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import { hashToken } from '@/lib/auth/password';
import type { RingState } from '@/lib/ring/types';
import type { EtcdRing } from '../e2e/harness/ring';
import { RingsideServer } from '../e2e/support/ringside-server';
import { median, type Row } from './stats';

const ROUNDS = 5;
/** The flat-memory check: the same download from a db this many times larger. */
const LARGER = 3;
const LARGER_ROUNDS = 2;
const TOKEN = 'bench-token-0123456789abcdef0123456789abc';
const ETCDCTL = process.env.RINGSIDE_ETCDCTL_BIN || '/usr/bin/etcdctl';

/** Resident memory of a process and its descendants, in bytes. */
function treeRss(pid: number): number {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // gone
    }
  }
  let total = 0;
  const visit = (p: number) => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // gone
    }
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return total;
}

async function fill(ring: EtcdRing, bytes: number, prefix = 'snapshot'): Promise<void> {
  const client = new Etcd3({ hosts: ring.endpoints(), faultHandling: { host: () => noop, global: noop } });
  const value = Buffer.alloc(100_000, 'r');
  const keys = Math.ceil(bytes / value.length);
  for (let i = 0; i < keys; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, keys - i) }, (_, j) => client.put(`/bench/${prefix}/${i + j}`).value(value)));
  }
  client.close();
}

function etcdctlSave(endpoint: string, file: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) =>
    execFile(ETCDCTL, [`--endpoints=${endpoint}`, 'snapshot', 'save', file], { env: { ...process.env, ETCDCTL_API: '3' } }, (err) =>
      err ? reject(err) : resolve(performance.now() - started),
    ),
  );
}

async function ringsideDownload(server: RingsideServer, member: string, file: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${server.url}/api/clusters/b/snapshot`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ member }),
  });
  if (!res.ok || !res.body) throw new Error(`download answered ${res.status}: ${await res.text()}`);
  await pipeline(Readable.fromWeb(res.body as never), createWriteStream(file));
  return performance.now() - started;
}

export async function measureSnapshot(ring: EtcdRing): Promise<{ rows: Row[]; summary: string[]; notes: string[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-bench-snap-'));
  await fill(ring, 110e6);
  const server = await RingsideServer.start({
    clusters: [{ name: 'b', endpoints: [ring.members[0].clientURL], metrics: { enabled: false } }],
    dataDir: path.join(dir, 'data'),
    extraYaml: ['auth:', '  users:', `    - { name: bench, role: operator, tokenHash: "${hashToken(TOKEN)}" }`].join('\n'),
  });
  try {
    let state!: RingState;
    for (let i = 0; i < 50; i++) {
      state = (await server.json<RingState>('/api/clusters/b/ring')).body;
      if (state.members?.every((m) => m.reachable) && state.leader) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const follower = state.members.find((m) => !m.isLeader)!;
    const ringside: number[] = [];
    const etcdctl: number[] = [];
    let size = 0;
    let peak = 0;
    const idle = treeRss(server.pid);
    const sampler = setInterval(() => (peak = Math.max(peak, treeRss(server.pid))), 20);
    try {
      // One round of each first, not counted: Next loads a route's module on its first request,
      // and the first snapshot of a db reads it from disk into the page cache for both tools.
      const warm = path.join(dir, 'warm.db');
      await ringsideDownload(server, follower.id, warm);
      rmSync(warm);
      await etcdctlSave(follower.endpoint!, warm);
      rmSync(warm);
      for (let i = 0; i < ROUNDS; i++) {
        const a = path.join(dir, `ringside-${i}.db`);
        ringside.push(await ringsideDownload(server, follower.id, a));
        size = statSync(a).size;
        rmSync(a);
        const b = path.join(dir, `etcdctl-${i}.db`);
        etcdctl.push(await etcdctlSave(follower.endpoint!, b));
        rmSync(b);
      }
    } finally {
      clearInterval(sampler);
    }

    // Flat memory: the same download from a db LARGER times the size, on the same server.
    await fill(ring, (LARGER - 1) * 110e6, 'larger');
    const bigRingside: number[] = [];
    const bigEtcdctl: number[] = [];
    let bigSize = 0;
    let bigPeak = 0;
    const bigSampler = setInterval(() => (bigPeak = Math.max(bigPeak, treeRss(server.pid))), 20);
    try {
      for (let i = 0; i < LARGER_ROUNDS; i++) {
        const a = path.join(dir, `big-ringside-${i}.db`);
        bigRingside.push(await ringsideDownload(server, follower.id, a));
        bigSize = statSync(a).size;
        rmSync(a);
        const b = path.join(dir, `big-etcdctl-${i}.db`);
        bigEtcdctl.push(await etcdctlSave(follower.endpoint!, b));
        rmSync(b);
      }
    } finally {
      clearInterval(bigSampler);
    }
    const mib = (b: number) => b / 1048576;
    return {
      rows: [
        { measure: `snapshot download via Ringside (${(size / 1e6).toFixed(0)} MB), median of ${ROUNDS}`, value: median(ringside), baseline: 'etcdctl snapshot save, same member', baselineValue: median(etcdctl) },
        { measure: `snapshot download via Ringside, fastest of ${ROUNDS}`, value: Math.min(...ringside), baseline: 'etcdctl snapshot save, fastest', baselineValue: Math.min(...etcdctl) },
        { measure: 'Ringside server RSS, peak while streaming', value: mib(peak), baseline: 'the same server idle, just before', baselineValue: mib(idle), unit: 'MiB' },
        { measure: `snapshot download via Ringside (${(bigSize / 1e6).toFixed(0)} MB), median of ${LARGER_ROUNDS}`, value: median(bigRingside), baseline: 'etcdctl snapshot save, same member', baselineValue: median(bigEtcdctl) },
        { measure: `Ringside server RSS, peak streaming ${(bigSize / 1e6).toFixed(0)} MB`, value: mib(bigPeak), baseline: `peak streaming ${(size / 1e6).toFixed(0)} MB`, baselineValue: mib(peak), unit: 'MiB' },
      ],
      summary: [
        `snapshot of ${(size / 1e6).toFixed(0)} MB: Ringside ${(median(ringside) / 1000).toFixed(2)} s vs etcdctl ${(median(etcdctl) / 1000).toFixed(2)} s by median (${(median(ringside) / median(etcdctl)).toFixed(2)}x), fastest ${(Math.min(...ringside) / 1000).toFixed(2)} s vs ${(Math.min(...etcdctl) / 1000).toFixed(2)} s (${(Math.min(...ringside) / Math.min(...etcdctl)).toFixed(2)}x); server memory +${mib(peak - idle).toFixed(1)} MiB at peak for a ${mib(size).toFixed(0)} MiB file (streamed, never buffered)`,
        `flat memory: from a ${(bigSize / 1e6).toFixed(0)} MB db (${(bigSize / size).toFixed(1)}x) Ringside ${(median(bigRingside) / 1000).toFixed(2)} s vs etcdctl ${(median(bigEtcdctl) / 1000).toFixed(2)} s (${(median(bigRingside) / median(bigEtcdctl)).toFixed(2)}x), server memory at peak +${mib(bigPeak - idle).toFixed(1)} MiB above the idle server, against +${mib(peak - idle).toFixed(1)} MiB for the smaller one`,
      ],
      notes: [`snapshot rounds (ms), after one uncounted round of each: Ringside ${ringside.map((x) => x.toFixed(0)).join(', ')}; etcdctl ${etcdctl.map((x) => x.toFixed(0)).join(', ')}`],
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
