import { describe, expect, test } from 'vitest';
import { deriveRing } from '../ring/derive';
import { downProbe, ids, okProbe, poll } from '../ring/fixtures';
import { judgeHashes, type HashReply } from '../ring/hashkv';
import type { RingState } from '../ring/types';
import { backupFreshness, decideBackup, decideDrill, pickBackupSource } from './schedule';

const ctx = { bootId: 'b', pollIntervalMs: 1000 };
const L = ids.m1;
const MIN = 60_000;
const HALF_HOUR = 30 * MIN;
/** The fixtures' poll 1 happens at 03:00:01 UTC. */
const polledAt = new Date(Date.UTC(2026, 10, 22, 3, 0, 1));
const now = new Date(polledAt.getTime() + 500);

const healthy3 = (): RingState =>
  deriveRing(poll(1, [okProbe('m1', L, { raftAppliedIndex: 120 }), okProbe('m2', L, { raftAppliedIndex: 118 }), okProbe('m3', L, { raftAppliedIndex: 119 })]), null, ctx);

const ok = (hash: number): HashReply => ({ ok: true, hash, compactRevision: 1 });
const hashes = (ring: RingState, m1: number, m2: number, m3: number) =>
  judgeHashes(ring, 42, new Map([[ids.m1, ok(m1)], [ids.m2, ok(m2)], [ids.m3, ok(m3)]]), polledAt);

const lastRun = (minutesAgo: number, running = false) => ({
  startedAt: new Date(now.getTime() - minutesAgo * MIN).toISOString(),
  finishedAt: running ? null : new Date(now.getTime() - minutesAgo * MIN + 5000).toISOString(),
});

describe('scheduled backups', () => {
  test('due: from the healthy follower furthest along, never the leader while a follower is fine', () => {
    const d = decideBackup({ now, everyMs: HALF_HOUR, lastRun: lastRun(31), ring: healthy3(), hashCheck: hashes(healthy3(), 7, 7, 7) });
    expect(d).toMatchObject({ action: 'run', why: 'm3: a healthy follower, the furthest along' });
    expect(d.action === 'run' && d.member.id).toBe(ids.m3);
    expect(d.dueAt).toBe(new Date(now.getTime() - MIN).toISOString());
  });

  test('the first backup is due at once; later ones every period after the last start', () => {
    expect(decideBackup({ now, everyMs: HALF_HOUR, lastRun: null, ring: healthy3(), hashCheck: null }).action).toBe('run');
    expect(decideBackup({ now, everyMs: HALF_HOUR, lastRun: lastRun(10), ring: healthy3(), hashCheck: null })).toEqual({
      action: 'wait',
      dueAt: new Date(now.getTime() + 20 * MIN).toISOString(),
    });
  });

  test('skipped while the previous run is still going', () => {
    const d = decideBackup({ now, everyMs: HALF_HOUR, lastRun: lastRun(45, true), ring: healthy3(), hashCheck: null });
    expect(d).toEqual({ action: 'skip', code: 'running', dueAt: new Date(now.getTime() - 15 * MIN).toISOString(), reason: `the previous backup (started ${lastRun(45).startedAt}) is still going` });
  });

  test('skipped without quorum, saying how many voters are healthy', () => {
    const ring = deriveRing(poll(1, [okProbe('m1', L), downProbe('m2'), downProbe('m3')]), null, ctx);
    expect(decideBackup({ now, everyMs: HALF_HOUR, lastRun: null, ring, hashCheck: null })).toMatchObject({
      action: 'skip',
      code: 'no-quorum',
      reason: 'no quorum (1 of 3 voters healthy, 2 needed): a member cut off from the leader may hold old data',
    });
  });

  test('never from a HashKV suspect: the minority is passed over for the majority', () => {
    const ring = healthy3();
    const d = decideBackup({ now, everyMs: HALF_HOUR, lastRun: null, ring, hashCheck: hashes(ring, 7, 7, 9) });
    expect(d.action === 'run' && d.member.name).toBe('m2');
  });

  test('skipped when every member is unfit, with each one`s reason', () => {
    const ring = healthy3();
    // A 1-1-1 split has no majority: nobody can be shown to hold the right data.
    const d = decideBackup({ now, everyMs: HALF_HOUR, lastRun: null, ring, hashCheck: hashes(ring, 7, 8, 9) });
    expect(d).toMatchObject({ action: 'skip', code: 'no-source' });
    expect(d.action === 'skip' && d.reason).toBe(
      'no healthy member that is not a HashKV suspect: ' +
        'm1 is a HashKV suspect at revision 42 (no majority: cannot tell which side is right); ' +
        'm2 is a HashKV suspect at revision 42 (no majority: cannot tell which side is right); ' +
        'm3 is a HashKV suspect at revision 42 (no majority: cannot tell which side is right)',
    );
  });

  test('the leader when no follower is fit; members with errors and learners are passed over', () => {
    const ring = healthy3();
    ring.members[1] = { ...ring.members[1], errors: ['etcdserver: mvcc: database space exceeded'] };
    ring.members[2] = { ...ring.members[2], isLearner: true };
    const s = pickBackupSource(ring, null);
    expect(s).toMatchObject({ why: 'm1: the leader (no healthy follower)' });
    // An alarm is every member's error on a ring with one, not a reason to skip.
    ring.members[1] = { ...ring.members[1], errors: ['memberID:123 alarm:NOSPACE '] };
    expect(pickBackupSource(ring, null)).toMatchObject({ why: 'm2: a healthy follower' });
  });

  test('skipped on a stale picture of the ring, and before the first poll', () => {
    const later = new Date(polledAt.getTime() + 60_000);
    expect(decideBackup({ now: later, everyMs: HALF_HOUR, lastRun: null, ring: healthy3(), hashCheck: null })).toMatchObject({
      code: 'stale-state',
      reason: "the ring's last poll is 1m old: Ringside cannot tell which member is safe to back up",
    });
    expect(decideBackup({ now, everyMs: HALF_HOUR, lastRun: null, ring: null, hashCheck: null })).toMatchObject({ code: 'no-state' });
  });
});

