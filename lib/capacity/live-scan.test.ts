import { describe, expect, test } from 'vitest';
import { deriveRing } from '../ring/derive';
import { downProbe, ids, okProbe, poll } from '../ring/fixtures';
import type { HashCheck } from '../ring/hashkv';
import { heldRevisionsEstimate, scanSource } from './live-scan';

const ring = (probes = [okProbe('m1', ids.m1), okProbe('m2', ids.m1, { raftAppliedIndex: 90 }), okProbe('m3', ids.m1, { raftAppliedIndex: 99 })], members?: Parameters<typeof poll>[2]) =>
  deriveRing(poll(1, probes, members), null, { bootId: 't', pollIntervalMs: 1000 });

describe('the live scan: where it reads from', () => {
  test('a healthy follower, the one furthest along; never the leader of a larger ring', () => {
    expect(scanSource(ring()).member?.name).toBe('m3');
    expect(scanSource(ring([okProbe('m1', ids.m1), downProbe('m2'), okProbe('m3', ids.m1)])).member?.name).toBe('m3');
    const onlyLeader = scanSource(ring([okProbe('m1', ids.m1), downProbe('m2'), downProbe('m3')]));
    expect(onlyLeader.member).toBeNull();
    expect(onlyLeader.reason).toMatch(/^no healthy follower to scan from \(.*\); a scan never reads from the leader of a ring with more than one member$/);
  });

  test('not a member HashKV found different; NOSPACE is no reason to skip one', () => {
    const r = ring();
    const split: HashCheck = {
      cluster: 'demo',
      revision: 40,
      checkedAt: r.at,
      consistent: false,
      leaderSide: 'majority',
      summary: 'MISMATCH at revision 40: m3 differs from m1, m2',
      members: r.members.map((m) => ({ id: m.id, name: m.name, hash: m.name === 'm3' ? 2 : 1, compactRevision: 0, verdict: m.name === 'm3' ? 'mismatch' : 'agree', reason: null, skip: null })),
    };
    // m3 is furthest along, but its data differs.
    expect(scanSource(r, split).member?.name).toBe('m2');
    const full = ring([okProbe('m1', ids.m1, { errors: ['memberID:1 alarm:NOSPACE'] }), okProbe('m2', ids.m1, { errors: ['memberID:1 alarm:NOSPACE'] }), okProbe('m3', ids.m1, { errors: ['memberID:1 alarm:NOSPACE'] })]);
    expect(scanSource(full).member).not.toBeNull();
  });

  test('a one-member ring: its leader is all there is', () => {
    const one = deriveRing(poll(1, [okProbe('m1', ids.m1)], { members: [poll(1, []).members![0]] }), null, { bootId: 't', pollIntervalMs: 1000 });
    expect(scanSource(one).member?.name).toBe('m1');
  });
});

describe('the live scan: history estimated from a key and the compaction', () => {
  test('every put of its generation since the compaction, plus the record the compaction kept', () => {
    // Created after the compaction: all its versions are held.
    expect(heldRevisionsEstimate({ createRevision: 50, modRevision: 90, version: 30 }, 40)).toBe(30);
    // Last changed at or before it: only the kept record.
    expect(heldRevisionsEstimate({ createRevision: 5, modRevision: 40, version: 30 }, 40)).toBe(1);
    // Created before, changed since: at most one per revision since, plus the kept one.
    expect(heldRevisionsEstimate({ createRevision: 5, modRevision: 45, version: 30 }, 40)).toBe(6);
    expect(heldRevisionsEstimate({ createRevision: 5, modRevision: 900, version: 12 }, 40)).toBe(12);
    // Never compacted.
    expect(heldRevisionsEstimate({ createRevision: 3, modRevision: 80, version: 7 }, 0)).toBe(7);
  });
});
