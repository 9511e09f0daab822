/**
 * The N largest items seen, in O(N) memory whatever how many are offered: a min-heap whose
 * root is the smallest kept, so an item is kept only when it beats that. Ties keep the
 * earlier item. Pure.
 */
export class TopN<T> {
  private readonly heap: { score: number; seq: number; item: T }[] = [];
  private seq = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`TopN: capacity must be a whole number >= 0, got ${capacity}`);
  }

  /** Whether `score` would be kept now; lets a caller skip building an item that would not be. */
  wouldKeep(score: number): boolean {
    return this.heap.length < this.capacity || (this.capacity > 0 && score > this.heap[0].score);
  }

  offer(score: number, item: T | (() => T)): void {
    if (!this.wouldKeep(score)) return;
    const entry = { score, seq: this.seq++, item: typeof item === 'function' ? (item as () => T)() : item };
    if (this.heap.length < this.capacity) {
      this.heap.push(entry);
      this.up(this.heap.length - 1);
    } else {
      this.heap[0] = entry;
      this.down(0);
    }
  }

  /** Largest first; equal scores in the order they were offered. */
  sorted(): T[] {
    return [...this.heap].sort((a, b) => b.score - a.score || a.seq - b.seq).map((e) => e.item);
  }

  get size(): number {
    return this.heap.length;
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].score <= h[i].score) return;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l].score < h[m].score) m = l;
      if (r < h.length && h[r].score < h[m].score) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
}