describe('freshness', () => {
  const at = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString();
  const backups = [
    { takenAt: at(0.5), verified: false, drill: { at: at(0.4), result: 'failed' as const, reason: 'x', durationMs: 1 } },
    { takenAt: at(1.5), verified: true, drill: null },
    { takenAt: at(3), verified: true, drill: { at: at(2), result: 'passed' as const, reason: 'ok', durationMs: 1 } },
  ];

  test('the age of the newest verified backup; stale past staleAfter', () => {
    expect(backupFreshness(backups, now, 2 * 3_600_000)).toEqual({ newestAt: at(1.5), ageSeconds: 5400, stale: false, staleAfterSeconds: 7200, provenAt: at(3) });
    expect(backupFreshness(backups, now, 3_600_000).stale).toBe(true);
  });

  test('no verified backup is stale when a limit is set, and never stale without one', () => {
    expect(backupFreshness([backups[0]], now, 3_600_000)).toEqual({ newestAt: null, ageSeconds: null, stale: true, staleAfterSeconds: 3600, provenAt: null });
    expect(backupFreshness([], now, null).stale).toBe(false);
  });
});

describe('scheduled drills', () => {
  const b = (h: number, verified = true) => ({ id: `b${h}`, takenAt: new Date(now.getTime() - h * 3_600_000).toISOString(), verified });

  test('the newest verified backup, once a period', () => {
    const backups = [b(1, false), b(2), b(5)];
    expect(decideDrill({ now, everyMs: 86_400_000, lastDrillAt: null, running: false, backups })).toMatchObject({ action: 'run', backup: { id: 'b2' } });
    expect(decideDrill({ now, everyMs: 86_400_000, lastDrillAt: new Date(now.getTime() - 3_600_000).toISOString(), running: false, backups }).action).toBe('wait');
    expect(decideDrill({ now, everyMs: 86_400_000, lastDrillAt: null, running: true, backups })).toMatchObject({ action: 'skip', reason: 'the previous drill is still going' });
    expect(decideDrill({ now, everyMs: 86_400_000, lastDrillAt: null, running: false, backups: [b(1, false)] })).toMatchObject({ action: 'skip', reason: 'no verified backup to drill' });
  });
});
