/**
 * When to try a failed delivery again, and which answers are worth retrying. Pure: randomness is
 * passed in.
 */

export interface BackoffPolicy {
  /** Wait after the first failure... */
  baseMs: number;
  /** ...doubling per failure up to this, so a receiver back after an outage is found within it. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000 };

/** A receiver's Retry-After is honoured up to this; a longer one is likely a mistake. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * The wait before attempt `failures + 1`. Half the step is fixed and half random ("equal
 * jitter"): Ringsides retrying one receiver spread out, and no wait is shorter than half its step.
 */
export function backoffMs(failures: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(failures, 1) - 1, 30));
  return Math.round(step / 2 + (step / 2) * random());
}

/**
 * delivered: 2xx. rejected: the receiver refuses this body and always will (400, 413, 422;
 * Alertmanager keeps the valid alerts of a batch it answers 400 to), so retrying only blocks the
 * queue. Everything else is retried: 5xx and 429 are passing, and 401, 403, 404 or a redirect are
 * a receiver misconfigured, which an operator fixes while the queue waits (bounded, and reported
 * on every attempt).
 */
export type Verdict = 'delivered' | 'retry' | 'rejected';

export function verdictOf(status: number): Verdict {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 400 || status === 413 || status === 422) return 'rejected';
  return 'retry';
}

/** Retry-After as seconds or an HTTP date, capped; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (!header) return null;
  const ms = /^\d{1,9}$/.test(header.trim()) ? Number(header.trim()) * 1000 : Date.parse(header) - now;
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : null;
}
