import 'server-only';
import { closeSync, fdatasyncSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { parseLine } from '../logs/parse';
import { fromLogLine } from '../model/timeline-entries';
import type { TimelineEntry, TimelineQuery } from './types';

export interface TimelineStoreOptions {
  /** Entries older than this are dropped (whole segments at a time). */
  maxAgeMs?: number;
  /** At most this many entries are kept. */
  maxEntries?: number;
  /** Appends reach the disk (written and fdatasynced) at least this often. */
  flushMs?: number;
  /** A segment file is closed and a new one started past this size. */
  segmentBytes?: number;
  clock?: () => number;
}

/** Lines held in memory while the disk refuses them. */
const MAX_PENDING = 10_000;

const DEFAULTS = { maxAgeMs: 14 * 86_400_000, maxEntries: 200_000, flushMs: 250, segmentBytes: 4 << 20 };

interface Segment {
  file: string;
  /** Entries it holds (for retention by count). */
  count: number;
  /** Time of its newest entry (for retention by age). */
  lastAt: number;
}

/**
 * The incident timeline on disk: append-only JSON-lines segments, written in batches and
 * fdatasynced at least every `flushMs` (so a kill -9 loses at most that), never rewritten. A
 * crash mid-write leaves a torn last line, which loading skips. Retention drops whole old segments.
 * Everything kept is also held in memory, sorted by time, so queries are a binary search.
 */
export class TimelineStore {
  private readonly opts: Required<Omit<TimelineStoreOptions, 'clock'>>;
  private readonly clock: () => number;
  private entries: TimelineEntry[] = [];
  private times: number[] = [];
  private readonly ids = new Set<string>();
  private segments: Segment[] = [];
  private fd: number | null = null;
  /** Segment names carry a counter that only grows, so a name is never reused after retention. */
  private nextSegment = 0;
  private written = 0;
  private pending: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    readonly dir: string,
    options: TimelineStoreOptions = {},
  ) {
    this.opts = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([k, v]) => k !== 'clock' && v !== undefined)) } as typeof this.opts;
    this.clock = options.clock ?? Date.now;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.load();
  }

  get size(): number {
    return this.entries.length;
  }

  /** Told of every entry this process appends (not of adopted ones): the shared store's copy. */
  onAppend: ((entries: TimelineEntry[]) => void) | null = null;

  /** Adds entries (an id already held is ignored); they reach the disk within `flushMs`. */
  append(...batch: TimelineEntry[]): void {
    const added = this.add(batch);
    if (added.length) this.onAppend?.(added);
  }

  /** Entries another replica recorded (from the shared store): kept like our own, not told again. */
  adopt(batch: readonly TimelineEntry[]): void {
    this.add(batch);
  }

  private add(batch: readonly TimelineEntry[]): TimelineEntry[] {
    if (this.closed) return [];
    const added: TimelineEntry[] = [];
    for (const e of batch) {
      if (this.ids.has(e.id)) continue;
      this.insert(e);
      this.pending.push(`${JSON.stringify(e)}\n`);
      added.push(e);
    }
    if (this.pending.length && !this.timer) this.timer = setTimeout(() => this.flush(), this.opts.flushMs);
    return added;
  }

  /** Writes and fdatasyncs what is pending now (also called by the timer and on close). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending.length) return;
    const text = this.pending.join('');
    const count = this.pending.length;
    try {
      const fd = this.segmentFor(Buffer.byteLength(text));
      writeSync(fd, text);
      fdatasyncSync(fd);
    } catch (e) {
      // A full or read-only disk must not take the server down: keep the lines (bounded) and retry.
      this.pending = this.pending.slice(-MAX_PENDING);
      this.failure(e);
      if (!this.timer && !this.closed) this.timer = setTimeout(() => this.flush(), 5000);
      return;
    }
    this.pending = [];
    this.written += Buffer.byteLength(text);
    const seg = this.segments.at(-1)!;
    seg.count += count;
    seg.lastAt = Math.max(seg.lastAt, this.times.at(-1) ?? 0);
    this.retain();
  }

  /** Entries matching the query, oldest first; the newest `limit` when more match. */
  query(q: TimelineQuery = {}): { entries: TimelineEntry[]; total: number } {
    const from = q.from ?? -Infinity;
    const to = q.to ?? Infinity;
    const start = lowerBound(this.times, from);
    const clusters = q.clusters?.length ? new Set(q.clusters) : null;
    const members = q.members?.length ? new Set(q.members) : null;
    const kinds = q.kinds?.length ? new Set(q.kinds) : null;
    const out: TimelineEntry[] = [];
    for (let i = start; i < this.entries.length && this.times[i] <= to; i++) {
      const e = this.entries[i];
      if (clusters && !clusters.has(e.cluster)) continue;
      if (kinds && !kinds.has(e.kind)) continue;
      if (members && !(e.memberId && members.has(e.memberId)) && !(e.memberName && members.has(e.memberName))) continue;
      out.push(e);
    }
    const limit = q.limit ?? 1000;
    return { entries: out.length > limit ? out.slice(-limit) : out, total: out.length };
  }

  private lastFailureLog = 0;

  private failure(e: unknown) {
    if (this.clock() - this.lastFailureLog < 60_000) return;
    this.lastFailureLog = this.clock();
    console.error(`[ringside] cannot write the timeline in ${this.dir} (${(e as NodeJS.ErrnoException).code ?? String(e)}); keeping the newest ${MAX_PENDING} events in memory and retrying`);
  }

  close(): void {
    this.flush();
    this.closed = true;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private insert(e: TimelineEntry) {
    const t = Date.parse(e.at);
    if (!Number.isFinite(t)) return;
    this.ids.add(e.id);
    // Nearly always the newest; a late one (a log line read after the fact) goes in its place.
    if (!this.times.length || t >= this.times.at(-1)!) {
      this.entries.push(e);
      this.times.push(t);
    } else {
      const i = upperBound(this.times, t);
      this.entries.splice(i, 0, e);
      this.times.splice(i, 0, t);
    }
  }

  private segmentFor(bytes: number): number {
    if (this.fd !== null && this.written + bytes <= this.opts.segmentBytes) return this.fd;
    if (this.fd !== null) closeSync(this.fd);
    // Named by creation time and a counter, so names sort in the order they were written.
    const file = path.join(this.dir, `timeline-${String(this.clock()).padStart(15, '0')}-${String(this.nextSegment++).padStart(9, '0')}.jsonl`);
    this.fd = openSync(file, 'a', 0o600);
    this.written = 0;
    this.segments.push({ file, count: 0, lastAt: 0 });
    return this.fd;
  }

  /** Drops whole segments that are entirely too old, or beyond the entry bound, never the one being written. */
  private retain() {
    const now = this.clock();
    let total = this.segments.reduce((n, s) => n + s.count, 0);
    while (this.segments.length > 1) {
      const oldest = this.segments[0];
      const tooOld = oldest.lastAt < now - this.opts.maxAgeMs;
      const tooMany = total - oldest.count >= this.opts.maxEntries;
      if (!tooOld && !tooMany) break;
      try {
        unlinkSync(oldest.file);
      } catch {
        // already gone
      }
      this.segments.shift();
      total -= oldest.count;
    }
    let drop = lowerBound(this.times, now - this.opts.maxAgeMs);
    drop = Math.max(drop, this.entries.length - this.opts.maxEntries);
    if (drop > 0) {
      for (const e of this.entries.slice(0, drop)) this.ids.delete(e.id);
      this.entries = this.entries.slice(drop);
      this.times = this.times.slice(drop);
    }
  }

  private load() {
    const files = readdirSync(this.dir)
      .filter((f) => /^timeline-\d+-\d+\.jsonl$/.test(f))
      .sort();
    const loaded: TimelineEntry[] = [];
    for (const f of files) {
      const file = path.join(this.dir, f);
      let count = 0;
      let lastAt = 0;
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        this.failure(e); // not a readable file: leave it alone, never delete what we cannot read
        continue;
      }
      for (const line of text.split('\n')) {
        if (!line) continue;
        try {
          const e = JSON.parse(line) as TimelineEntry;
          if (typeof e.id !== 'string' || typeof e.at !== 'string') continue;
          const current = upgradeEntry(e);
          if (current) loaded.push(current);
          count++;
          lastAt = Math.max(lastAt, Date.parse(e.at) || 0);
        } catch {
          // a torn line from a crash
        }
      }
      this.segments.push({ file, count, lastAt });
      this.nextSegment = Math.max(this.nextSegment, Number(/-(\d+)\.jsonl$/.exec(f)![1]) + 1);
    }
    loaded.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    for (const e of loaded) if (!this.ids.has(e.id)) this.insert(e);
    // New entries always go to a new segment, so a torn line at the end of the last one never
    // runs into the next entry.
    this.retain();
  }
}

function lowerBound(xs: number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(xs: number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Entries stored before corruption evidence and the checks' health were told apart said
 * "log-corruption" for both: classify their raw line again. An entry whose line cannot be read
 * again (cut at 2000 characters) is kept as it was.
 */
export function upgradeEntry(e: TimelineEntry): TimelineEntry | null {
  if (e.kind !== 'log-corruption' || e.evidence !== undefined || typeof e.details?.raw !== 'string') return e;
  const line = parseLine(e.details.raw, 'stored');
  if (line.category === 'other') return e;
  const next = fromLogLine(e.cluster, { ...line, at: e.at, member: e.memberName ?? null });
  return next && { ...next, id: e.id };
}
