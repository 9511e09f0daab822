import 'server-only';

import { describeError } from '../etcd/client';
import type { RangePage, RangePageRequest } from '../etcd/types';
import { RingsideError } from '../errors';
import { isAlarmError } from '../ring/derive';
import { suspectsOf, type HashCheck } from '../ring/hashkv';
import type { MemberState, RingState } from '../ring/types';
import { isHealthyVoter } from '../ops/preflight';
import { KeyspaceAggregator, type AggregatorOptions } from './aggregator';
import { realClock, type Clock } from './clock';
import type { KeyspaceReport } from './types';

/** What a live scan asks of one member; MemberClient (lib/etcd/client.ts) is one. */
export interface KeyspaceReader {
  rangePage(req: RangePageRequest, timeoutMs: number): Promise<RangePage>;
  leaseIds(timeoutMs: number): Promise<string[]>;
  leaseTimeToLive(hexId: string, timeoutMs: number): Promise<{ ttl: number; grantedTtl: number } | null>;
}

export interface LiveScanOptions extends AggregatorOptions {
  member: { id: string; name: string };
  /** Range requests per second at most, keys-only and value pages alike (default 20). Lease lookups are paced the same way. */
  pagesPerSecond?: number;
  /** Aim for pages of about this many bytes of keys and values (default 1 MiB). */
  pageBytes?: number;
  /** Keys per value page at most (default 10,000). */
  maxPageKeys?: number;
  /** Deadline of each call (default 10 s). */
  timeoutMs?: number;
  /** Leases whose granted TTL is looked up one by one, at most (default 2,000); the rest are counted. */
  maxTtlLookups?: number;
  signal?: AbortSignal;
  clock?: Clock;
  onProgress?: (p: { keys: number; total: number; pages: number }) => void;
}

const ALL = Buffer.from([0]);
const FIRST_LIMIT = 256;
/** Keys-only replies of about 2 MiB (a key's revisions and lease add about 24 bytes to it on the wire). */
const CHUNK_BYTES = 2 << 20;
const KEY_REPLY_OVERHEAD = 24;
const MAX_CHUNK_KEYS = 50_000;
// gRPC's default cap on a reply the client accepts is 4 MiB; a page that would exceed it fails
// with RESOURCE_EXHAUSTED and is asked again with fewer keys.
const TOO_LARGE = /RESOURCE_EXHAUSTED|larger than max/i;

/**
 * A keyspace report read live from one member: every key at ONE revision, page by page.
 *
 * Why these reads:
 * - Serializable: the member answers from its own store; no read index round trip to the
 *   leader. Run it on a healthy follower (scanSource below), never on the leader of a ring
 *   with more than one member: every write goes through the leader, and a scan keeps its
 *   member busy (bench (i) measures what it adds to writes).
 * - One fixed revision r (the first page's): every later page asks for r, so the report is
 *   one consistent cut, as a snapshot is. If the ring compacts past r mid-scan, etcd answers
 *   "required revision has been compacted" and the scan stops (CONFLICT: run it again).
 * - Two passes, chunk by chunk. etcd answers a range by first visiting, in its in-memory index,
 *   every key from the range's start to its END, whatever the limit (v3.4.23 mvcc/index.go
 *   Revisions collects them all, kvstore_txn.go rangeKeys applies the limit after; 3.5 still
 *   visits them to count): paging through the whole keyspace costs each page a visit of every
 *   key left, quadratic in the key count (etcd-io/etcd#11057: 5 minutes for 2M keys). So the
 *   walk through the keyspace asks for keys only, in replies of about 2 MiB (tens of thousands
 *   of keys), and each such chunk's values are then read in pages whose range ends at the
 *   chunk's last key, so etcd visits only that chunk. Values are needed because a keys-only
 *   range returns no value sizes, and etcd has no range that returns sizes alone; the keys cross
 *   the wire twice, the values once. Value pages are sized by bytes (pageBytes, about 1 MiB:
 *   the limit adapts to the values' sizes, and shrinks when a reply passes gRPC's 4 MiB), and
 *   every request is paced by pagesPerSecond, which bounds both the requests and the bytes a
 *   second the member serves.
 * - History (revisions, historyBytes) cannot be read without replaying it, so per key it is
 *   estimated from its version and the compaction (heldRevisionsEstimate): an upper bound,
 *   marked `revisionsExact: false`. The compacted revision itself is found by a binary search
 *   of count-only reads of one key (etcd answers ErrCompacted below it): about 30 tiny reads.
 * - Leases: LeaseLeases lists them (served by this member). The keys attached to each are
 *   counted from the scan itself, at r, rather than with LeaseTimeToLive(keys: true), which
 *   would send every key name again (an events lease holds thousands) and at the newest
 *   revision instead of r. LeaseTimeToLive (keys: false) gives each lease's granted TTL; the
 *   member forwards it to the leader, so lookups are paced like pages and capped (maxTtlLookups).
 *
 * Memory: one reply (keys-only or a page) and the aggregator's bounded state, whatever the key
 * count. Cancel with `signal` (checked before every request; the pause between them ends at once).
 */
