import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { HashCheck } from '../ring/hashkv';
import { fromAudit, fromHashCheck, fromLogLine, fromRingEvent } from './entries';
import { TimelineStore } from './store';
import type { TimelineEntry } from './types';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'ringside-timeline-'));
  dirs.push(d);
  return d;
};

const T0 = Date.UTC(2026, 10, 23, 3, 0, 0);
const entry = (n: number, extra: Partial<TimelineEntry> = {}): TimelineEntry => ({
  id: `e${n}`,
  at: new Date(T0 + n * 1000).toISOString(),
  cluster: n % 2 ? 'a' : 'b',
  kind: n % 3 ? 'member-down' : 'leader-changed',
  source: 'ring',
  severity: 'critical',
  memberName: `m${(n % 3) + 1}`,
  message: `event ${n}`,
  ...extra,
});

describe('TimelineStore', () => {
  test('queries by window, cluster, member and kind, oldest first, the newest when limited', () => {
    const s = new TimelineStore(tmp(), { clock: () => T0 });
    s.append(...Array.from({ length: 30 }, (_, i) => entry(i)));
    expect(s.query({ from: T0 + 10_000, to: T0 + 12_000 }).entries.map((e) => e.id)).toEqual(['e10', 'e11', 'e12']);
    expect(s.query({ clusters: ['a'], kinds: ['leader-changed'] }).entries.map((e) => e.id)).toEqual(['e3', 'e9', 'e15', 'e21', 'e27']);
    expect(s.query({ members: ['m1'] }).entries.every((e) => e.memberName === 'm1')).toBe(true);
    const limited = s.query({ limit: 2 });
    expect(limited.entries.map((e) => e.id)).toEqual(['e28', 'e29']);
    expect(limited.total).toBe(30);
    s.close();
  });

  test('survives a reopen; an id is stored once; a late entry lands in time order', () => {
    const dir = tmp();
    const s = new TimelineStore(dir, { clock: () => T0 });
    s.append(entry(1), entry(3), entry(1));
    s.append(entry(2));
    s.close();
    const again = new TimelineStore(dir, { clock: () => T0 });
    expect(again.query().entries.map((e) => e.id)).toEqual(['e1', 'e2', 'e3']);
    again.close();
  });

  test('appends reach the disk within the flush interval, without a close (a kill -9 loses at most that)', async () => {
    const dir = tmp();
    const s = new TimelineStore(dir, { clock: () => T0, flushMs: 20 });
    s.append(entry(1));
    await new Promise((r) => setTimeout(r, 80));
    // A second process reading the directory now sees it: nothing was held back in memory.
    expect(new TimelineStore(dir, { clock: () => T0 }).query().entries.map((e) => e.id)).toEqual(['e1']);
  });

  test('a torn last line from a crash is skipped, and later entries go to a new segment', () => {
    const dir = tmp();
    const s = new TimelineStore(dir, { clock: () => T0 });
    s.append(entry(1));
    s.close();
    const [seg] = readdirSync(dir);
    appendFileSync(path.join(dir, seg), '{"id":"e2","at":"2026-11-');
    const again = new TimelineStore(dir, { clock: () => T0 + 1 });
    again.append(entry(3));
    again.close();
    expect(new TimelineStore(dir, { clock: () => T0 + 2 }).query().entries.map((e) => e.id)).toEqual(['e1', 'e3']);
    expect(readdirSync(dir)).toHaveLength(2);
  });

  test('retention: whole old segments go by age and by count; memory is bounded too', () => {
    const dir = tmp();
    let now = T0;
    const s = new TimelineStore(dir, { clock: () => now, maxAgeMs: 60_000, maxEntries: 50, segmentBytes: 2000 });
    for (let i = 0; i < 200; i++) {
      s.append(entry(i));
      s.flush();
    }
    expect(s.size).toBeLessThanOrEqual(50);
    const files = readdirSync(dir).length;
    now = T0 + 10 * 60_000;
    s.append(entry(1000));
    s.flush();
    expect(s.query().entries.map((e) => e.id)).toEqual(['e1000']);
    expect(readdirSync(dir).length).toBeLessThan(files);
    s.close();
  });
});

