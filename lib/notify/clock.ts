/** Time for delivery, injected so tests run retries and re-sends on a fake clock. */
export interface Clock {
  now(): number;
  /** Runs `fn` after `ms`; returns a function that cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    // Pending retries must not keep a stopping server alive.
    t.unref();
    return () => clearTimeout(t);
  },
};
