import { describe, expect, test } from 'vitest';
import { RingsideError } from '../errors';
import { SignInThrottle, type SignInAttempt } from './limiter';

const S = 1000;
const MIN = 60 * S;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

function throttle(opts: { maxEntries?: number; maxUnknown?: number } = {}) {
  let now = T0;
  const t = new SignInThrottle({ users: ['alice', 'bob'], clock: () => now, address: { maxEntries: opts.maxEntries }, user: { maxUnknown: opts.maxUnknown } });
  const attempt = (a: SignInAttempt, ok = false) => {
    t.begin(a);
    t.finish(a, ok);
  };
  return { t, attempt, advance: (ms: number) => (now += ms) };
}

/** The wait a refusal names, in seconds; it must be a 429 with Retry-After. */
function waitOf(fn: () => void): number {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RingsideError);
    const err = e as RingsideError;
    expect(err.code).toBe('RATE_LIMITED');
    expect(err.message).toBe(`too many failed sign-ins; try again in ${err.retryAfterS} s`);
    return err.retryAfterS!;
  }
  throw new Error('expected a refusal');
}

describe('per address', () => {
  test('five failures make an address wait 30 s; each further failure doubles it, up to 15 minutes', () => {
    const { t, attempt, advance } = throttle();
    const a = { address: '10.0.0.9' };
    for (let i = 0; i < 5; i++) attempt(a);
    expect(waitOf(() => t.begin(a))).toBe(30);
    advance(29 * S);
    expect(waitOf(() => t.begin(a))).toBe(1);
    advance(1 * S);
    attempt(a);
    expect(waitOf(() => t.begin(a))).toBe(60);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      advance(15 * MIN);
      attempt(a);
      waits.push(waitOf(() => t.begin(a)));
    }
    expect(waits).toEqual([120, 240, 480, 900, 900, 900]);
  });

  test('addresses are independent; failures are forgiven after 15 minutes without one', () => {
    const { t, attempt, advance } = throttle();
    for (let i = 0; i < 5; i++) attempt({ address: '10.0.0.9' });
    expect(() => t.begin({ address: '10.0.0.7' })).not.toThrow();
    advance(15 * MIN + 30 * S + 1);
    for (let i = 0; i < 4; i++) attempt({ address: '10.0.0.9' });
    expect(() => t.begin({ address: '10.0.0.9' })).not.toThrow();
  });

  test('a success at an address does not wipe its failures (a guesser with a viewer account of their own)', () => {
    const { t, attempt } = throttle();
    const a = { address: '10.0.0.9' };
    for (let i = 0; i < 4; i++) attempt(a);
    attempt({ address: '10.0.0.9', user: 'bob' }, true);
    attempt(a);
    expect(waitOf(() => t.begin(a))).toBe(30);
  });

  test('a burst of parallel guesses is counted before any is verified', () => {
    const { t } = throttle();
    const a = { address: '10.0.0.9' };
    for (let i = 0; i < 5; i++) t.begin(a);
    expect(waitOf(() => t.begin(a))).toBe(1);
    for (let i = 0; i < 5; i++) t.finish(a, false);
    expect(waitOf(() => t.begin(a))).toBe(30);
  });

  test('memory is bounded: the stalest address goes, and that forgives only an address', () => {
    const { t, attempt } = throttle({ maxEntries: 100 });
    for (let i = 0; i < 5; i++) attempt({ address: '10.0.0.9' });
    for (let i = 0; i < 1000; i++) attempt({ address: `10.1.${i >> 8}.${i & 255}` });
    expect(t.addresses.size).toBe(100);
    expect(() => t.begin({ address: '10.0.0.9' })).not.toThrow();
  });
});

describe('per user', () => {
  test('a guesser on many addresses gets 10 failures at a user, then one per 30 s', () => {
    const { t, attempt, advance } = throttle();
    for (let i = 0; i < 10; i++) attempt({ address: `10.0.1.${i}`, user: 'alice' });
    expect(waitOf(() => t.begin({ address: '10.0.2.1', user: 'alice' }))).toBe(30);
    // Other users are not affected.
    expect(() => t.begin({ address: '10.0.2.1', user: 'bob' })).not.toThrow();
    advance(30 * S);
    attempt({ address: '10.0.2.2', user: 'alice' });
    expect(waitOf(() => t.begin({ address: '10.0.2.3', user: 'alice' }))).toBe(30);
  });

  test("a flood of other sign-ins (10,050 tokens from distinct addresses, 20,000 unknown names) cannot reset a user's budget", () => {
    const { t, attempt } = throttle({ maxEntries: 10_000, maxUnknown: 10_000 });
    for (let i = 0; i < 10; i++) attempt({ address: `10.0.1.${i}`, user: 'alice' });
    for (let i = 0; i < 10_050; i++) attempt({ address: `10.2.${i >> 8}.${i & 255}` });
    for (let i = 0; i < 20_000; i++) attempt({ address: `10.3.${i >> 8}.${i & 255}`, user: `guess-${i}` });
    expect(waitOf(() => t.begin({ address: '10.9.9.9', user: 'alice' }))).toBe(30);
  });

  test("a browser alice signed in from before is not held to alice's budget, only to its own backoff", () => {
    const { t, attempt } = throttle();
    // A stranger keeps spending alice's budget from many addresses...
    for (let i = 0; i < 40; i++) {
      try {
        attempt({ address: `10.0.1.${i}`, user: 'alice' });
      } catch {
        // refused: the budget is spent
      }
    }
    expect(waitOf(() => t.begin({ address: '10.5.5.5', user: 'alice' }))).toBe(30);
    // ...but alice at her own desk gets in.
    const desk = { address: '10.5.5.5', user: 'alice', device: 'alice-laptop' };
    expect(() => attempt(desk, true)).not.toThrow();
    // The device's own failures still slow it down (a stolen laptop is one guesser).
    for (let i = 0; i < 5; i++) attempt({ ...desk, address: `10.6.0.${i}` });
    expect(waitOf(() => t.begin({ ...desk, address: '10.6.1.1' }))).toBe(30);
  });
});
