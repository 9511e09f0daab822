import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatDuration, parseDuration } from './durations';

describe('durations', () => {
  test.each([
    ['30m', 1_800_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['90d', 7_776_000_000],
    ['1h30m', 5_400_000],
    ['2w', 1_209_600_000],
    ['500ms', 500],
    [' 15s ', 15_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  test.each(['', '30', 'm', '1.5h', '-5m', '30 m', '30min', '1h 30m', 'h1'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  test('formatDuration writes what parseDuration reads back', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(7_776_000_000)).toBe('90d');
    expect(formatDuration(0)).toBe('0s');
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 * 365 * 86_400_000 }), (ms) => parseDuration(formatDuration(ms)) === ms));
  });
});
