import { expect, test } from 'vitest';
import { auditFromFlags, auditFromStartLine, isZeroDuration } from './corruption-audit';

// Fields of a real "starting an etcd server" line from etcd 3.4.23 (trimmed to what matters).
const started = (over: Record<string, unknown>) => ({
  msg: 'starting an etcd server',
  'etcd-version': '3.4.23',
  name: 'm1',
  'snapshot-count': 100000,
  'initial-corrupt-check': true,
  'corrupt-check-time-interval': '5s',
  ...over,
});

test('both checks on, with the 3.4 snapshot-count trap pointed out', () => {
  const a = auditFromStartLine('m1', started({}));
  expect(a).toMatchObject({ initialCheck: true, periodicInterval: '5s', recommended: [], ok: true });
  expect(a.findings).toEqual(['initial check is on, but on 3.4 it checks nothing until the first snapshot (snapshot-count 100000)']);
  expect(auditFromStartLine('m1', started({ 'snapshot-count': 10 })).findings).toEqual([]);
});

test('etcd defaults: both off, with the flags to add', () => {
  const a = auditFromStartLine('m1', started({ 'initial-corrupt-check': false, 'corrupt-check-time-interval': '0s' }));
  expect(a.ok).toBe(false);
  expect(a.periodicInterval).toBeNull();
  expect(a.recommended).toEqual(['--experimental-initial-corrupt-check=true', '--experimental-corrupt-check-time=240m']);
});

test('3.6 gets its renamed flags', () => {
  const a = auditFromStartLine('m1', started({ 'etcd-version': '3.6.1', 'initial-corrupt-check': false, 'corrupt-check-time-interval': '0s' }));
  expect(a.recommended).toEqual(['--feature-gates=InitialCorruptCheck=true,CompactHashCheck=true', '--corrupt-check-time=240m']);
});

test('from a pod command line: absent flags mean off', () => {
  expect(auditFromFlags('etcd-a', { initialCheck: true, periodicCheck: '240m' }, '3.5.12')).toMatchObject({ ok: true, periodicInterval: '240m' });
  expect(auditFromFlags('etcd-a', { initialCheck: null, periodicCheck: null }, '3.5.12')).toMatchObject({ ok: false, initialCheck: false });
});

test('Go zero durations', () => {
  expect(['0s', '0', '0m0s', ''].every(isZeroDuration)).toBe(true);
  expect(['5s', '4h0m0s', '240m'].some(isZeroDuration)).toBe(false);
});
