import { describe, expect, test } from 'vitest';
import { deriveRing } from '../ring/derive';
import { ids, okProbe, poll } from '../ring/fixtures';
import type { RingEvent } from '../ring/types';
import { applyEvents, applyHashCheck, applyRing } from './apply-update';
import type { HashCheck } from '../ring/hashkv';

const L = ids.m1;
const state = (seq: number, bootId = 'b1', second = seq) =>
  deriveRing({ ...poll(second, [okProbe('m1', L), okProbe('m2', L), okProbe('m3', L)]), seq }, null, { bootId, pollIntervalMs: 1000 });

describe('applyRing', () => {
  test('takes the first state', () => {
    const s = state(1);
    expect(applyRing(undefined, s)).toBe(s);
  });
  test('takes newer polls and ignores older or repeated ones from the same boot', () => {
    const s1 = state(1);
    const s2 = state(2);
    expect(applyRing(s1, s2)).toBe(s2);
    expect(applyRing(s2, s1)).toBe(s2);
    expect(applyRing(s2, state(2))).toBe(s2);
  });
  test('after a server restart (new boot, seq from 1) the later poll time wins', () => {
    const old = state(500, 'b1', 10);
    const restarted = state(1, 'b2', 20);
    expect(applyRing(old, restarted)).toBe(restarted);
    const stale = state(501, 'b1', 5);
    expect(applyRing(restarted, stale)).toBe(restarted);
  });
});

describe('applyEvents', () => {
  const ev = (id: string, sec: number): RingEvent => ({
    id,
    cluster: 'demo',
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, sec)).toISOString(),
    kind: 'member-down',
    severity: 'critical',
    message: id,
  });
  test('newest first, no duplicates, bounded', () => {
    const a = applyEvents(undefined, [ev('b-1-0', 1), ev('b-2-0', 2)]);
    expect(a.map((e) => e.id)).toEqual(['b-2-0', 'b-1-0']);
    const b = applyEvents(a, [ev('b-2-0', 2), ev('b-3-0', 3)]);
    expect(b.map((e) => e.id)).toEqual(['b-3-0', 'b-2-0', 'b-1-0']);
    expect(applyEvents(b, [ev('b-4-0', 4)], 2).map((e) => e.id)).toEqual(['b-4-0', 'b-3-0']);
  });
  test('returns the same array when nothing is new (no re-render)', () => {
    const a = applyEvents(undefined, [ev('x', 1)]);
    expect(applyEvents(a, [ev('x', 1)])).toBe(a);
  });
});

describe('applyHashCheck', () => {
  const check = (iso: string): HashCheck => ({ cluster: 'demo', revision: 1, checkedAt: iso, consistent: true, members: [], leaderSide: null, summary: '' });
  test('keeps the newer check', () => {
    const a = check('2026-01-01T00:00:10Z');
    const b = check('2026-01-01T00:00:20Z');
    expect(applyHashCheck(undefined, a)).toBe(a);
    expect(applyHashCheck(a, b)).toBe(b);
    expect(applyHashCheck(b, a)).toBe(b);
  });
});
