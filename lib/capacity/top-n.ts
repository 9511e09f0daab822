/**
 * The N best items seen, in O(N) memory however many are offered: a min-heap whose root is
 * the worst kept, so an item is kept only when it beats that. Best is the highest score; among
 * equal scores the one `order` puts first, so the result does not depend on the order items
 * arrive in (a spilled walk hands keys over in another order than one in memory). Pure.
 */
export class TopN<T> {
  private readonly heap: { score: number; item: T }[] = [];

  constructor(
    readonly capacity: number,
    /** Among equal scores: negative when `a` comes first. */
    private readonly order: (a: T, b: T) => number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`TopN: capacity must be a whole number >= 0, got ${capacity}`);
  }

  /** Offers an item; `make` builds it only when its score could be kept. */
  offer(score: number, make: () => T): void {
    if (this.capacity === 0) return;
    const full = this.heap.length >= this.capacity;
    if (full && score < this.heap[0].score) return;
    const entry = { score, item: make() };
    if (!full) {
      this.heap.push(entry);
      this.up(this.heap.length - 1);
    } else if (this.worse(this.heap[0], entry)) {
      this.heap[0] = entry;
      this.down(0);
    }
  }

  /** Best first. */
  sorted(): T[] {
    return [...this.heap].sort((a, b) => b.score - a.score || this.order(a.item, b.item)).map((e) => e.item);
  }

  get size(): number {
    return this.heap.length;
  }

  private worse(a: { score: number; item: T }, b: { score: number; item: T }): boolean {
    return a.score < b.score || (a.score === b.score && this.order(a.item, b.item) > 0);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.worse(h[i], h[p])) return;
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
      if (l < h.length && this.worse(h[l], h[m])) m = l;
      if (r < h.length && this.worse(h[r], h[m])) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
}
