import { describe, expect, test } from 'vitest';
import { LineSplitter, parseLogLine, ResumeFilter, timeKey, type TimestampedLine } from './log-lines';

describe('timeKey', () => {
  test('RFC3339Nano with trailing zeros dropped still orders by time', () => {
    const a = timeKey('2026-11-22T06:21:40.5Z')!;
    const b = timeKey('2026-11-22T06:21:40.45Z')!;
    expect(a).toBe('2026-11-22T06:21:40.500000000Z');
    expect(b < a).toBe(true);
    expect('2026-11-22T06:21:40.45Z' < '2026-11-22T06:21:40.5Z').toBe(true); // lucky here...
    expect('2026-11-22T06:21:40.5Z' < '2026-11-22T06:21:40.51Z').toBe(false); // ...but not here
    expect(timeKey('2026-11-22T06:21:40.5Z')! < timeKey('2026-11-22T06:21:40.51Z')!).toBe(true);
  });

  test('offsets become UTC; whole seconds and nanoseconds', () => {
    expect(timeKey('2026-11-22T08:21:40+02:00')).toBe('2026-11-22T06:21:40.000000000Z');
    expect(timeKey('2026-11-22T06:21:40.123456789Z')).toBe('2026-11-22T06:21:40.123456789Z');
    expect(timeKey('2026-11-22T00:30:00.1-01:00')).toBe('2026-11-22T01:30:00.100000000Z');
  });

  test('not RFC3339', () => {
    expect(timeKey('2026-11-22 06:21:40Z')).toBeNull();
    expect(timeKey('{"level":"info"}')).toBeNull();
    expect(timeKey('')).toBeNull();
  });
});

describe('parseLogLine', () => {
  test('the kubelet prefix is split off; the etcd line stays byte for byte', () => {
    const etcd = '{"level":"info","ts":"2026-11-22T06:21:40.585Z","msg":"starting an etcd server"}';
    expect(parseLogLine(`2026-11-22T06:21:40.585123Z ${etcd}`)).toEqual({ at: '2026-11-22T06:21:40.585123Z', text: etcd });
  });

  test('no prefix: all text, no time', () => {
    expect(parseLogLine('panic: boom')).toEqual({ at: null, text: 'panic: boom' });
    expect(parseLogLine('2026-11-22T06:21:40Z')).toEqual({ at: null, text: '2026-11-22T06:21:40Z' });
  });
});

describe('LineSplitter', () => {
  test('lines split across chunks are joined; the unfinished tail waits', () => {
    const s = new LineSplitter();
    expect(s.push('a\nb')).toEqual(['a']);
    expect(s.push('c\r\nd')).toEqual(['bc']);
    expect(s.push('\n')).toEqual(['d']);
  });

  test('a line cut off by a disconnect is dropped, not delivered half', () => {
    const s = new LineSplitter();
    expect(s.push('whole\nhal')).toEqual(['whole']);
    expect(s.reset()).toBe(true);
    expect(s.push('f\n')).toEqual(['f']);
    expect(s.reset()).toBe(false);
  });
});

const L = (at: string, text: string): TimestampedLine => ({ at: `2026-11-22T06:21:${at}Z`, text });
const texts = (lines: TimestampedLine[]) => lines.map((l) => l.text);

describe('ResumeFilter', () => {
  test('the first connection delivers everything', () => {
    const f = new ResumeFilter();
    f.startConnection();
    expect(f.sinceTime).toBeNull();
    expect(texts(f.admit([L('40.1', 'a'), L('40.1', 'a'), L('41', 'b')]))).toEqual(['a', 'a', 'b']);
    expect(f.sinceTime).toBe('2026-11-22T06:21:41.000000000Z');
  });

  test("a resume repeats the whole second (the API server sends sinceTime in seconds): repeats dropped, new kept", () => {
    const f = new ResumeFilter();
    f.startConnection();
    f.admit([L('39.9', 'old'), L('40.1', 'a'), L('40.2', 'b')]);
    // Disconnect. Meanwhile etcd wrote c (same second) and d (next second).
    f.startConnection();
    expect(texts(f.admit([L('40.1', 'a'), L('40.2', 'b'), L('40.7', 'c'), L('41.3', 'd')]))).toEqual(['c', 'd']);
  });

  test('the same text twice in one millisecond: one delivered before the drop, one after', () => {
    const f = new ResumeFilter();
    f.startConnection();
    expect(texts(f.admit([L('40.001', 'peer became active')]))).toHaveLength(1);
    f.startConnection();
    const again = f.admit([L('40.001', 'peer became active'), L('40.001', 'peer became active'), L('40.002', 'next')]);
    expect(texts(again)).toEqual(['peer became active', 'next']);
  });

  test('a server that resends only from the exact sinceTime: nothing lost, nothing repeated', () => {
    const f = new ResumeFilter();
    f.startConnection();
    f.admit([L('40.1', 'a'), L('40.2', 'b')]);
    f.startConnection();
    expect(texts(f.admit([L('40.2', 'b'), L('40.3', 'c')]))).toEqual(['c']);
    // A later identical line is new, not a leftover repeat.
    f.startConnection();
    expect(texts(f.admit([L('40.3', 'c'), L('40.4', 'a')]))).toEqual(['a']);
  });

  test('a server that ignores sinceTime and resends everything', () => {
    const f = new ResumeFilter();
    f.startConnection();
    f.admit([L('30', 'x'), L('38.5', 'y'), L('40.1', 'a')]);
    f.startConnection();
    expect(texts(f.admit([L('30', 'x'), L('38.5', 'y'), L('40.1', 'a'), L('40.1', 'z')]))).toEqual(['z']);
  });

  test('two resumes in a row, batches of any size', () => {
    const f = new ResumeFilter();
    f.startConnection();
    f.admit([L('40.1', 'a')]);
    f.startConnection();
    expect(texts(f.admit([L('40.1', 'a')]))).toEqual([]);
    expect(texts(f.admit([L('40.2', 'b')]))).toEqual(['b']);
    f.startConnection();
    expect(texts(f.admit([L('40.1', 'a'), L('40.2', 'b')]))).toEqual([]);
    expect(texts(f.admit([L('41', 'c')]))).toEqual(['c']);
    expect(f.sinceTime).toBe('2026-11-22T06:21:41.000000000Z');
  });

  test('lines without a timestamp cannot be matched and are always delivered', () => {
    const f = new ResumeFilter();
    f.startConnection();
    expect(texts(f.admit([{ at: null, text: 'panic' }, L('40', 'a')]))).toEqual(['panic', 'a']);
    f.startConnection();
    expect(texts(f.admit([L('40', 'a'), { at: null, text: 'goroutine 1' }]))).toEqual(['goroutine 1']);
  });
});
