import { describe, expect, test } from 'vitest';
import { parseLine } from '../logs/parse';
import { zapLine } from '../logs/testdata/fixtures';
import { alertEvidence, attributeFinding, describeFinding, isCheckFailure, memberForPeer } from './check-evidence';
import type { RingState } from '../ring/types';

// The leader's real line for a hash request to a peer that was killed.
const failed = parseLine(zapLine('failed hash kv request', { error: /connection refused/ }));
const peerURL = failed.check!.peer!;
const ring = (reachable: boolean) => ({ members: [{ id: 'fd422379fda50e48', name: 'm2', peerURLs: [peerURL], clientURLs: ['http://127.0.0.1:2379'], reachable }] }) as unknown as RingState;

describe('check evidence', () => {
  test('a peer is found by its hex ID, peer URL or client URL', () => {
    expect(memberForPeer('fd422379fda50e48', ring(true))?.name).toBe('m2');
    expect(memberForPeer(peerURL, ring(true))?.name).toBe('m2');
    expect(memberForPeer('http://127.0.0.1:2379', ring(true))?.name).toBe('m2');
    expect(memberForPeer('http://10.9.9.9:2380', ring(true))).toBeNull();
  });

  test('a failure to reach a member Ringside knows is down is attributed to its outage', () => {
    const down = attributeFinding(failed.check!, ring(false));
    expect(down).toEqual({ evidence: 'check-health', outcome: 'unreachable', peer: peerURL, about: { id: 'fd422379fda50e48', name: 'm2', down: true } });
    expect(describeFinding(down)).toBe('check could not reach m2 (m2 is down: a consequence of its outage, not a finding about data)');
    const up = attributeFinding(failed.check!, ring(true));
    expect(describeFinding(up)).toBe('check could not reach m2');
    // Without a ring (a backlog read before the first poll) the finding stays as etcd wrote it.
    expect(attributeFinding(failed.check!, null)).toBe(failed.check);
    expect(describeFinding(failed.check!)).toBe(`check could not reach ${peerURL}`);
  });

  test('only failures to compare are check failures; passes, settings and evidence are not', () => {
    expect(isCheckFailure(failed.check)).toBe(true);
    expect(isCheckFailure(parseLine(zapLine('finished peer corruption check')).check)).toBe(false);
    expect(isCheckFailure(parseLine(zapLine('enabled corruption checking')).check)).toBe(false);
    expect(isCheckFailure(parseLine(zapLine('same compact revision then hashes must match')).check)).toBe(false);
    expect(isCheckFailure(null)).toBe(false);
  });

  test('alerts about the data itself are corruption evidence; the rest are not about data', () => {
    expect(alertEvidence('ringsideHashMismatch')).toBe('corruption');
    expect(alertEvidence('ringsideCorruptAlarm')).toBe('corruption');
    expect(alertEvidence('etcdMembersDown')).toBeNull();
    expect(alertEvidence('ringsideNospaceAlarm')).toBeNull();
  });
});
