import 'server-only';

import type { ReadAt } from '../snapshot/bolt-status';
import { BoltTree } from '../snapshot/bolt-walk';
import { corrupt } from '../snapshot/bolt-status';
import { KeyspaceAggregator, type AggregatorOptions } from './aggregator';
import { KeyHistories } from './key-histories';
import { decodeKeyRecord, decodeLeaseRecord, mainRevision } from './mvcc';
import type { KeyspaceReport } from './types';

export interface SnapshotWalkOptions extends AggregatorOptions {
  /** What the report names as its source: a backup's ID or a file name, and where it came from. */
  source: { name: string; memberId: string | null; encrypted: boolean };
  /** When the snapshot was taken (ISO). */
  takenAt: string;
  /** Where key histories spill when there are more than `maxKeysInMemory` keys; null: fail instead. */
  workDir: string | null;
  /** Distinct keys held in memory before spilling (default 200,000: about 40 MB). */
  maxKeysInMemory?: number;
  signal?: AbortSignal;
  /** Bytes of pages read so far, of `totalBytes` (the db size), at most once per MiB. */
  onProgress?: (p: { bytes: number; totalBytes: number }) => void;
  now?: () => number;
}

const PROGRESS_STEP = 1 << 20;

/**
 * A keyspace report from an etcd snapshot or backup: zero load on the ring. Walks the bbolt
 * file through `readAt` (a plain file: openFileReadAt; an encrypted backup: encryptedReadAt),
 * one page at a time:
 * - bucket "meta": the finished (and any scheduled) compaction revision;
 * - bucket "key": every record (mvcc.ts decodes it), in revision order, folded per key by
 *   KeyHistories (bounded memory, spilling to `workDir` past `maxKeysInMemory` keys). A key
 *   whose last record is a put is live; a tombstone leaves its history only. Every record
 *   counts in `revisions`, so history is exact here (`revisionsExact: true`);
 * - bucket "lease": every lease and its granted TTL.
 * The report's revision is the newest record's, as `etcdctl snapshot status` gives it.
 */
export async function walkSnapshotKeyspace(readAt: ReadAt, opts: SnapshotWalkOptions): Promise<KeyspaceReport> {
  const now = opts.now ?? (() => performance.now());
  const started = now();
  const tree = await BoltTree.open(readAt);
  const buckets = await tree.buckets();
  const totalBytes = tree.totalSize;
  let bytes = 0;
  let reported = 0;
  const onPage = (n: number) => {
    opts.signal?.throwIfAborted();
    bytes += n;
    if (opts.onProgress && bytes - reported >= PROGRESS_STEP) {
      reported = bytes;
      opts.onProgress({ bytes, totalBytes });
    }
  };
  const walk = async (name: string, visit: (k: Buffer, v: Buffer) => void) => {
    const b = buckets.get(name);
    if (!b) throw corrupt(`it has no "${name}" bucket (is this an etcd v3 snapshot?)`);
    await tree.walk(b, (k, v, nested) => {
      if (nested) throw corrupt(`bucket "${name}" holds a nested bucket ${JSON.stringify(k.toString('utf8'))}`);
      visit(k, v);
    }, onPage);
  };

  let finished = 0;
  let scheduled = 0;
  await walk('meta', (k, v) => {
    const name = k.toString('latin1');
    if (name === 'finishedCompactRev') finished = mainRevision(v);
    else if (name === 'scheduledCompactRev') scheduled = mainRevision(v);
  });

  const agg = new KeyspaceAggregator(opts);
  const histories = new KeyHistories({ maxKeys: opts.maxKeysInMemory ?? 200_000, workDir: opts.workDir });
  let head = 0;
  try {
    await walk('key', (k, v) => {
      const r = decodeKeyRecord(k, v);
      head = r.main;
      histories.add(r);
    });
    await histories.finish((key, h) => {
      if (h.tombstone) agg.addDeleted({ key, revisions: h.revisions, historyBytes: h.historyBytes });
      else agg.addKey({ key, ...h });
    });
  } finally {
    histories.close();
  }
  // etcd creates the bucket at start (lease/lessor.go initAndRecover); a db without it holds no lease.
  if (buckets.has('lease')) await walk('lease', (k, v) => agg.addLease(decodeLeaseRecord(k, v)));
  opts.onProgress?.({ bytes, totalBytes });

  return agg.report({
    revision: head,
    source: { kind: 'snapshot', ...opts.source, dbSize: totalBytes },
    takenAt: opts.takenAt,
    durationMs: Math.round(now() - started),
    compaction: {
      compactRevision: finished,
      headRevision: head,
      behind: head - finished,
      scheduledRevision: scheduled > finished ? scheduled : null,
    },
    revisionsExact: true,
  });
}
