/**
 * Tells subscribers about a cluster: one listener that throws is logged and skipped, never
 * stopping the others (a broken stream client must not starve the timeline).
 */
export class MessageBus<M> {
  private readonly listeners = new Set<(msg: M) => void>();

  subscribe(fn: (msg: M) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(msg: M): void {
    for (const fn of this.listeners) {
      try {
        fn(msg);
      } catch (e) {
        console.error('[ringside] subscriber failed:', e);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
