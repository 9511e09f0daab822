import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { parseLine } from '../logs/parse';
import { zapLine } from '../logs/testdata/fixtures';
import { attributeFinding } from '../model/check-evidence';
import type { HashCheck } from '../ring/hashkv';
import type { RingState } from '../ring/types';
import { collapseRepeats, whatChanged } from '../model/timeline-collapse';
import { fromAudit, fromHashCheck, fromLogLine, fromRingEvent, withLiveEvents } from '../model/timeline-entries';
import { TimelineStore, upgradeEntry } from './store';
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
    expect(e.evidence).toBeUndefined();
    // Alerts and alarms about the data itself are corruption evidence.
    expect(fromRingEvent({ id: 'b-1-1', cluster: 'a', at: new Date(T0).toISOString(), kind: 'alert-firing', severity: 'critical', rule: 'ringsideHashMismatch', message: 'x' }).evidence).toBe('corruption');
    expect(fromRingEvent({ id: 'b-1-2', cluster: 'a', at: new Date(T0).toISOString(), kind: 'alarm-raised', severity: 'critical', alarm: 'CORRUPT', message: 'x' }).evidence).toBe('corruption');
    expect(fromRingEvent({ id: 'b-1-3', cluster: 'a', at: new Date(T0).toISOString(), kind: 'alarm-raised', severity: 'critical', alarm: 'NOSPACE', message: 'x' }).evidence).toBeUndefined();
  });

  test('HashKV: only changes of verdict are events, never "could not tell"', () => {
    const check = (consistent: boolean | null): HashCheck => ({ cluster: 'a', revision: 9, checkedAt: new Date(T0).toISOString(), consistent, leaderSide: consistent === false ? 'majority' : null, summary: 's', members: [{ id: 'x', name: 'm3', hash: 1, compactRevision: 0, verdict: consistent === false ? 'mismatch' : 'agree', reason: null, skip: null }, { id: 'y', name: 'm1', hash: 2, compactRevision: 0, verdict: 'agree', reason: null, skip: null }] });
    expect(fromHashCheck(undefined, check(true))).toBeNull();
    expect(fromHashCheck(true, check(false))).toMatchObject({ kind: 'hashkv-mismatch', severity: 'critical', memberName: 'm3', evidence: 'corruption' });
    expect(fromHashCheck(false, check(false))).toBeNull();
    expect(fromHashCheck(false, check(null))).toBeNull();
    expect(fromHashCheck(false, check(true))).toMatchObject({ kind: 'hashkv-agree', severity: 'good', evidence: 'check-health' });
  });

  test('log lines: corruption evidence and alarms, not healthy confirmations or other categories', () => {
    const line = { ...parseLine(zapLine('same compact revision then hashes must match'), '/x/etcd.log'), member: 'm1' };
    expect(fromLogLine('a', line)).toMatchObject({ kind: 'log-corruption', memberName: 'm1', severity: 'critical', evidence: 'corruption', details: { peer: '469b85341b37ccc7' } });
    expect(fromLogLine('a', { ...line, good: true })).toBeNull();
    expect(fromLogLine('a', { ...line, category: 'disk', check: null })).toBeNull();
    expect(fromLogLine('a', { ...parseLine(zapLine('finished peer corruption check')), member: 'm1' })).toBeNull();
    expect(fromLogLine('a', { ...parseLine(zapLine('starting initial corruption check')), member: 'm1' })).toBeNull();
  });

  test('a healthy ring starting: "enabled corruption checking" is a setting, never corruption', () => {
    const e = fromLogLine('a', { ...parseLine(zapLine('enabled corruption checking')), member: 'm1' });
    expect(e).toMatchObject({ kind: 'log-check-config', severity: 'info', evidence: 'check-config', message: 'enabled corruption checking (every 5s)' });
  });

  test('a hash request to a member that is down: check health, attributed to its outage, not corruption', () => {
    const failed = parseLine(zapLine('failed hash kv request', { error: /connection refused/ }));
    const peerURL = failed.check!.peer!;
    const ring = { members: [{ id: 'fd42', name: 'm2', peerURLs: [peerURL], clientURLs: [], reachable: false }] } as unknown as RingState;
    const e = fromLogLine('a', { ...failed, member: 'm1', check: attributeFinding(failed.check!, ring) });
    expect(e).toMatchObject({ kind: 'log-check', severity: 'info', evidence: 'check-health', message: 'failed hash kv request to m2', details: { outcome: 'unreachable', peer: 'm2', peerId: 'fd42', outage: true } });
    // Before Ringside knows the member is down, the same line is a warning about the check, still not corruption.
    const up = { members: [{ ...ring.members[0], reachable: true }] } as RingState;
    expect(fromLogLine('a', { ...failed, member: 'm1', check: attributeFinding(failed.check!, up) })).toMatchObject({ kind: 'log-check', severity: 'warning', evidence: 'check-health' });
  });

  test('entries stored as log-corruption before evidence was told apart are classified again on load', () => {
    const raw = zapLine('enabled corruption checking');
    const old: TimelineEntry = { id: 'log:a:x', at: new Date(T0).toISOString(), cluster: 'a', kind: 'log-corruption', source: 'log', severity: 'critical', memberName: 'm1', message: 'enabled corruption checking', details: { level: 'info', raw } };
    expect(upgradeEntry(old)).toMatchObject({ id: 'log:a:x', kind: 'log-check-config', severity: 'info', evidence: 'check-config' });
    const passed = { ...old, message: 'finished peer corruption check', details: { raw: zapLine('finished peer corruption check') } };
    expect(upgradeEntry(passed)).toBeNull();
    const evidence = { ...old, details: { raw: zapLine('same compact revision then hashes must match') } };
    expect(upgradeEntry(evidence)).toMatchObject({ kind: 'log-corruption', evidence: 'corruption' });
    const cut = { ...old, details: { raw: raw.slice(0, 40) } };
    expect(upgradeEntry(cut)).toBe(cut);
    const dir = tmp();
    appendFileSync(path.join(dir, `timeline-${String(T0).padStart(15, '0')}-${'0'.padStart(9, '0')}.jsonl`), `${JSON.stringify(old)}\n`);
    expect(new TimelineStore(dir, { clock: () => T0 }).query().entries.map((e) => e.kind)).toEqual(['log-check-config']);
  });

  test('audit: finished actions and refusals, not the started line', () => {
    const a = { id: 'op1', at: new Date(T0).toISOString(), user: 'alice', via: 'password' as const, cluster: 'a', action: 'member-remove', member: { id: 'abc', name: 'm3' }, params: {}, result: 'ok' as const, durationMs: 40 };
    expect(fromAudit(a)).toMatchObject({ kind: 'action', message: 'alice removed m3', memberName: 'm3' });
    expect(fromAudit({ ...a, result: 'started' })).toBeNull();
    // An operator's keyspace scan: from which member, or of the newest backup.
    expect(fromAudit({ ...a, action: 'keyspace-scan', params: { source: 'live' } })!.message).toBe('alice scanned the keyspace from m3');
    expect(fromAudit({ ...a, action: 'keyspace-scan', params: { source: 'backup' }, member: undefined })!.message).toBe("alice walked the newest backup's keyspace");
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

describe('what changed: repeats collapsed, ranked by what matters', () => {
  const at = (s: number) => new Date(T0 + s * 1000).toISOString();
  const failed = (n: number): TimelineEntry => ({ id: `f${n}`, at: at(n * 5), cluster: 'a', kind: 'log-check', source: 'log', severity: 'info', memberName: 'm1', message: 'failed hash kv request to m2', evidence: 'check-health' });
  const down: TimelineEntry = { id: 'd', at: at(1), cluster: 'a', kind: 'member-down', source: 'ring', severity: 'critical', memberName: 'm2', message: 'Member m2 is down' };
  const firing: TimelineEntry = { id: 'al', at: at(21), cluster: 'a', kind: 'alert-firing', source: 'alert', severity: 'critical', memberName: 'm2', message: 'etcdMembersDown firing' };
  const enabled: TimelineEntry = { id: 'c', at: at(0), cluster: 'a', kind: 'log-check-config', source: 'log', severity: 'info', memberName: 'm1', message: 'enabled corruption checking', evidence: 'check-config' };

  test('a line that repeats is one entry at its latest time, with its count and first time', () => {
    const window = [enabled, down, ...Array.from({ length: 24 }, (_, i) => failed(i + 1)), firing].sort((x, y) => x.at.localeCompare(y.at));
    const rows = collapseRepeats(window);
    const f = rows.filter((e) => e.kind === 'log-check');
    expect(f).toEqual([{ ...failed(24), repeat: { count: 24, firstAt: at(5) } }]);
    expect(rows.filter((e) => e.source !== 'log')).toEqual([down, firing]);
    // Collapsing collapsed rows again (a summary built from an already collapsed window) keeps the count.
    expect(collapseRepeats(rows)).toEqual(rows);
  });

  test('ring events and alerts first, check failures after them, settings never', () => {
    const window = [enabled, down, ...Array.from({ length: 24 }, (_, i) => failed(i + 1)), firing].sort((x, y) => x.at.localeCompare(y.at));
    expect(whatChanged(window).map((e) => [e.id, e.repeat?.count ?? 1])).toEqual([
      ['al', 1],
      ['d', 1],
      ['f24', 24],
    ]);
  });

  test("the members' own corruption lines rank after the ring's events and before check failures", () => {
    const evidence: TimelineEntry = { id: 'ev', at: at(200), cluster: 'a', kind: 'log-corruption', source: 'log', severity: 'critical', memberName: 'm1', message: 'same compact revision then hashes must match', evidence: 'corruption' };
    const alarm: TimelineEntry = { id: 'ar', at: at(100), cluster: 'a', kind: 'alarm-raised', source: 'ring', severity: 'critical', message: 'CORRUPT', evidence: 'corruption' };
    expect(whatChanged([alarm, failed(30), evidence]).map((e) => e.id)).toEqual(['ar', 'ev', 'f30']);
  });
});

test("a copied window holds the ring events the page already shows, even before the stored query has them", () => {
  const stored: TimelineEntry[] = [entry(1, { id: 'ring:a:b-1-0' })];
  const raised = { id: 'b-2-0', cluster: 'a', at: new Date(T0 + 2000).toISOString(), kind: 'alarm-raised' as const, severity: 'critical' as const, alarm: 'CORRUPT', message: 'Alarm CORRUPT raised' };
  const old = { ...raised, id: 'b-0-0', at: new Date(T0 - 60_000).toISOString() };
  const merged = withLiveEvents(stored, [old, { ...raised, id: 'b-1-0', at: stored[0].at }, raised], T0 - 1000, T0 + 5000);
  expect(merged.map((e) => [e.id, e.kind])).toEqual([
    ['ring:a:b-1-0', 'member-down'],
    ['ring:a:b-2-0', 'alarm-raised'],
  ]);
  expect(merged[1].evidence).toBe('corruption');
});