export async function scanLive(reader: KeyspaceReader, opts: LiveScanOptions): Promise<KeyspaceReport> {
  const clock = opts.clock ?? realClock;
  const pace = pacer(clock, opts.pagesPerSecond ?? 20, opts.signal);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const pageBytes = opts.pageBytes ?? 1 << 20;
  const maxPageKeys = opts.maxPageKeys ?? 10_000;
  const agg = new KeyspaceAggregator(opts);
  const startedAt = clock.now();
  const call = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      throw scanError(e, opts.member, what);
    }
  };

  let revision = 0;
  let pages = 0;
  let seen = 0;
  let total = 0;
  let chunkLimit = FIRST_LIMIT;
  let valueLimit = FIRST_LIMIT;
  // One range request, paced; asked again with fewer keys when its reply passes gRPC's cap.
  const fetch = async (req: Omit<RangePageRequest, 'limit' | 'revision'>, limit: number): Promise<{ page: RangePage; limit: number }> => {
    for (;;) {
      await pace();
      try {
        const page = await reader.rangePage({ ...req, revision, limit }, timeoutMs);
        pages++;
        return { page, limit };
      } catch (e) {
        if (TOO_LARGE.test(errorText(e)) && limit > 1) {
          limit = Math.max(1, Math.floor(limit / 4));
          continue;
        }
        const from = req.key.equals(ALL) ? 'the first key' : `key ${JSON.stringify(req.key.toString('utf8').slice(0, 80))}`;
        throw scanError(e, opts.member, `${req.keysOnly ? 'keys' : 'values'} from ${from}`);
      }
    }
  };

  /**
   * The next chunk of the walk through the keyspace, keys only: a reply holds many keys, so few
   * requests pay for etcd's visit of every key from here to the end. Only its bounds are kept.
   */
  const nextChunk = async (from: Buffer) => {
    const { page, limit } = await fetch({ key: from, rangeEnd: ALL, keysOnly: true }, chunkLimit);
    if (revision === 0) {
      revision = page.revision;
      total = page.count;
    }
    const n = page.kvs.length;
    if (n === 0) return null;
    const replyBytes = page.kvs.reduce((sum, kv) => sum + kv.key.length + KEY_REPLY_OVERHEAD, 0);
    chunkLimit = Math.max(1, Math.min(MAX_CHUNK_KEYS, Math.floor((CHUNK_BYTES * Math.min(limit, n)) / replyBytes)));
    return { first: page.kvs[0].key, end: Buffer.concat([page.kvs[n - 1].key, ALL]), more: page.more };
  };

  let chunk = await nextChunk(ALL);
  // The first reply fixed the revision; the compaction is looked up once, against it.
  const compactRevision = await call('the compacted revision', () => findCompactRevision(reader, revision, timeoutMs, opts.signal));
  while (chunk) {
    // The chunk's values, in pages of about pageBytes: ranges that end at the chunk's last key.
    for (let key = chunk.first; ; ) {
      const { page } = await fetch({ key, rangeEnd: chunk.end }, valueLimit);
      let bytes = 0;
      for (const kv of page.kvs) {
        const revisions = heldRevisionsEstimate(kv, compactRevision);
        agg.addKey({ ...kv, revisions, historyBytes: revisions * (kv.key.length + kv.valueSize) });
        bytes += kv.key.length + kv.valueSize;
      }
      seen += page.kvs.length;
      opts.onProgress?.({ keys: seen, total, pages });
      if (!page.more || page.kvs.length === 0) break;
      key = Buffer.concat([page.kvs[page.kvs.length - 1].key, ALL]);
      valueLimit = Math.max(1, Math.min(maxPageKeys, Math.floor(pageBytes / Math.max(bytes / page.kvs.length, 1))));
    }
    chunk = chunk.more ? await nextChunk(chunk.end) : null;
  }

  const ids = await call('the lease list', () => reader.leaseIds(timeoutMs));
  const lookups = opts.maxTtlLookups ?? 2000;
  for (const [i, id] of ids.entries()) {
    if (i >= lookups) {
      agg.addLease({ id, ttl: null });
      continue;
    }
    await pace();
    const ttl = await call(`lease ${id}`, () => reader.leaseTimeToLive(id, timeoutMs));
    // Expired since the list was read: it no longer counts.
    if (ttl) agg.addLease({ id, ttl: ttl.grantedTtl });
  }

  return agg.report({
    revision,
    source: { kind: 'live', memberId: opts.member.id, memberName: opts.member.name, pages },
    takenAt: new Date(startedAt).toISOString(),
    durationMs: clock.now() - startedAt,
    compaction: { compactRevision, headRevision: revision, behind: revision - compactRevision, scheduledRevision: null },
    revisionsExact: false,
  });
}

