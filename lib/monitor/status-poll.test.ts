import { describe, expect, test } from 'vitest';
import { deriveRing } from '../ring/derive';
import { downProbe, ids, okProbe, poll } from '../ring/fixtures';
import type { RingState } from '../ring/types';
import { alarmsInStatus, fullPollReason } from './status-poll';

const L = ids.m1;
const up = () => [okProbe('m1', L), okProbe('m2', L), okProbe('m3', L)];
/** The ring after a full poll of three healthy members. */
const ring = (extra: Parameters<typeof poll>[2] = {}, probes = up()): RingState => deriveRing(poll(1, probes, extra), null, { bootId: 't', pollIntervalMs: 1000 });

describe('a status poll carries membership and alarms over only while the statuses show no change', () => {
  test('steady: nothing calls for a full poll', () => {
    expect(fullPollReason(ring(), up())).toBeNull();
  });

  test('a member that stops answering, or answers again', () => {
    expect(fullPollReason(ring(), [okProbe('m1', L), okProbe('m2', L), downProbe('m3')])).toMatch(/stopped answering/);
    const down = ring({}, [okProbe('m1', L), okProbe('m2', L), downProbe('m3')]);
    expect(fullPollReason(down, [okProbe('m1', L), okProbe('m2', L), downProbe('m3')])).toBeNull();
    expect(fullPollReason(down, up())).toMatch(/answers again/);
  });

  test('a new leader, a new term, a promoted learner, an unknown member', () => {
    expect(fullPollReason(ring(), [okProbe('m1', ids.m2, { raftTerm: 3 }), okProbe('m2', ids.m2, { raftTerm: 3 }), okProbe('m3', ids.m2, { raftTerm: 3 })])).toBe('the leader changed');
    expect(fullPollReason(ring(), [okProbe('m1', L, { raftTerm: 3 }), okProbe('m2', L, { raftTerm: 3 }), okProbe('m3', L, { raftTerm: 3 })])).toBe('the raft term changed');
    expect(fullPollReason(ring(), [okProbe('m1', L), okProbe('m2', L), okProbe('m3', L, { isLearner: true })])).toMatch(/learner/);
    expect(fullPollReason(ring(), [okProbe('m1', L), okProbe('m2', L), okProbe('m3', L, { memberId: 'abc' })])).toMatch(/unknown member abc/);
  });

  test('an alarm raised or cleared, as every status lists it; a steady alarm is carried', () => {
    const nospace = { errors: ['memberID:10276657743932975437 alarm:NOSPACE '] };
    const raised = [okProbe('m1', L, nospace), okProbe('m2', L, nospace), okProbe('m3', L, nospace)];
    expect(fullPollReason(ring(), raised)).toBe('the alarms changed');
    const held = ring({ alarms: [{ memberId: ids.m1, alarm: 'NOSPACE' }] }, raised);
    expect(fullPollReason(held, raised)).toBeNull();
    expect(fullPollReason(held, up())).toBe('the alarms changed');
  });

  test('membership or alarms unknown, or a member added and not started: always a full poll', () => {
    expect(fullPollReason(ring({ alarms: null }), up())).toMatch(/unknown/);
    expect(fullPollReason(ring({ members: null }), up())).toMatch(/unknown/);
    const added = ring({ members: [...poll(1, []).members!, { id: 'abc', name: '', peerURLs: ['http://127.0.0.1:2480'], clientURLs: [], isLearner: true }] });
    expect(fullPollReason(added, up())).toMatch(/not started/);
  });
});

test('alarms as the statuses list them: member 0 and a member ID in decimal', () => {
  const [s] = [okProbe('m1', L, { errors: ['alarm:CORRUPT ', 'memberID:10276657743932975437 alarm:NOSPACE ', 'etcdserver: no leader'] })];
  expect(alarmsInStatus([s.ok ? s.status : (null as never)])).toEqual([
    { memberId: '0', alarm: 'CORRUPT' },
    { memberId: '8e9e05c52164694d', alarm: 'NOSPACE' },
  ]);
});
