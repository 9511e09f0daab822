import { describe, expect, test } from 'vitest';
import { LogBuffer, lineCost } from './buffer';
import { parseLine } from './parse';
import type { LogLine } from './types';
import { capnslogFixture, zapFixture } from './testdata/fixtures';

/** Real lines, dealt round-robin to m1..m3 the way a log source would label them. */
function realLines(): LogLine[] {
  return [...zapFixture, ...capnslogFixture].map((raw, i) => ({ ...parseLine(raw, 'fixture'), member: `m${(i % 3) + 1}` }));
}

const line = (member: string | null, message: string, at: string | null = null): LogLine => ({
  ...parseLine(message),
  member,
  at,
});

describe('LogBuffer', () => {
  test('query returns lines across members in push order, newest last, up to limit', () => {
    const buf = new LogBuffer();
    const lines = realLines();
    for (const l of lines) buf.push(l);
    expect(buf.query({ limit: lines.length })).toEqual(lines);
    expect(buf.query({ limit: 3 })).toEqual(lines.slice(-3));
    expect(buf.query({ limit: 0 })).toEqual([]);
    expect(buf.query()).toHaveLength(Math.min(500, lines.length));
  });

  test('filters by member, category (one or several) and text, case-insensitively over the raw line', () => {
    const buf = new LogBuffer();
    const lines = realLines();
    for (const l of lines) buf.push(l);

    const m2 = buf.query({ member: 'm2', limit: 10_000 });
    expect(m2).toEqual(lines.filter((l) => l.member === 'm2'));

    const corruption = buf.query({ category: 'corruption', limit: 10_000 });
    expect(corruption.length).toBeGreaterThan(10);
    expect(corruption.every((l) => l.category === 'corruption')).toBe(true);
    expect(corruption.map((l) => l.message)).toContain('same compact revision then hashes must match');

    const both = buf.query({ category: ['alarm', 'disk'], limit: 10_000 });
    expect(new Set(both.map((l) => l.category))).toEqual(new Set(['alarm', 'disk']));

    // Field values count: the follower's ID is only in a zap field.
    const follower = JSON.parse(zapFixture.find((l) => l.includes('hashes must match'))!)['follower-peer-id'] as string;
    const byId = buf.query({ text: follower.toUpperCase(), category: 'corruption', limit: 10_000 });
    expect(byId.map((l) => l.message)).toContain('same compact revision then hashes must match');

    expect(buf.query({ member: 'm9' })).toEqual([]);
  });

  test('since keeps lines at or after a time; a line without one counts from when it was pushed', () => {
    const buf = new LogBuffer();
    buf.push(line('m1', 'a', '2026-11-22T06:00:00.000Z'));
    buf.push(line('m1', 'b', '2026-11-22T06:00:01.000Z'));
    buf.push(line('m2', 'c', '2026-11-22T06:00:02.000Z'));
    buf.push(line('m2', 'goroutine 1 [running]:', null), Date.parse('2026-11-22T06:00:03.000Z'));
    expect(buf.query({ since: '2026-11-22T06:00:01.000Z' }).map((l) => l.message)).toEqual(['b', 'c', 'goroutine 1 [running]:']);
    expect(buf.query({ since: '2026-11-22T06:00:02.500Z' }).map((l) => l.message)).toEqual(['goroutine 1 [running]:']);
    expect(() => buf.query({ since: 'yesterday' })).toThrow(/since: expected an ISO time/);
  });

  test('lines of an unknown member are kept under ""', () => {
    const buf = new LogBuffer();
    buf.push(line(null, 'x'));
    expect(buf.members()).toEqual(['']);
    expect(buf.query({ member: '' }).map((l) => l.message)).toEqual(['x']);
  });

  test('each member keeps its own newest capacityPerMember lines; a chatty member does not push out a quiet one', () => {
    const buf = new LogBuffer({ capacityPerMember: 5 });
    buf.push(line('quiet', 'q0'));
    for (let i = 0; i < 12; i++) buf.push(line('chatty', `c${i}`));
    expect(buf.query({ member: 'chatty' }).map((l) => l.message)).toEqual(['c7', 'c8', 'c9', 'c10', 'c11']);
    expect(buf.query({ member: 'quiet' }).map((l) => l.message)).toEqual(['q0']);
    expect(buf.stats()).toMatchObject({ members: 2, lines: 6, evicted: 7 });
  });

  test('the byte bound drops the oldest lines first but always keeps the newest one', () => {
    const small = line('m1', 'x'.repeat(100));
    const budget = 3 * lineCost(small);
    const buf = new LogBuffer({ maxBytesPerMember: budget });
    for (let i = 0; i < 10; i++) buf.push(line('m1', `${i}`.padEnd(100, 'x')));
    const kept = buf.query({ member: 'm1' });
    expect(kept.map((l) => l.message[0])).toEqual(['7', '8', '9']);
    expect(buf.stats().bytes).toBeLessThanOrEqual(budget);

    buf.push(line('m1', 'y'.repeat(10_000)));
    expect(buf.query({ member: 'm1' }).map((l) => l.message[0])).toEqual(['y']);
  });

  test('at most maxMembers members: the one that logged least recently goes', () => {
    const buf = new LogBuffer({ maxMembers: 2 });
    buf.push(line('m1', 'a'));
    buf.push(line('m2', 'b'));
    buf.push(line('m1', 'c'));
    buf.push(line('m3', 'd'));
    expect(buf.members().sort()).toEqual(['m1', 'm3']);
    expect(buf.query().map((l) => l.message)).toEqual(['a', 'c', 'd']);
  });

  test('clear forgets one member or all; bad options are refused', () => {
    const buf = new LogBuffer();
    buf.push(line('m1', 'a'));
    buf.push(line('m2', 'b'));
    buf.clear('m1');
    expect(buf.members()).toEqual(['m2']);
    buf.clear();
    expect(buf.stats()).toEqual({ members: 0, lines: 0, bytes: 0, evicted: 0 });
    expect(() => new LogBuffer({ capacityPerMember: 0 })).toThrow(/capacityPerMember: expected a positive integer/);
  });
});
