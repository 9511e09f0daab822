import { expect, test } from 'vitest';
import { formatAge, formatBytes, formatLatency } from './format';

test('bytes in SI units as etcdctl prints them', () => {
  expect(formatBytes(20480)).toBe('20 kB');
  expect(formatBytes(1_500_000)).toBe('1.5 MB');
  expect(formatBytes(2_147_483_648)).toBe('2.1 GB');
  expect(formatBytes(512)).toBe('512 B');
  expect(formatBytes(null)).toBe('—');
});

test('ages and latencies', () => {
  expect(formatAge(400)).toBe('<1 s');
  expect(formatAge(4200)).toBe('4.2 s');
  expect(formatAge(42_000)).toBe('42 s');
  expect(formatAge(5 * 60_000)).toBe('5 min');
  expect(formatLatency(1.234)).toBe('1.2 ms');
  expect(formatLatency(812.4)).toBe('812 ms');
});
