import { RingsideError } from '../errors';

/**
 * How sign-ins are throttled, and why this way (README, Security):
 * - Per client address (IPv6 per /64): 5 failures are free, then the address waits 30 s, and
 *   each further failure doubles that up to 15 minutes. A guesser at one address is slowed hard.
 *   The table is bounded; evicting an entry only forgives an address, never a user.
 * - Per user name: a budget of 10 failures that refills one every 30 s, shared by every address,
 *   so a guesser with many addresses still gets at most ~120 guesses an hour at one account.
 *   Configured users' budgets are never evicted, so no flood of other sign-ins can reset them.
 * - A browser where the user has signed in before (a device cookie) is not held to the user's
 *   budget, only to its own backoff: a stranger who spends alice's budget slows strangers, not
 *   alice at her own desk. Without a device cookie (a new browser, after a restart) alice waits
 *   at most one refill (30 s) per attempt while someone keeps guessing.
 * Attempts count when they start, so parallel guesses cannot all slip in before the first
 * failure is recorded.
 */

export interface BackoffOptions {
  /** Failures before the first wait... */
  maxFailures?: number;
  /** ...counted while each comes within this long of the one before (or of the wait's end). */
  windowMs?: number;
  /** The first wait; each further failure doubles it... */
  baseDelayMs?: number;
  /** ...up to this. */
  maxDelayMs?: number;
  /** Keys tracked at most; the least recently failed goes first. */
  maxEntries?: number;
  /** A success forgives the key's failures (a device: its owner knows the password). */
  forgiveOnSuccess?: boolean;
}

interface BackoffEntry {
  failures: number;
  lastFailureAt: number;
  lockedUntil: number;
  pending: number;
}

/** Failures per key with exponential backoff (per address, per device). */
export class FailureBackoff {
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxEntries: number;
  private readonly forgiveOnSuccess: boolean;
  /** Insertion order is recency of the last failure: the first key is the stalest. */
  private readonly entries = new Map<string, BackoffEntry>();

  constructor(opts: BackoffOptions = {}) {
    this.maxFailures = opts.maxFailures ?? 5;
    this.windowMs = opts.windowMs ?? 15 * 60_000;
    this.baseDelayMs = opts.baseDelayMs ?? 30_000;
    this.maxDelayMs = opts.maxDelayMs ?? 15 * 60_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.forgiveOnSuccess = opts.forgiveOnSuccess ?? false;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Milliseconds this key must still wait (0: it may try now). */
  waitMs(key: string, now: number): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    this.forgive(e, now);
    if (e.lockedUntil > now) return e.lockedUntil - now;
    return e.pending >= Math.max(1, this.maxFailures - e.failures) ? 1000 : 0;
  }

  begin(key: string): void {
    this.entry(key).pending++;
  }

  finish(key: string, ok: boolean, now: number): void {
    const e = this.entries.get(key) ?? (ok ? undefined : this.entry(key));
    if (!e) return;
    e.pending = Math.max(0, e.pending - 1);
    if (ok) {
      // An address's success does not wipe its failures: a guesser with a viewer account of their
      // own could otherwise sign in between guesses to reset their address.
      if (this.forgiveOnSuccess) {
        e.failures = 0;
        e.lockedUntil = 0;
      }
      if (e.failures === 0 && e.pending === 0) this.entries.delete(key);
      return;
    }
    this.forgive(e, now);
    e.failures++;
    e.lastFailureAt = now;
    if (e.failures >= this.maxFailures) {
      const delay = this.baseDelayMs * 2 ** Math.min(e.failures - this.maxFailures, 30);
      e.lockedUntil = now + Math.min(this.maxDelayMs, delay);
    }
    this.entries.delete(key);
    this.entries.set(key, e);
  }

  private forgive(e: BackoffEntry, now: number): void {
    if (e.failures > 0 && now - Math.max(e.lastFailureAt, e.lockedUntil) > this.windowMs) {
      e.failures = 0;
      e.lockedUntil = 0;
    }
  }

