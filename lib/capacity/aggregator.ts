import { classifyKey, DEFAULT_LAYOUT, type PrefixClass, type PrefixLayout } from './prefix';
import { TopN } from './top-n';
import type { CompactionState, KeyspaceReport, KeyspaceSource, LeaseUsage, PrefixUsage, TopKey, TopLease } from './types';

/** A live key at the report's revision, as a source hands it over. */
export interface KeyEntry {
  key: Buffer;
  valueSize: number;
  createRevision: number;
  modRevision: number;
  version: number;
  /** Lease ID as etcdctl prints it (16 hex digits); "0" for none. */
  lease: string;
  /** Revisions of this key held since the last compaction, this one included (at least 1). */
  revisions: number;
  /** Bytes of those revisions: key plus value of each. */
  historyBytes: number;
}

/** A key deleted since the last compaction: only its history is left (a snapshot sees it, a live scan cannot). */
export interface DeletedKeyEntry {
  key: Buffer;
  /** Its revisions held, the deletion (tombstone) included. */
  revisions: number;
  historyBytes: number;
}

/** A lease from the lease list. */
export interface LeaseEntry {
  /** As etcdctl prints it: 16 hex digits. */
  id: string;
  /** Granted TTL, seconds; null when not looked up. */
  ttl: number | null;
}

export interface AggregatorOptions {
  /** Keys kept in each top list (default 20). */
  topN?: number;
  /** Prefixes tracked one by one; the rest are summed as `otherPrefixes` (default 1,000). */
  maxPrefixes?: number;
  /** Leases tracked one by one for `top` and `withoutKeys` (default 100,000). */
  maxLeases?: number;
  layout?: PrefixLayout;
}

export interface ReportMeta {
  revision: number;
  source: KeyspaceSource;
  takenAt: string;
  durationMs: number;
  compaction: CompactionState;
  revisionsExact: boolean;
}

interface Acc {
  keys: number;
  keyBytes: number;
  valueBytes: number;
  revisions: number;
  historyBytes: number;
}

interface PrefixAcc extends Acc {
  cls: PrefixClass;
}

interface LeaseAcc {
  listed: boolean;
  ttl: number | null;
  keys: number;
}

/** Upper bounds of the TTL bands, seconds; the last band is open. */
const TTL_BANDS = [60, 600, 3600, 86_400];

const byKey = (a: TopKey, b: TopKey) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

const zero = (): Acc => ({ keys: 0, keyBytes: 0, valueBytes: 0, revisions: 0, historyBytes: 0 });

/**
 * Folds a keyspace, one key at a time, into what fills it: per prefix (Kubernetes' layout
 * understood, see prefix.ts), the largest keys and the keys with the most history, Events,
 * and leases. Pure and streaming: memory is bounded by its options (prefixes, top lists,
 * leases), never by the number of keys. A source feeds each key once, in any order;
 * `report()` may be called at any point.
 */
export class KeyspaceAggregator {
  private readonly topN: number;
  private readonly maxPrefixes: number;
  private readonly maxLeases: number;
  private readonly layout: PrefixLayout;
  private readonly prefixes = new Map<string, PrefixAcc>();
  private readonly other = zero();
  private otherCount = 0;
  private readonly otherSeen = new Set<string>();
  private readonly total = zero();
  private readonly events = zero();
  private readonly bySize: TopN<TopKey>;
  private readonly byRevisions: TopN<TopKey>;
  private readonly leases = new Map<string, LeaseAcc>();
  private leaseCount = 0;
  private keysAttached = 0;
  private leasesTruncated = false;
  private ttlKnown = 0;
  private ttlMin = Infinity;
  private ttlMax = -Infinity;
  private readonly ttlBands = new Array<number>(TTL_BANDS.length + 1).fill(0);

  constructor(opts: AggregatorOptions = {}) {
    this.topN = opts.topN ?? 20;
    this.maxPrefixes = opts.maxPrefixes ?? 1000;
    this.maxLeases = opts.maxLeases ?? 100_000;
    this.layout = opts.layout ?? DEFAULT_LAYOUT;
    this.bySize = new TopN(this.topN, byKey);
    this.byRevisions = new TopN(this.topN, byKey);
  }

  addKey(e: KeyEntry): void {
    const key = e.key.toString('latin1');
    const acc = this.accFor(key);
    const kb = e.key.length;
    for (const a of this.accsOf(acc)) {
      a.keys++;
      a.keyBytes += kb;
      a.valueBytes += e.valueSize;
      a.revisions += e.revisions;
      a.historyBytes += e.historyBytes;
    }
    const make = (): TopKey => ({
      key: displayKey(key),
      prefix: displayKey(acc.cls.prefix),
      bytes: kb + e.valueSize,
      valueBytes: e.valueSize,
      revisions: e.revisions,
      historyBytes: e.historyBytes,
      live: true,
      version: e.version,
      createRevision: e.createRevision,
      modRevision: e.modRevision,
      lease: e.lease === '0' ? null : e.lease,
    });
    this.bySize.offer(kb + e.valueSize, make);
    this.byRevisions.offer(e.revisions, make);
    if (e.lease !== '0') {
      this.keysAttached++;
      const l = this.leaseAcc(e.lease);
      if (l) l.keys++;
    }
  }

  addDeleted(e: DeletedKeyEntry): void {
    const key = e.key.toString('latin1');
    const acc = this.accFor(key);
    for (const a of this.accsOf(acc)) {
      a.revisions += e.revisions;
      a.historyBytes += e.historyBytes;
    }
    this.byRevisions.offer(e.revisions, () => ({
      key: displayKey(key),
      prefix: displayKey(acc.cls.prefix),
      bytes: 0,
      valueBytes: 0,
      revisions: e.revisions,
      historyBytes: e.historyBytes,
      live: false,
      version: null,
      createRevision: null,
      modRevision: null,
      lease: null,
    }));
  }

