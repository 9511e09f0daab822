import { expect, test } from 'vitest';
import { corruptCheckFlags } from '../k8s/flags';
import { auditFromFlags, auditFromStartLine } from '../ring/corruption-audit';
import { deriveRing } from '../ring/derive';
import { ids, okProbe, poll } from '../ring/fixtures';
import { judgeHashes } from '../ring/hashkv';
import { corruptionNextStep } from './next-step';

const L = ids.m1;
const ring = (alarms: { memberId: string; alarm: 'CORRUPT' }[] = []) =>
  deriveRing(poll(1, [okProbe('m1', L), okProbe('m2', L), okProbe('m3', L)], { alarms }), null, { bootId: 'b', pollIntervalMs: 1000 });
const ok = (hash: number) => ({ ok: true as const, hash, compactRevision: -1 });

test('a 2-1 split under CORRUPT: replace the minority member through a learner, then disarm', () => {
  const r = ring([{ memberId: '0', alarm: 'CORRUPT' }]);
  const check = judgeHashes(r, 42, new Map([[ids.m1, ok(1)], [ids.m2, ok(1)], [ids.m3, ok(2)]]), new Date());
  const step = corruptionNextStep(r, check, [])!;
  expect(step.title).toBe('Replace m3, one member at a time');
  expect(step.steps.join(' ')).toContain(`etcdctl member remove ${ids.m3}`);
  expect(step.steps.at(-1)).toContain('disarm the CORRUPT alarm');
  expect(step.action).toEqual({ kind: 'replace', memberId: ids.m3, memberName: 'm3' });
});

test('a split with no majority never suggests removing anyone', () => {
  const r = ring();
  const two = { ...r, members: r.members.slice(0, 2) };
  const check = judgeHashes(two, 42, new Map([[ids.m1, ok(1)], [ids.m2, ok(2)]]), new Date());
  const step = corruptionNextStep(two, check, [])!;
  expect(step.title).toContain('do not change membership');
  expect(step.steps.join(' ')).not.toContain('member remove');
  expect(step.action).toBeUndefined();
});

test('checks off: recommend the flags; all fine: nothing to do', () => {
  const r = ring();
  const agree = judgeHashes(r, 42, new Map([[ids.m1, ok(1)], [ids.m2, ok(1)], [ids.m3, ok(1)]]), new Date());
  const off = auditFromStartLine('m2', { 'etcd-version': '3.4.23', 'initial-corrupt-check': false, 'corrupt-check-time-interval': '0s' });
  expect(corruptionNextStep(r, agree, [off])?.steps[0]).toContain('--experimental-initial-corrupt-check=true');
  const on = auditFromStartLine('m2', { 'etcd-version': '3.4.23', 'initial-corrupt-check': true, 'corrupt-check-time-interval': '5s' });
  expect(corruptionNextStep(r, agree, [on])).toBeNull();
});

test("checks off on members of two versions (mid-upgrade): each version's spelling for its members", () => {
  const r = ring();
  const agree = judgeHashes(r, 42, new Map([[ids.m1, ok(1)], [ids.m2, ok(1)], [ids.m3, ok(1)]]), new Date());
  const v35 = auditFromStartLine('m1', { 'etcd-version': '3.5.33', 'initial-corrupt-check': false, 'corrupt-check-time-interval': '0s', 'compact-check-time-enabled': false });
  const v36 = auditFromStartLine('m2', { 'etcd-version': '3.6.14', 'feature-gates': '', 'initial-corrupt-check': false, 'corrupt-check-time-interval': '0s' });
  expect(corruptionNextStep(r, agree, [v35, v36])?.steps).toEqual([
    'm1 runs without them. Add to it, one restart at a time: --experimental-initial-corrupt-check=true --experimental-corrupt-check-time=240m --experimental-compact-hash-check-enabled=true',
    'm2 runs without them. Add to it, one restart at a time: --feature-gates=InitialCorruptCheck=true,CompactHashCheck=true --corrupt-check-time=240m',
  ]);
});

test("KubeOne's flags on 3.6 with every check on: replace the deprecated spellings", () => {
  const r = ring();
  const agree = judgeHashes(r, 42, new Map([[ids.m1, ok(1)], [ids.m2, ok(1)], [ids.m3, ok(1)]]), new Date());
  const a = auditFromFlags('cp-1', corruptCheckFlags(['etcd', '--experimental-corrupt-check-time=240m', '--experimental-initial-corrupt-check=true', '--experimental-compact-hash-check-enabled=true']), '3.6.14');
  const step = corruptionNextStep(r, agree, [a])!;
  expect(step.title).toBe('Replace deprecated etcd flags before the next minor removes them');
  expect(step.steps[0]).toBe(
    'cp-1: --experimental-corrupt-check-time=240m → --corrupt-check-time=240m; --experimental-initial-corrupt-check=true and --experimental-compact-hash-check-enabled=true → --feature-gates=InitialCorruptCheck=true,CompactHashCheck=true (setting the old and the new spelling together stops etcd 3.6 at start).',
  );
});