/**
 * How many revisions of a key etcd holds, from what a range returns: every put of its current
 * generation since the compaction, plus the one record the compaction kept. An upper bound:
 * earlier generations (a delete and a re-create since) are not visible.
 */
export function heldRevisionsEstimate(kv: { createRevision: number; modRevision: number; version: number }, compactRevision: number): number {
  if (kv.modRevision <= compactRevision) return 1;
  if (kv.createRevision > compactRevision) return kv.version;
  return Math.min(kv.version, kv.modRevision - compactRevision + 1);
}

/**
 * The revision the ring has compacted to (0: never): etcd refuses a read below it with
 * ErrCompacted and serves one at or above it, so binary search over [1, head] with count-only
 * reads of one key (too light to pace). A compaction at revision 1 removes nothing and reads as 0.
 */
async function findCompactRevision(reader: KeyspaceReader, head: number, timeoutMs: number, signal?: AbortSignal): Promise<number> {
  let lo = 1; // lowest revision that may be readable
  let hi = head; // readable: the scan just read it
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    signal?.throwIfAborted();
    try {
      await reader.rangePage({ key: ALL, rangeEnd: Buffer.alloc(0), revision: mid, limit: 1, countOnly: true }, timeoutMs);
      hi = mid;
    } catch (e) {
      if (!/has been compacted/.test(errorText(e))) throw e;
      lo = mid + 1;
    }
  }
  return lo === 1 ? 0 : lo;
}

/**
 * The member a live scan reads from: a healthy follower (the one furthest along), never a
 * member HashKV found different; the leader only when it is the ring's only voter. An alarm
 * (NOSPACE) is no reason to skip a member: reads still work, and that is when a scan matters.
 */
export function scanSource(ring: RingState, hash: HashCheck | null = null): { member: MemberState; reason: null } | { member: null; reason: string } {
  const suspects = new Set(suspectsOf(hash).map((s) => s.id));
  const usable = (m: MemberState) => m.reachable && m.endpoint !== null && !m.isLearner && !suspects.has(m.id) && m.errors.every(isAlarmError);
  const follower = ring.members
    .filter((m) => usable(m) && !m.isLeader && isHealthyVoter(ring, m))
    .sort((a, b) => (b.raftAppliedIndex ?? 0) - (a.raftAppliedIndex ?? 0))[0];
  if (follower) return { member: follower, reason: null };
  const voters = ring.members.filter((m) => !m.isLearner);
  const leader = ring.members.find((m) => m.isLeader);
  if (voters.length === 1 && leader && usable(leader)) return { member: leader, reason: null };
  return {
    member: null,
    reason: `no healthy follower to scan from (${ring.summary}); a scan never reads from the leader of a ring with more than one member`,
  };
}

/** Spaces calls at least 1/perSecond apart; the wait ends early with an abort. */
function pacer(clock: Clock, perSecond: number, signal?: AbortSignal): () => Promise<void> {
  if (!(perSecond > 0)) throw new RingsideError('INVALID', `pagesPerSecond: expected a number above 0, got ${perSecond}`, 'pagesPerSecond');
  const gap = 1000 / perSecond;
  let next = -Infinity;
  return async () => {
    signal?.throwIfAborted();
    const wait = next - clock.now();
    if (wait > 0) await clock.sleep(wait, signal);
    next = Math.max(clock.now(), next) + gap;
  };
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function scanError(e: unknown, member: { id: string; name: string }, what: string): Error {
  if (e instanceof Error && e.name === 'AbortError') return e;
  const who = `${member.name || member.id} (${member.id})`;
  if (/has been compacted/.test(errorText(e))) {
    return new RingsideError('CONFLICT', `the ring compacted past the scan's revision while ${who} was scanned (reading ${what}); run the scan again`);
  }
  const d = describeError(e);
  return new RingsideError(d.code === 'TIMEOUT' ? 'TIMEOUT' : 'UNAVAILABLE', `keyspace scan of ${who} failed reading ${what}: ${d.error}`);
}
