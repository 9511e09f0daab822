import { RingsideError } from '../errors';

export interface SignInLimiterOptions {
  /** Failures before the first lockout... */
  maxFailures?: number;
  /** ...counted while each comes within this long of the one before (or of the lockout's end). */
  windowMs?: number;
  /** The first lockout; each further failure doubles it... */
  baseDelayMs?: number;
  /** ...up to this. */
  maxDelayMs?: number;
  /** Keys tracked at most; the least recently failed goes first. */
  maxEntries?: number;
  clock?: () => number;
}

interface Entry {
  failures: number;
  lastFailureAt: number;
  lockedUntil: number;
  /** Attempts being verified now. */
  pending: number;
}

/**
 * Failed sign-ins per key (the login route uses one key per user name and one per client address).
 * After `maxFailures` failures a key is refused for 30 s, and each further failure doubles that
 * (1, 2, 4, 8 minutes) up to 15; a key is forgiven after `windowMs` without failures.
 *
 * Attempts are counted when they start, not when scrypt finishes, so that a burst of parallel
 * guesses cannot all slip in before the first failure is recorded: a key admits only as many
 * attempts at once as it has failures left (at least one).
 */
export class SignInLimiter {
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxEntries: number;
  private readonly clock: () => number;
  /** Insertion order is recency of the last change: the first key is the stalest. */
  private readonly entries = new Map<string, Entry>();

  constructor(opts: SignInLimiterOptions = {}) {
    this.maxFailures = opts.maxFailures ?? 5;
    this.windowMs = opts.windowMs ?? 15 * 60_000;
    this.baseDelayMs = opts.baseDelayMs ?? 30_000;
    this.maxDelayMs = opts.maxDelayMs ?? 15 * 60_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.clock = opts.clock ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Admits one sign-in attempt for all `keys`, or throws UNAUTHENTICATED saying how long to wait.
   * Every admitted attempt must be followed by `finish` with the same keys.
   */
  begin(keys: string[], now = this.clock()): void {
    let waitMs = 0;
    let atOnce = false;
    for (const k of keys) {
      const e = this.entries.get(k);
      if (!e) continue;
      this.forgive(e, now);
      if (e.lockedUntil > now) waitMs = Math.max(waitMs, e.lockedUntil - now);
      else if (e.pending >= Math.max(1, this.maxFailures - e.failures)) atOnce = true;
    }
    if (waitMs > 0) throw new RingsideError('UNAUTHENTICATED', `too many failed sign-ins; try again in ${Math.ceil(waitMs / 1000)} s`);
    if (atOnce) throw new RingsideError('UNAUTHENTICATED', 'too many failed sign-ins; try again in 1 s');
    for (const k of keys) this.entry(k).pending++;
  }

  /** Ends an attempt admitted by `begin`. A failure counts against every key; success clears `clear`. */
  finish(keys: string[], ok: boolean, clear: string[] = [], now = this.clock()): void {
    for (const k of keys) {
      const e = this.entries.get(k) ?? (ok ? undefined : this.entry(k));
      if (!e) continue;
      e.pending = Math.max(0, e.pending - 1);
      if (ok) {
        if (clear.includes(k)) {
          e.failures = 0;
          e.lockedUntil = 0;
        }
        if (e.failures === 0 && e.pending === 0) this.entries.delete(k);
        continue;
      }
      this.forgive(e, now);
      e.failures++;
      e.lastFailureAt = now;
      if (e.failures >= this.maxFailures) {
        const delay = this.baseDelayMs * 2 ** Math.min(e.failures - this.maxFailures, 30);
        e.lockedUntil = now + Math.min(this.maxDelayMs, delay);
      }
      this.entries.delete(k);
      this.entries.set(k, e);
    }
  }

  private forgive(e: Entry, now: number): void {
    if (e.failures > 0 && now - Math.max(e.lastFailureAt, e.lockedUntil) > this.windowMs) {
      e.failures = 0;
      e.lockedUntil = 0;
    }
  }

  private entry(k: string): Entry {
    let e = this.entries.get(k);
    if (!e) {
      while (this.entries.size >= this.maxEntries) {
        const stalest = this.entries.keys().next().value;
        if (stalest === undefined) break;
        this.entries.delete(stalest);
      }
      e = { failures: 0, lastFailureAt: 0, lockedUntil: 0, pending: 0 };
      this.entries.set(k, e);
    }
    return e;
  }
}
