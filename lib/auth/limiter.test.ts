import { describe, expect, test } from 'vitest';
import { RingsideError } from '../errors';
import { SignInLimiter } from './limiter';

const S = 1000;
const MIN = 60 * S;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

function limiter(opts: { maxEntries?: number } = {}) {
  let now = T0;
  const l = new SignInLimiter({ clock: () => now, ...opts });
  const fail = (keys: string[]) => {
    l.begin(keys);
    l.finish(keys, false);
  };
  return { l, fail, advance: (ms: number) => (now += ms) };
}

function refusal(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RingsideError);
    expect((e as RingsideError).code).toBe('UNAUTHENTICATED');
    return (e as RingsideError).message;
  }
  throw new Error('expected a refusal');
}

describe('SignInLimiter', () => {
  test('five failures lock a key for 30 s; each further failure doubles it, up to 15 minutes', () => {
    const { l, fail, advance } = limiter();
    const k = ['user:alice'];
    for (let i = 0; i < 4; i++) fail(k);
    l.begin(k); // the fifth attempt is still admitted...
    l.finish(k, false);
    expect(refusal(() => l.begin(k))).toBe('too many failed sign-ins; try again in 30 s'); // ...and locks
    advance(29 * S);
    expect(refusal(() => l.begin(k))).toBe('too many failed sign-ins; try again in 1 s');
    advance(1 * S);
    fail(k);
    expect(refusal(() => l.begin(k))).toBe('too many failed sign-ins; try again in 60 s');
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      advance(15 * MIN);
      fail(k);
      waits.push(Number(/in (\d+) s/.exec(refusal(() => l.begin(k)))![1]));
    }
    expect(waits).toEqual([120, 240, 480, 900, 900, 900]);
  });

  test('keys are independent, and one locked key refuses the attempt', () => {
    const { l, fail } = limiter();
    for (let i = 0; i < 5; i++) fail(['user:alice', 'addr:10.0.0.9']);
    expect(() => l.begin(['user:bob', 'addr:10.0.0.7'])).not.toThrow();
    expect(refusal(() => l.begin(['user:bob', 'addr:10.0.0.9']))).toMatch(/try again in 30 s/);
  });

  test('failures are forgiven after 15 minutes without one', () => {
    const { l, fail, advance } = limiter();
    const k = ['user:alice'];
    for (let i = 0; i < 4; i++) fail(k);
    advance(15 * MIN + 1);
    for (let i = 0; i < 4; i++) fail(k);
    expect(() => l.begin(k)).not.toThrow();
  });

  test('success clears the keys it is told to, not the address', () => {
    const { l, fail } = limiter();
    const keys = ['user:alice', 'addr:10.0.0.9'];
    for (let i = 0; i < 4; i++) fail(keys);
    l.begin(keys);
    l.finish(keys, true, ['user:alice']);
    fail(['user:alice']);
    expect(() => l.begin(['user:alice'])).not.toThrow();
    l.finish(['user:alice'], true);
    fail(['addr:10.0.0.9']);
    expect(refusal(() => l.begin(['addr:10.0.0.9']))).toMatch(/try again in 30 s/);
  });

  test('a burst of parallel guesses is counted before any is verified', () => {
    const { l } = limiter();
    const k = ['user:alice'];
    for (let i = 0; i < 5; i++) l.begin(k);
    expect(refusal(() => l.begin(k))).toBe('too many failed sign-ins; try again in 1 s');
    for (let i = 0; i < 5; i++) l.finish(k, false);
    expect(refusal(() => l.begin(k))).toMatch(/try again in 30 s/);
  });

  test('memory is bounded: the stalest key goes', () => {
    const { l, fail } = limiter({ maxEntries: 100 });
    for (let i = 0; i < 5; i++) fail(['user:alice']);
    for (let i = 0; i < 1000; i++) fail([`user:guess-${i}`]);
    expect(l.size).toBe(100);
    expect(() => l.begin(['user:alice'])).not.toThrow();
  });
});
