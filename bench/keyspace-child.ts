// One keyspace source in a process of its own, for bench (i), so the peak resident memory it
// reports is the source's alone (plus Node's own, measured by `idle`):
//
//   tsx --conditions=react-server bench/keyspace-child.ts '{"mode":"live","endpoint":"http://127.0.0.1:2379","member":{"id":"..","name":".."},"pagesPerSecond":20}'
//   tsx --conditions=react-server bench/keyspace-child.ts '{"mode":"walk","file":"snap.db","workDir":"/tmp/x"}'
//   tsx --conditions=react-server bench/keyspace-child.ts '{"mode":"idle"}'
//
// Prints one JSON line: how long it took, the peak RSS (getrusage), and what it found. With
// "sampleGc": true (run under --expose-gc) it also collects garbage every 20 pages (live) or
// 32 MiB (walk) and reports the most memory still held after a collection: what the source
// really keeps, which peak RSS hides behind garbage not collected yet.
import { scanLive } from '@/lib/capacity/live-scan';
import { walkSnapshotKeyspace } from '@/lib/capacity/snapshot-walk';
import type { KeyspaceReport } from '@/lib/capacity/types';
import { MemberClient } from '@/lib/etcd/client';
import { openFileReadAt } from '@/lib/snapshot/bolt-walk';

export type Job = { sampleGc?: boolean } & (
  | { mode: 'live'; endpoint: string; member: { id: string; name: string }; pagesPerSecond: number; pageBytes?: number }
  | { mode: 'walk'; file: string; workDir: string }
  | { mode: 'idle' }
);

let heldMax = 0;
/** Memory held after a full collection: the JS heap plus Buffers and other memory outside it. */
function sampleHeld(): void {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  heldMax = Math.max(heldMax, m.heapUsed + m.external);
}

async function run(job: Job): Promise<KeyspaceReport | null> {
  if (job.mode === 'live') {
    const client = new MemberClient(job.endpoint, undefined, 30_000);
    try {
      const onProgress = job.sampleGc ? (p: { pages: number }) => p.pages % 20 === 0 && sampleHeld() : undefined;
      return await scanLive(client, { member: job.member, pagesPerSecond: job.pagesPerSecond, pageBytes: job.pageBytes, timeoutMs: 30_000, onProgress });
    } finally {
      client.close();
    }
  }
  if (job.mode === 'walk') {
    const reader = await openFileReadAt(job.file);
    try {
      let next = 0;
      const onProgress = job.sampleGc
        ? (p: { bytes: number }) => {
            if (p.bytes < next) return;
            next = p.bytes + 32 * 1024 * 1024;
            sampleHeld();
          }
        : undefined;
      return await walkSnapshotKeyspace(reader.readAt, { source: { name: job.file, memberId: null, encrypted: false }, takenAt: new Date().toISOString(), workDir: job.workDir, onProgress });
    } finally {
      await reader.close();
    }
  }
  return null;
}

(async () => {
  const job = JSON.parse(process.argv[2]) as Job;
  const started = performance.now();
  const r = await run(job);
  const ms = performance.now() - started;
  if (job.sampleGc) sampleHeld();
  const out = {
    ms,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    heldMaxBytes: heldMax,
    ...(r && {
      totalKeys: r.totalKeys,
      totalBytes: r.totalBytes,
      revision: r.revision,
      top: r.prefixes[0]?.prefix,
      topRevisions: r.topKeys.byRevisions[0]?.key,
      pages: r.source.kind === 'live' ? r.source.pages : null,
      dbSize: r.source.kind === 'snapshot' ? r.source.dbSize : null,
    }),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
})().catch((e: unknown) => {
  process.stderr.write(`keyspace child: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
