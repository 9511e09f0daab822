import { describe, expect, test } from 'vitest';
import { parseLine, quoteUnsafeIntegers } from './parse';
import { capnslogFixture, capnslogLine, zapFixture, zapLine } from './testdata/fixtures';

/** capnslog and Go's log carry local time without a zone; the expectation is built the same way. */
const local = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms = 0): string =>
  new Date(y, mo - 1, d, h, mi, s, ms).toISOString();

describe('parseLine: zap JSON (etcd 3.4.23, --logger=zap)', () => {
  test('a real warning: level, time, message, and every other key as fields', () => {
    const raw = zapLine('same compact revision then hashes must match');
    const line = parseLine(raw, '/var/log/etcd/m2.log');
    const json = JSON.parse(raw) as Record<string, unknown>;
    expect(line).toMatchObject({
      at: json.ts,
      level: 'warn',
      member: null,
      message: 'same compact revision then hashes must match',
      category: 'corruption',
      good: false,
      raw,
      source: '/var/log/etcd/m2.log',
    });
    expect(line.fields).toEqual({
      caller: json.caller,
      'leader-compact-revision': json['leader-compact-revision'],
      'leader-hash': json['leader-hash'],
      'follower-compact-revision': json['follower-compact-revision'],
      'follower-hash': json['follower-hash'],
      'follower-peer-id': json['follower-peer-id'],
    });
    // Member IDs stay as etcd wrote them (hex strings).
    expect(line.fields['follower-peer-id']).toMatch(/^[0-9a-f]{16}$/);
  });

  test('every JSON line of the fixture has a time, a known level and its msg', () => {
    const json = zapFixture.filter((l) => l.startsWith('{'));
    expect(json.length).toBeGreaterThan(100);
    for (const raw of json) {
      const line = parseLine(raw);
      const o = JSON.parse(raw) as { ts: string; msg: string };
      expect(line.at, raw).toBe(new Date(o.ts).toISOString());
      expect(line.level, raw).not.toBe('unknown');
      expect(line.message).toBe(o.msg);
      expect(Object.keys(line.fields)).not.toContain('msg');
    }
  });

  test('levels: fatal and panic as etcd wrote them, dpanic counted as panic', () => {
    expect(parseLine(zapLine('discovery failed')).level).toBe('fatal');
    expect(parseLine(zapLine('failed to open database')).level).toBe('panic');
    expect(parseLine('{"level":"dpanic","ts":"2026-11-22T06:13:06.048Z","msg":"x"}').level).toBe('panic');
    expect(parseLine('{"level":"debug","ts":"2026-11-22T06:13:06.048Z","msg":"x"}').level).toBe('debug');
    expect(parseLine('{"level":"loud","ts":"2026-11-22T06:13:06.048Z","msg":"x"}').level).toBe('unknown');
  });

  // Constructed: 3.4.23 writes ISO time in UTC here; these are the other encodings zap users meet.
  test('ts as a float epoch (zap default encoder) and as ISO with a +hhmm offset or microseconds', () => {
    expect(parseLine('{"level":"info","ts":1795329186.301234,"caller":"x.go:1","msg":"m"}').at).toBe('2026-11-22T06:33:06.301Z');
    expect(parseLine('{"level":"info","ts":"2026-11-22T07:13:06.301+0100","msg":"m"}').at).toBe('2026-11-22T06:13:06.301Z');
    expect(parseLine('{"level":"info","ts":"2026-11-22T06:13:06.301234Z","msg":"m"}').at).toBe('2026-11-22T06:13:06.301Z');
    expect(parseLine('{"level":"info","ts":"yesterday","msg":"m"}').at).toBeNull();
    expect(parseLine('{"level":"info","msg":"m"}').at).toBeNull();
  });

  test('integers beyond 2^53 keep every digit (as strings); digits inside strings are untouched', () => {
    const line = parseLine('{"level":"info","ts":"2026-11-22T06:13:06.301Z","msg":"id 18446744073709551615","member-id":18446744073709551615,"n":42}');
    expect(line.fields['member-id']).toBe('18446744073709551615');
    expect(line.fields.n).toBe(42);
    expect(line.message).toBe('id 18446744073709551615');
    expect(quoteUnsafeIntegers('{"a":"x\\"12345678901234567890","b":-12345678901234567890}')).toBe(
      '{"a":"x\\"12345678901234567890","b":"-12345678901234567890"}',
    );
  });

  test('JSON that is not a zap entry is an unknown line', () => {
    for (const raw of ['[1,2,3]', '{"a":1}', '{"level":"info","msg":', '{}']) {
      expect(parseLine(raw)).toMatchObject({ level: 'unknown', category: 'other', message: raw, at: null });
    }
  });
});

