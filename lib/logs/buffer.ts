import type { LogCategory, LogLine } from './types';

export interface LogQuery {
  /** Only this member's lines ("" for lines whose member is unknown). */
  member?: string;
  category?: LogCategory | LogCategory[];
  /** Case-insensitive substring of the raw line (so zap field values match too). */
  text?: string;
  /** Newest lines to return; default 500. */
  limit?: number;
  /** ISO time: only lines at or after it (a line without a time counts from when it was pushed). */
  since?: string;
}

export interface LogBufferOptions {
  /** Lines kept per member; default 2000. */
  capacityPerMember?: number;
  /** Estimated bytes kept per member (see lineCost); default 4 MiB. */
  maxBytesPerMember?: number;
  /** Members kept; pushing for one more evicts the member that logged least recently. Default 32. */
  maxMembers?: number;
}

export interface LogBufferStats {
  members: number;
  lines: number;
  bytes: number;
  /** Lines dropped to stay within the bounds since the buffer was made. */
  evicted: number;
}

/** Whether one line matches a query's member, category and text (the stream uses it line by line). */
export function lineMatcher(q: Pick<LogQuery, 'member' | 'category' | 'text'>): (line: LogLine) => boolean {
  const categories = q.category === undefined ? null : new Set(Array.isArray(q.category) ? q.category : [q.category]);
  const text = q.text ? q.text.toLowerCase() : null;
  return (line) =>
    (q.member === undefined || (line.member ?? '') === q.member) &&
    (!categories || categories.has(line.category)) &&
    (!text || line.raw.toLowerCase().includes(text));
}

interface Entry {
  seq: number;
  /** Epoch ms used by `since`: the line's own time, else when it was pushed. */
  atMs: number;
  cost: number;
  line: LogLine;
}

/** A fixed-size circular array of entries for one member. */
class Ring {
  private readonly slots: (Entry | undefined)[];
  private head = 0; // index of the oldest entry
  count = 0;
  bytes = 0;
  lastSeq = 0;

  constructor(capacity: number) {
    this.slots = new Array<Entry | undefined>(capacity);
  }

  push(e: Entry): void {
    this.slots[(this.head + this.count) % this.slots.length] = e;
    this.count++;
    this.bytes += e.cost;
    this.lastSeq = e.seq;
  }

  shift(): void {
    const e = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.slots.length;
    this.count--;
    this.bytes -= e?.cost ?? 0;
  }

  get full(): boolean {
    return this.count === this.slots.length;
  }

  /** Entries newest first. */
  *newestFirst(): Generator<Entry> {
    for (let i = this.count - 1; i >= 0; i--) yield this.slots[(this.head + i) % this.slots.length]!;
  }
}

/**
 * Estimated memory of one buffered line: its strings as UTF-16 (raw, message, and the parsed
 * fields, which never hold more text than the raw line) plus object overhead. An estimate,
 * not a measurement, but proportional to what a line really holds.
 */
export function lineCost(line: LogLine): number {
  return 4 * line.raw.length + 2 * line.message.length + 256;
}

/**
 * The latest log lines of each member, bounded: per member at most `capacityPerMember` lines
 * and `maxBytesPerMember` estimated bytes (oldest dropped first), and at most `maxMembers`
 * members. The whole buffer therefore stays under maxMembers x maxBytesPerMember (128 MiB if
 * all 32 default members filled their 4 MiB); with etcd's usual lines of about 300 characters
 * the 2000-line cap binds first, at about 2000 x (4 x 300 + 2 x 100 + 256) = 3.3 MB per member.
 * Pure; one instance per cluster.
 */
export class LogBuffer {
  private readonly rings = new Map<string, Ring>();
  private readonly capacity: number;
  private readonly maxBytes: number;
  private readonly maxMembers: number;
  private seq = 0;
  private evicted = 0;

  constructor(opts: LogBufferOptions = {}) {
    this.capacity = positiveInt(opts.capacityPerMember, 2000, 'capacityPerMember');
    this.maxBytes = positiveInt(opts.maxBytesPerMember, 4 * 1024 * 1024, 'maxBytesPerMember');
    this.maxMembers = positiveInt(opts.maxMembers, 32, 'maxMembers');
  }

  push(line: LogLine, now: number = Date.now()): void {
    const key = line.member ?? '';
    let ring = this.rings.get(key);
    if (!ring) {
      if (this.rings.size >= this.maxMembers) this.evictQuietestMember();
      ring = new Ring(this.capacity);
      this.rings.set(key, ring);
    }
    const at = line.at === null ? NaN : Date.parse(line.at);
    const entry: Entry = { seq: ++this.seq, atMs: Number.isNaN(at) ? now : at, cost: lineCost(line), line };
    if (ring.full) this.dropOldest(ring);
    ring.push(entry);
    // Keep at least the newest line, however big (the follower caps one line's size).
    while (ring.bytes > this.maxBytes && ring.count > 1) this.dropOldest(ring);
  }

  /** Matching lines across the selected members, oldest first, at most `limit` of the newest. */
  query(q: LogQuery = {}): LogLine[] {
    const limit = q.limit === undefined ? 500 : Math.max(0, Math.floor(q.limit));
    if (limit === 0) return [];
    const matches = lineMatcher(q);
    const sinceMs = q.since === undefined ? null : Date.parse(q.since);
    if (sinceMs !== null && Number.isNaN(sinceMs)) throw new Error(`since: expected an ISO time, got "${q.since}"`);

    const rings = q.member === undefined ? [...this.rings.values()] : [this.rings.get(q.member)].filter((r): r is Ring => !!r);
    const hits: Entry[] = [];
    for (const ring of rings) {
      let taken = 0;
      for (const e of ring.newestFirst()) {
        if (taken >= limit) break;
        if (sinceMs !== null && e.atMs < sinceMs) continue;
        if (!matches(e.line)) continue;
        hits.push(e);
        taken++;
      }
    }
    // Push order, not log time: members' clocks and formats differ, arrival order does not lie.
    hits.sort((a, b) => a.seq - b.seq);
    return hits.slice(-limit).map((e) => e.line);
  }

  /** Members with buffered lines ("" = unknown member). */
  members(): string[] {
    return [...this.rings.keys()];
  }

  stats(): LogBufferStats {
    let lines = 0;
    let bytes = 0;
    for (const r of this.rings.values()) {
      lines += r.count;
      bytes += r.bytes;
    }
    return { members: this.rings.size, lines, bytes, evicted: this.evicted };
  }

  /** Forgets one member's lines, or all. */
  clear(member?: string): void {
    if (member === undefined) this.rings.clear();
    else this.rings.delete(member);
  }

  private dropOldest(ring: Ring): void {
    ring.shift();
    this.evicted++;
  }

  private evictQuietestMember(): void {
    let quietest: [string, Ring] | null = null;
    for (const kv of this.rings) if (!quietest || kv[1].lastSeq < quietest[1].lastSeq) quietest = kv;
    if (!quietest) return;
    this.evicted += quietest[1].count;
    this.rings.delete(quietest[0]);
  }
}

function positiveInt(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: expected a positive integer, got ${v}`);
  return v;
}
