import { describe, expect, test } from 'vitest';
import { corruptCheckFlags } from '../k8s/flags';
import { DEPRECATED_FLAGS_V3_6_14 } from '../model/testdata/etcd-sources/deprecations';
import { START_V3_5_33, START_V3_6_14 } from '../model/testdata/etcd-sources/startlines';
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

/** KubeOne's flags (seed 002) in a kubeadm etcd pod. */
const KUBEONE = ['etcd', '--name=cp-1', '--data-dir=/var/lib/etcd', '--experimental-corrupt-check-time=240m', '--experimental-initial-corrupt-check=true'];

describe('3.4.23 (real startup lines)', () => {
  test('both checks on, with the 3.4 snapshot-count trap pointed out', () => {
    const a = auditFromStartLine('m1', started({}));
    expect(a).toMatchObject({ version: '3.4.23', initialCheck: true, periodicInterval: '5s', compactHashCheck: null, recommended: [], ok: true });
    expect(a.findings).toEqual(['initial check is on, but on 3.4 it checks nothing until the first snapshot (snapshot-count 100000)']);
    expect(auditFromStartLine('m1', started({ 'snapshot-count': 10 })).findings).toEqual([]);
  });

  test('etcd defaults: both off, with the flags to add (no compaction hash check on 3.4)', () => {
    const a = auditFromStartLine('m1', started({ 'initial-corrupt-check': false, 'corrupt-check-time-interval': '0s' }));
    expect(a.ok).toBe(false);
    expect(a.periodicInterval).toBeNull();
    expect(a.recommended).toEqual(['--experimental-initial-corrupt-check=true', '--experimental-corrupt-check-time=240m']);
  });

  test("from a pod command line: KubeOne's flags are right on 3.4; absent flags mean off", () => {
    expect(auditFromFlags('etcd-a', corruptCheckFlags(KUBEONE), '3.4.23')).toMatchObject({ ok: true, periodicInterval: '240m', deprecated: [], recommended: [] });
    expect(auditFromFlags('etcd-a', corruptCheckFlags(['etcd']), '3.4.23')).toMatchObject({ ok: false, initialCheck: false });
  });
});

describe('3.5 (startup line built from server/embed/etcd.go at v3.5.33; not run here)', () => {
  test('the compaction hash check is read and recommended (3.5.5+)', () => {
    expect(auditFromStartLine('cp-1', START_V3_5_33)).toMatchObject({ initialCheck: true, periodicInterval: '4h0m0s', compactHashCheck: true, recommended: [], ok: true });
    const off = auditFromStartLine('cp-1', { ...START_V3_5_33, 'compact-check-time-enabled': false });
    expect(off.recommended).toEqual(['--experimental-compact-hash-check-enabled=true']);
  });

  test("KubeOne's flags on 3.5.33: right spelling, compaction hash check suggested", () => {
    const a = auditFromFlags('cp-1', corruptCheckFlags(KUBEONE), '3.5.33');
    expect(a).toMatchObject({ initialCheck: true, periodicInterval: '240m', compactHashCheck: false, deprecated: [] });
    expect(a.recommended).toEqual(['--experimental-compact-hash-check-enabled=true']);
    // Before 3.5.5 there is nothing to suggest.
    expect(auditFromFlags('cp-1', corruptCheckFlags(KUBEONE), '3.5.4')).toMatchObject({ compactHashCheck: null, recommended: [], ok: true });
  });
});

describe('3.6 (startup line built from server/embed/etcd.go at v3.6.14; not run here)', () => {
  test("the checks are read from feature-gates, not from initial-corrupt-check (always false on 3.6)", () => {
    expect(START_V3_6_14['initial-corrupt-check']).toBe(false);
    const a = auditFromStartLine('cp-1', START_V3_6_14);
    expect(a).toMatchObject({ version: '3.6.14', initialCheck: true, compactHashCheck: true, periodicInterval: '4h0m0s', recommended: [], ok: true });
  });

  test('gates not set are off (alpha, default false): one --feature-gates line and --corrupt-check-time', () => {
    const a = auditFromStartLine('cp-1', { ...START_V3_6_14, 'feature-gates': '', 'corrupt-check-time-interval': '0s' });
    expect(a.recommended).toEqual(['--feature-gates=InitialCorruptCheck=true,CompactHashCheck=true', '--corrupt-check-time=240m']);
  });

  test("KubeOne's 3.5-era flags on a 3.6 member: still on, but deprecated, each with its exact replacement line", () => {
    const a = auditFromFlags('cp-1', corruptCheckFlags(KUBEONE), '3.6.14');
    expect(a).toMatchObject({ initialCheck: true, periodicInterval: '240m', compactHashCheck: false });
    expect(a.deprecated.map((d) => [d.flag, d.replacement])).toEqual([
      ['--experimental-corrupt-check-time=240m', '--corrupt-check-time=240m'],
      ['--experimental-initial-corrupt-check=true', '--feature-gates=InitialCorruptCheck=true'],
    ]);
    // etcd 3.6.14 itself says so when it starts with the first (server/etcdmain/config.go deprecatedFlags).
    expect(DEPRECATED_FLAGS_V3_6_14['experimental-corrupt-check-time']).toContain("Use '--corrupt-check-time' instead");
    expect(a.findings).toContain('--experimental-initial-corrupt-check=true is deprecated in etcd 3.6 and removed in 3.7: use --feature-gates=InitialCorruptCheck=true');
    expect(a.recommended).toEqual(['--feature-gates=CompactHashCheck=true']);
  });

  test('the 3.6 spelling is clean', () => {
    const a = auditFromFlags('cp-1', corruptCheckFlags(['etcd', '--feature-gates=InitialCorruptCheck=true,CompactHashCheck=true', '--corrupt-check-time=240m']), '3.6.14');
    expect(a).toMatchObject({ ok: true, deprecated: [], recommended: [], findings: [] });
  });
});

test('Go zero durations', () => {
  expect(['0s', '0', '0m0s', ''].every(isZeroDuration)).toBe(true);
  expect(['5s', '4h0m0s', '240m'].some(isZeroDuration)).toBe(false);
});