describe('entries', () => {
  test('ring events and alerts keep their member, rule and severity', () => {
    const e = fromRingEvent({ id: 'b-1-0', cluster: 'a', at: new Date(T0).toISOString(), kind: 'alert-firing', severity: 'critical', memberId: 'abc', memberName: 'm2', rule: 'etcdMembersDown', message: 'm2 is down' });
    expect(e).toMatchObject({ id: 'ring:a:b-1-0', kind: 'alert-firing', source: 'alert', memberName: 'm2', details: { rule: 'etcdMembersDown' } });
  });

  test('HashKV: only changes of verdict are events, never "could not tell"', () => {
    const check = (consistent: boolean | null): HashCheck => ({ cluster: 'a', revision: 9, checkedAt: new Date(T0).toISOString(), consistent, leaderSide: consistent === false ? 'majority' : null, summary: 's', members: [{ id: 'x', name: 'm3', hash: 1, compactRevision: 0, verdict: consistent === false ? 'mismatch' : 'agree', reason: null, skip: null }, { id: 'y', name: 'm1', hash: 2, compactRevision: 0, verdict: 'agree', reason: null, skip: null }] });
    expect(fromHashCheck(undefined, check(true))).toBeNull();
    expect(fromHashCheck(true, check(false))).toMatchObject({ kind: 'hashkv-mismatch', severity: 'critical', memberName: 'm3' });
    expect(fromHashCheck(false, check(false))).toBeNull();
    expect(fromHashCheck(false, check(null))).toBeNull();
    expect(fromHashCheck(false, check(true))).toMatchObject({ kind: 'hashkv-agree', severity: 'good' });
  });

  test('log lines: corruption and alarms, not healthy confirmations or other categories', () => {
    const line = { at: new Date(T0).toISOString(), level: 'error' as const, member: 'm1', message: 'same compact revision then hashes must match', fields: {}, category: 'corruption' as const, good: false, raw: '{...}', source: '/x/etcd.log' };
    expect(fromLogLine('a', line)).toMatchObject({ kind: 'log-corruption', memberName: 'm1', severity: 'critical' });
    expect(fromLogLine('a', { ...line, good: true })).toBeNull();
    expect(fromLogLine('a', { ...line, category: 'disk' })).toBeNull();
  });

  test('audit: finished actions and refusals, not the started line', () => {
    const a = { id: 'op1', at: new Date(T0).toISOString(), user: 'alice', via: 'password' as const, cluster: 'a', action: 'member-remove', member: { id: 'abc', name: 'm3' }, params: {}, result: 'ok' as const, durationMs: 40 };
    expect(fromAudit(a)).toMatchObject({ kind: 'action', message: 'alice removed m3', memberName: 'm3' });
    expect(fromAudit({ ...a, result: 'started' })).toBeNull();
    expect(fromAudit({ ...a, result: 'refused', error: 'm3 is healthy while m2 is down.' })!.message).toBe('alice removed m3 (refused: m3 is healthy while m2 is down.)');
  });
});

test('a disk that refuses writes does not throw: the lines wait in memory and are written once it accepts them', async () => {
  const { mkdirSync, rmdirSync } = await import('node:fs');
  const dir = tmp();
  const s = new TimelineStore(dir, { clock: () => T0 });
  s.append(entry(1));
  s.close();
  // The next segment's name is taken by a directory: the open fails (EISDIR), even as root.
  const next = path.join(dir, `timeline-${String(T0).padStart(15, '0')}-${'1'.padStart(9, '0')}.jsonl`);
  mkdirSync(next);
  const again = new TimelineStore(dir, { clock: () => T0 });
  again.append(entry(2));
  expect(() => again.flush()).not.toThrow();
  expect(again.query().entries.map((e) => e.id)).toEqual(['e1', 'e2']);
  rmdirSync(next);
  again.flush();
  again.close();
  expect(new TimelineStore(dir, { clock: () => T0 }).query().entries.map((e) => e.id)).toEqual(['e1', 'e2']);
});