  private entry(k: string): BackoffEntry {
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

interface Budget {
  tokens: number;
  at: number;
  pending: number;
}

export interface UserBudgetOptions {
  /** Failures a user name can take at once... */
  burst?: number;
  /** ...then one more per this long. */
  refillMs?: number;
  /** Budgets of names that are not configured users, kept at most (they can never sign in). */
  maxUnknown?: number;
}

/** A token bucket of failed sign-ins per user name, across every address. */
export class UserBudget {
  readonly burst: number;
  readonly refillMs: number;
  private readonly maxUnknown: number;
  private readonly known = new Map<string, Budget>();
  private readonly unknown = new Map<string, Budget>();

  constructor(
    private readonly users: ReadonlySet<string>,
    opts: UserBudgetOptions = {},
  ) {
    this.burst = opts.burst ?? 10;
    this.refillMs = opts.refillMs ?? 30_000;
    this.maxUnknown = opts.maxUnknown ?? 10_000;
  }

  waitMs(user: string, now: number): number {
    const b = this.get(user, now, false);
    if (!b) return 0;
    return b.tokens - b.pending >= 1 ? 0 : Math.ceil((1 - (b.tokens - b.pending)) * this.refillMs);
  }

  begin(user: string, now: number): void {
    this.get(user, now, true)!.pending++;
  }

  finish(user: string, ok: boolean, now: number): void {
    const b = this.get(user, now, false);
    if (!b) return;
    b.pending = Math.max(0, b.pending - 1);
    if (!ok) b.tokens = Math.max(0, b.tokens - 1);
    if (b.tokens >= this.burst && b.pending === 0) (this.users.has(user) ? this.known : this.unknown).delete(user);
  }

  private get(user: string, now: number, create: boolean): Budget | undefined {
    const map = this.users.has(user) ? this.known : this.unknown;
    let b = map.get(user);
    if (b) {
      b.tokens = Math.min(this.burst, b.tokens + (now - b.at) / this.refillMs);
      b.at = now;
      return b;
    }
    if (!create) return undefined;
    if (map === this.unknown) {
      while (this.unknown.size >= this.maxUnknown) {
        const oldest = this.unknown.keys().next().value;
        if (oldest === undefined) break;
        this.unknown.delete(oldest);
      }
    }
    b = { tokens: this.burst, at: now, pending: 0 };
    map.set(user, b);
    return b;
  }
}

export interface SignInAttempt {
  /** The client address (lib/http/peer.ts throttleKey). */
  address: string;
  /** The user name of a password sign-in. */
  user?: string;
  /** A device cookie this user was given at an earlier sign-in, when it is valid. */
  device?: string;
}

export interface SignInThrottleOptions {
  users: Iterable<string>;
  clock?: () => number;
  address?: BackoffOptions;
  device?: BackoffOptions;
  user?: UserBudgetOptions;
}

/** The three limits together; see the top of this file. */
export class SignInThrottle {
  private readonly clock: () => number;
  readonly addresses: FailureBackoff;
  private readonly devices: FailureBackoff;
  readonly budgets: UserBudget;

  constructor(opts: SignInThrottleOptions) {
    this.clock = opts.clock ?? Date.now;
    this.addresses = new FailureBackoff(opts.address);
    this.devices = new FailureBackoff({ forgiveOnSuccess: true, ...opts.device });
    this.budgets = new UserBudget(new Set(opts.users), opts.user);
  }

  /** Admits one attempt, or throws RATE_LIMITED with how long to wait. Each admitted attempt needs `finish`. */
  begin(a: SignInAttempt): void {
    const now = this.clock();
    const wait = Math.max(
      this.addresses.waitMs(`addr:${a.address}`, now),
      a.device ? this.devices.waitMs(`device:${a.device}`, now) : a.user !== undefined ? this.budgets.waitMs(a.user, now) : 0,
    );
    if (wait > 0) {
      const s = Math.ceil(wait / 1000);
      throw new RingsideError('RATE_LIMITED', `too many failed sign-ins; try again in ${s} s`, undefined, s);
    }
    this.addresses.begin(`addr:${a.address}`);
    if (a.device) this.devices.begin(`device:${a.device}`);
    else if (a.user !== undefined) this.budgets.begin(a.user, now);
  }

  /** Releases an admitted attempt refused before its credentials were checked: neither a failure nor a success. */
  cancel(a: SignInAttempt): void {
    this.finish(a, true);
  }

  finish(a: SignInAttempt, ok: boolean): void {
    const now = this.clock();
    this.addresses.finish(`addr:${a.address}`, ok, now);
    if (a.device) this.devices.finish(`device:${a.device}`, ok, now);
    else if (a.user !== undefined) this.budgets.finish(a.user, ok, now);
  }
}
