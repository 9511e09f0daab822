import { describe, expect, test } from 'vitest';
import { deriveRing } from '../ring/derive';
import { ids, okProbe, poll } from '../ring/fixtures';
import type { RingEvent } from '../ring/types';
import { appendLogLine, appendSample, applyEvents, applyHashCheck, applyOperation, applyRing, resyncLogLines } from './apply-update';
import type { LogLine } from '../logs/types';
import { SERIES_KEYS } from '../model/series';
import type { HistoryResponse } from './keys';
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

describe('appendSample', () => {
  const S = SERIES_KEYS.length;
  const values = (v: number) => Array(S).fill(v);
  const base = (): HistoryResponse => ({
    cluster: 'demo',
    range: '5m',
    from: 0,
    to: 3000,
    stepMs: 1000,
    source: 'raw',
    t: [1000, 2000, 3000],
    members: [{ id: 'a', name: 'm1' }],
    series: { revision: { a: [1, 2, 3] }, latencyMs: { a: [0.5, 0.6, 0.7] } },
    agg: { revision: 'raw', latencyMs: 'raw' },
    units: {},
    events: [],
  });

  test('appends a newer poll and drops points that left the range', () => {
    const next = appendSample(base(), { at: 4000, members: [{ id: 'a', name: 'm1', values: values(4) }] }, 2500)!;
    expect(next.t).toEqual([2000, 3000, 4000]);
    expect(next.series.revision).toEqual({ a: [2, 3, 4] });
    expect(next.from).toBe(1500);
    expect(next.to).toBe(4000);
  });

  test('ignores a poll no newer than what it holds, and downsampled ranges', () => {
    const prev = base();
    expect(appendSample(prev, { at: 3000, members: [] }, 300_000)).toBe(prev);
    const coarse = { ...base(), source: 'coarse' as const };
    expect(appendSample(coarse, { at: 9000, members: [] }, 300_000)).toBe(coarse);
    expect(appendSample(undefined, { at: 9000, members: [] }, 300_000)).toBeUndefined();
  });

  test('a new member gets an empty past; a member missing from the poll gets a gap; NaN is null', () => {
    const next = appendSample(base(), { at: 4000, members: [{ id: 'b', name: 'm4', values: values(NaN).map((v, i) => (i === 1 ? 9 : v)) }] }, 300_000)!;
    expect(next.members.map((m) => m.id)).toEqual(['a', 'b']);
    expect(next.series.revision).toEqual({ a: [1, 2, 3, null], b: [null, null, null, 9] });
    expect(next.series.latencyMs).toEqual({ a: [0.5, 0.6, 0.7, null], b: [null, null, null, null] });
  });

  test('polls missed while the stream was down leave a break in the lines', () => {
    const next = appendSample(base(), { at: 60_000, members: [{ id: 'a', name: 'm1', values: values(5) }] }, 300_000)!;
    expect(next.t).toEqual([1000, 2000, 3000, 4000, 60_000]);
    expect(next.series.revision).toEqual({ a: [1, 2, 3, null, 5] });
  });
});

describe('applyOperation', () => {
  const op = (id: string, startedAt: string, state: 'running' | 'succeeded' = 'running') =>
    ({ id, cluster: 'c', action: 'defragment', user: 'alice', params: {}, startedAt, state, steps: [] }) as import('../ops/types').Operation;
  test('replaces an operation by id and keeps the newest first', () => {
    const a = op('a', '2026-11-22T03:00:00Z');
    const b = op('b', '2026-11-22T03:01:00Z');
    expect(applyOperation([a], b).map((o) => o.id)).toEqual(['b', 'a']);
    const list = applyOperation(applyOperation([a], b), { ...a, state: 'succeeded' });
    expect(list.map((o) => [o.id, o.state])).toEqual([['b', 'running'], ['a', 'succeeded']]);
  });
  test("an ended operation is not set back to running by the action's own late 202 answer", () => {
    const done = op('a', '2026-11-22T03:00:00Z', 'succeeded');
    expect(applyOperation([done], op('a', '2026-11-22T03:00:00Z')).map((o) => o.state)).toEqual(['succeeded']);
  });
  test('is bounded', () => {
    let list: import('../ops/types').Operation[] = [];
    for (let i = 0; i < 60; i++) list = applyOperation(list, op(`o${i}`, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString()), 50);
    expect(list).toHaveLength(50);
    expect(list[0].id).toBe('o59');
  });
});

describe('log lines across reconnects', () => {
  const line = (seq: number): LogLine => ({ seq, at: new Date(Date.UTC(2026, 10, 22, 3, 0, seq)).toISOString(), member: 'm1', level: 'info', msg: `line ${seq}`, category: 'other', raw: `line ${seq}` }) as unknown as LogLine;
  const seqs = (ls: LogLine[]) => ls.map((l) => l.seq);

  test('the snapshot after a reconnect holds what was missed; stream lines that arrived meanwhile join once', () => {
    const held = [line(1), line(2), line(3)].reduce<LogLine[]>((p, l) => appendLogLine(p, l, 500), []);
    // Disconnected while 4..6 were logged; on reconnect the stream delivers 6 and 7 before the snapshot (1..6) answers.
    const resynced = resyncLogLines([1, 2, 3, 4, 5, 6].map(line), [line(6), line(7)], 500);
    expect(seqs(resynced)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // A late duplicate from the stream is dropped; the next one joins.
    expect(seqs(appendLogLine(appendLogLine(resynced, line(7), 500), line(8), 500))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(seqs(held)).toEqual([1, 2, 3]);
  });

  test('after a server restart (numbering starts again) the snapshot replaces what was held', () => {
    expect(seqs(resyncLogLines([1, 2].map(line), [], 500))).toEqual([1, 2]);
  });

  test('at most `keep` lines, the newest', () => {
    expect(seqs(resyncLogLines([1, 2, 3, 4].map(line), [line(5)], 3))).toEqual([3, 4, 5]);
    expect(seqs(appendLogLine([1, 2, 3].map(line), line(4), 3))).toEqual([2, 3, 4]);
  });
});
