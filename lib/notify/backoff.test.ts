import { describe, expect, test } from 'vitest';
import { backoffMs, retryAfterMs, verdictOf } from './backoff';

describe('backoff', () => {
  test('doubles from 1 s to the 60 s cap; half of each step is fixed, half random', () => {
    const low = [1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => backoffMs(n, () => 0));
    const high = [1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => backoffMs(n, () => 1));
    expect(low).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(high).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  test('a huge failure count neither overflows nor exceeds the cap', () => {
    expect(backoffMs(10_000, () => 0.5, { baseMs: 1000, maxMs: 300_000 })).toBe(225_000);
  });
});

describe('what to retry', () => {
  test('2xx delivered; 400, 413, 422 refused for good; everything else retried', () => {
    expect([200, 202, 204].map(verdictOf)).toEqual(['delivered', 'delivered', 'delivered']);
    expect([400, 413, 422].map(verdictOf)).toEqual(['rejected', 'rejected', 'rejected']);
    expect([301, 401, 403, 404, 408, 429, 500, 502, 503].map(verdictOf).every((v) => v === 'retry')).toBe(true);
  });

  test('Retry-After as seconds or an HTTP date, capped at 10 minutes', () => {
    const now = Date.UTC(2026, 10, 23, 3, 0, 0);
    expect(retryAfterMs('30', now)).toBe(30_000);
    expect(retryAfterMs('Mon, 23 Nov 2026 03:02:00 GMT', now)).toBe(120_000);
    expect(retryAfterMs('86400', now)).toBe(600_000);
    expect(retryAfterMs(null, now)).toBeNull();
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs('Mon, 23 Nov 2026 02:00:00 GMT', now)).toBeNull();
  });
});