  addLease(l: LeaseEntry): void {
    this.leaseCount++;
    const acc = this.leaseAcc(l.id);
    if (acc) {
      acc.listed = true;
      acc.ttl = l.ttl;
    }
    const ttl = l.ttl;
    if (ttl === null) return;
    this.ttlKnown++;
    this.ttlMin = Math.min(this.ttlMin, ttl);
    this.ttlMax = Math.max(this.ttlMax, ttl);
    const band = TTL_BANDS.findIndex((b) => ttl <= b);
    this.ttlBands[band < 0 ? TTL_BANDS.length : band]++;
  }

  report(meta: ReportMeta): KeyspaceReport {
    const prefixes: PrefixUsage[] = [...this.prefixes.values()]
      .map((p) => ({
        prefix: displayKey(p.cls.prefix),
        kind: p.cls.kind,
        group: p.cls.group,
        resource: p.cls.resource,
        events: p.cls.events,
        keys: p.keys,
        keyBytes: p.keyBytes,
        valueBytes: p.valueBytes,
        bytes: p.keyBytes + p.valueBytes,
        revisions: p.revisions,
        historyBytes: p.historyBytes,
      }))
      .sort((a, b) => b.bytes + b.historyBytes - (a.bytes + a.historyBytes) || (a.prefix < b.prefix ? -1 : 1));
    const t = this.total;
    const totalBytes = t.keyBytes + t.valueBytes;
    const eventBytes = this.events.keyBytes + this.events.valueBytes;
    return {
      revision: meta.revision,
      source: meta.source,
      takenAt: meta.takenAt,
      durationMs: meta.durationMs,
      totalKeys: t.keys,
      totalBytes,
      keyBytes: t.keyBytes,
      valueBytes: t.valueBytes,
      revisions: t.revisions,
      historyBytes: t.historyBytes,
      revisionsExact: meta.revisionsExact,
      prefixes,
      otherPrefixes: this.otherCount > 0 ? { prefixes: this.otherCount, ...this.other, bytes: this.other.keyBytes + this.other.valueBytes } : null,
      topKeys: { bySize: this.bySize.sorted(), byRevisions: this.byRevisions.sorted() },
      events: {
        keys: this.events.keys,
        bytes: eventBytes,
        share: totalBytes > 0 ? eventBytes / totalBytes : 0,
        revisions: this.events.revisions,
        historyBytes: this.events.historyBytes,
      },
      leases: this.leaseUsage(),
      compaction: meta.compaction,
      limits: { topN: this.topN, maxPrefixes: this.maxPrefixes, maxLeases: this.maxLeases },
    };
  }

  private leaseUsage(): LeaseUsage {
    const top = new TopN<TopLease>(this.topN, (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    let withoutKeys = 0;
    let keysOnUnknownLeases = 0;
    for (const [id, l] of this.leases) {
      if (!l.listed) keysOnUnknownLeases += l.keys;
      else if (l.keys === 0) withoutKeys++;
      if (l.keys > 0) top.offer(l.keys, () => ({ id, ttl: l.ttl, keys: l.keys }));
    }
    return {
      count: this.leaseCount,
      keysAttached: this.keysAttached,
      withoutKeys,
      keysOnUnknownLeases,
      ttl:
        this.ttlKnown === 0
          ? null
          : {
              known: this.ttlKnown,
              min: this.ttlMin,
              max: this.ttlMax,
              bands: this.ttlBands.map((leases, i) => ({ upToSeconds: TTL_BANDS[i] ?? null, leases })),
            },
      top: top.sorted(),
      truncated: this.leasesTruncated,
    };
  }

  /** The prefix a key counts under; past maxPrefixes, new prefixes are summed as "other". */
  private accFor(key: string): PrefixAcc | { cls: PrefixClass; acc: Acc } {
    const cls = classifyKey(key, this.layout);
    const known = this.prefixes.get(cls.prefix);
    if (known) return known;
    if (this.prefixes.size < this.maxPrefixes) {
      const acc = { cls, ...zero() };
      this.prefixes.set(cls.prefix, acc);
      return acc;
    }
    // Counted once per distinct prefix, up to a bound, then no longer distinguished.
    if (this.otherSeen.size < this.maxPrefixes && !this.otherSeen.has(cls.prefix)) {
      this.otherSeen.add(cls.prefix);
      this.otherCount++;
    }
    return { cls, acc: this.other };
  }

  /** Every accumulator a key adds to: its prefix (or "other"), the total, and Events. */
  private accsOf(a: PrefixAcc | { cls: PrefixClass; acc: Acc }): Acc[] {
    const own = 'acc' in a ? a.acc : a;
    return a.cls.events ? [own, this.total, this.events] : [own, this.total];
  }

  private leaseAcc(id: string): LeaseAcc | null {
    let l = this.leases.get(id);
    if (!l) {
      if (this.leases.size >= this.maxLeases) {
        this.leasesTruncated = true;
        return null;
      }
      l = { listed: false, ttl: null, keys: 0 };
      this.leases.set(id, l);
    }
    return l;
  }
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const hexEscape = (c: string) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/**
 * A key (latin1, one char per byte) as people read it: UTF-8 when the bytes are valid
 * UTF-8, control characters and other bytes as \xNN.
 */
export function displayKey(latin1: string): string {
  if (PRINTABLE_ASCII.test(latin1)) return latin1;
  try {
    return utf8.decode(Buffer.from(latin1, 'latin1')).replace(/[\x00-\x1f\x7f]/g, hexEscape);
  } catch {
    return latin1.replace(/[^\x20-\x7e]/g, hexEscape);
  }
}
