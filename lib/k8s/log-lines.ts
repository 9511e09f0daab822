/**
 * The pure part of following a pod's log: splitting the stream into lines, reading the kubelet's
 * timestamp prefix, and resuming after a reconnect without losing or repeating a line.
 *
 * How a resume works against a real API server: the client asks for `sinceTime=<newest timestamp
 * delivered>`. The API server forwards sinceTime to the kubelet formatted as RFC3339 *seconds*
 * (LogLocation in pkg/registry/core/pod/strategy.go), and the kubelet sends every line whose
 * timestamp is at or after it. So a resumed stream repeats everything from the start of that
 * second. ResumeFilter remembers the lines delivered in that second (timestamp + text, counted, as
 * etcd can log the same text twice in one millisecond) and drops their repeats; anything older is
 * dropped outright, anything not remembered is new.
 */

export interface TimestampedLine {
  at: string | null;
  text: string;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|([+-])(\d{2}):?(\d{2}))$/;

/**
 * An RFC3339 timestamp as fixed-width UTC ("2026-01-02T03:04:05.120000000Z"), so that comparing the
 * strings compares the times. RFC3339Nano drops trailing zeros (".12Z"), which plain string
 * comparison gets wrong. null when `ts` is not RFC3339.
 */
export function timeKey(ts: string): string | null {
  const m = RFC3339.exec(ts);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac = '', zone, sign, oh, om] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (zone.toUpperCase() !== 'Z') ms -= (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return null;
  return `${date.toISOString().slice(0, 19)}.${frac.padEnd(9, '0')}Z`;
}

/** The whole second a time key falls in: what the API server truncates sinceTime to. */
function secondOf(key: string): string {
  return `${key.slice(0, 19)}.000000000Z`;
}

/** "2026-...Z {json}" -> at + text. A line without a valid timestamp keeps all of its text. */
export function parseLogLine(raw: string): TimestampedLine {
  const space = raw.indexOf(' ');
  if (space > 0 && timeKey(raw.slice(0, space)) !== null) return { at: raw.slice(0, space), text: raw.slice(space + 1) };
  return { at: null, text: raw };
}

/** Splits a text stream into complete lines; an unfinished line waits for the rest of it. */
export class LineSplitter {
  private partial = '';

  push(chunk: string): string[] {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    return parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }

  /**
   * The connection ended: a line cut off mid-way is dropped, not delivered half. It has not been
   * delivered, so the resumed stream sends it again whole.
   */
  reset(): boolean {
    const had = this.partial !== '';
    this.partial = '';
    return had;
  }
}

/** Drops what a resumed log stream repeats. One instance per followed container. */
export class ResumeFilter {
  /** Newest timestamp delivered (as a time key). */
  private newest: string | null = null;
  /** Lines delivered in the second of `newest`, counted by timestamp + text. */
  private recent = new Map<string, number>();
  /** While a resumed stream may still be repeating: what it may repeat, and up to when. */
  private repeat: { upTo: string; lines: Map<string, number> } | null = null;

  /** What to ask the next connection for: the newest timestamp delivered; null before any. */
  get sinceTime(): string | null {
    return this.newest;
  }

  /** A connection opens: whatever it sends at or before `sinceTime` may be a repeat. */
  startConnection(): void {
    this.repeat = this.newest ? { upTo: this.newest, lines: new Map(this.recent) } : null;
  }

  /** The lines of `batch` not delivered before, in order; remembers them as delivered. */
  admit(batch: TimestampedLine[]): TimestampedLine[] {
    return batch.filter((line) => {
      // Without a timestamp there is nothing to compare: deliver.
      const key = line.at === null ? null : timeKey(line.at);
      if (key === null) return true;
      const id = `${key} ${line.text}`;
      if (this.isRepeat(key, id)) return false;
      this.remember(key, id);
      return true;
    });
  }

  private isRepeat(key: string, id: string): boolean {
    const r = this.repeat;
    if (!r) return false;
    // Log timestamps only grow: past the resume point, nothing more can be a repeat.
    if (key > r.upTo) {
      this.repeat = null;
      return false;
    }
    if (key < secondOf(r.upTo)) return true; // older than any resume resends: delivered long ago
    const left = r.lines.get(id) ?? 0;
    if (left === 0) return false;
    if (left === 1) r.lines.delete(id);
    else r.lines.set(id, left - 1);
    return true;
  }

  private remember(key: string, id: string): void {
    if (this.newest === null || key > this.newest) {
      if (this.newest === null || secondOf(key) !== secondOf(this.newest)) this.recent.clear();
      this.newest = key;
    } else if (key < secondOf(this.newest)) {
      return; // before the second a resume repeats: no need to remember
    }
    this.recent.set(id, (this.recent.get(id) ?? 0) + 1);
  }
}