describe('parseLine: text formats (etcd 3.4.23 capnslog, raft, grpc, Go panics)', () => {
  test('capnslog: local time with microseconds, level letter, package in fields', () => {
    const raw = capnslogLine(/ W \| etcdserver: failed to send out heartbeat on time/);
    const line = parseLine(raw, 'm1:stderr');
    const [, y, mo, d, h, mi, s, us] = /^(\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+)\.(\d+)/.exec(raw)!.map(Number);
    expect(line).toMatchObject({
      at: local(y, mo, d, h, mi, s, Math.floor(us / 1000)),
      level: 'warn',
      fields: { pkg: 'etcdserver' },
      category: 'disk',
      source: 'm1:stderr',
    });
    expect(line.message).toMatch(/^failed to send out heartbeat on time \(exceeded the 100ms timeout for [\d.]+ms, to [0-9a-f]{16}\)$/);
  });

  test('capnslog level letters: N is info, E error, C (critical, written by Fatal and Panic) fatal', () => {
    expect(parseLine(capnslogLine(/ N \| embed: serving insecure client requests/)).level).toBe('info');
    expect(parseLine(capnslogLine(/ E \| etcdserver: applying raft message exceeded backend quota/)).level).toBe('error');
    const fatal = parseLine(capnslogLine(/ C \| etcdmain: .* found data inconsistency with peers/));
    expect(fatal).toMatchObject({ level: 'fatal', fields: { pkg: 'etcdmain' }, category: 'corruption' });
    expect(parseLine('2026-11-22 06:17:10.215211 D | etcdserver: x').level).toBe('debug');
    // A nested package name is kept whole.
    expect(parseLine(capnslogLine(/etcdserver\/api\/etcdhttp: \/health error/)).fields).toEqual({ pkg: 'etcdserver/api/etcdhttp' });
  });

  test("raft under capnslog uses Go's log: 'raft' prefix glued to the date, second precision", () => {
    const raw = capnslogLine(/^raft\S+ \S+ INFO: \S+ became leader at term \d+$/);
    const line = parseLine(raw);
    const [, y, mo, d, h, mi, s] = /^raft(\d+)\/(\d+)\/(\d+) (\d+):(\d+):(\d+)/.exec(raw)!.map(Number);
    expect(line).toMatchObject({ at: local(y, mo, d, h, mi, s), level: 'info', fields: { pkg: 'raft' }, category: 'leader-election' });
    expect(line.message).toMatch(/^[0-9a-f]{16} became leader at term \d+$/);
  });

  test('grpc-go writes "WARNING: <date> ..." to stderr', () => {
    const line = parseLine(capnslogLine(/^WARNING: \d{4}\/\d\d\/\d\d /));
    expect(line).toMatchObject({ level: 'warn', fields: { pkg: 'grpc' }, category: 'other' });
    expect(line.message).toMatch(/^\[core\] grpc: /);
    expect(line.at).not.toBeNull();
  });

  test('a Go panic: the panic line has level panic, its trace lines are marked goTrace', () => {
    const start = zapFixture.indexOf('panic: failed to open database');
    expect(start).toBeGreaterThan(0);
    expect(parseLine(zapFixture[start])).toMatchObject({ level: 'panic', message: 'failed to open database', at: null, category: 'corruption' });
    const trace = zapFixture.slice(start + 1).map((l) => parseLine(l));
    expect(trace.length).toBeGreaterThan(5);
    for (const l of trace) expect(l, l.raw).toMatchObject({ level: 'unknown', category: 'other', fields: { goTrace: true } });
    expect(parseLine('fatal error: concurrent map writes')).toMatchObject({ level: 'fatal', message: 'concurrent map writes' });
  });

  test('every fixture line is understood: a known level, or part of a Go trace', () => {
    for (const raw of [...zapFixture, ...capnslogFixture]) {
      const line = parseLine(raw);
      if (line.level === 'unknown') expect(line.fields, raw).toEqual({ goTrace: true });
    }
  });

  test("etcd's bracketed banner warning", () => {
    expect(parseLine(capnslogLine(/^\[WARNING\] Deprecated/))).toMatchObject({
      level: 'warn',
      message: "Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead",
    });
  });
});

describe('parseLine: anything else', () => {
  test('unknown text is level unknown, category other, the message is the line', () => {
    expect(parseLine('hello there', 's')).toEqual({
      at: null,
      level: 'unknown',
      member: null,
      message: 'hello there',
      fields: {},
      category: 'other',
      good: false,
      check: null,
      raw: 'hello there',
      source: 's',
    });
    expect(parseLine('').message).toBe('');
    expect(parseLine('plain text\r').message).toBe('plain text');
  });

  test('never throws, whatever it is given', () => {
    const samples = [...zapFixture, ...capnslogFixture];
    let seed = 7;
    const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 2000; i++) {
      const base = samples[rand(samples.length)];
      const cut = base.slice(0, rand(base.length + 1));
      const noisy = cut + String.fromCharCode(rand(0xffff)) + base.slice(rand(base.length));
      for (const raw of [cut, noisy]) expect(() => parseLine(raw)).not.toThrow();
    }
    expect(() => parseLine('{"level":"info","ts":1e400,"msg":"x"}')).not.toThrow();
    expect(() => parseLine('9999-99-99 99:99:99.999999 W | x: y')).not.toThrow();
  });
});
