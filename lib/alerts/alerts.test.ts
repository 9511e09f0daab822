import { describe, expect, test } from 'vitest';
import type { CertificateFinding } from '../certs/findings';
import type { MetricsResult, PollResult } from '../etcd/types';
import type { MemberMetrics } from '../metrics/member-metrics';
import { deriveRing } from '../ring/derive';
import { downProbe, ids, listEntry, okProbe, poll } from '../ring/fixtures';
import type { BackupStatus } from '../backups/types';
import type { HashCheck } from '../ring/hashkv';
import type { RingEvent, RingState } from '../ring/types';
import { ALERT_RULES, evaluateRules, forMsOf, type AlertCondition, type AlertInput, type AlertRuleName } from './rules';
import { AlertTracker } from './tracker';

const L = ids.m1;
const T0 = Date.UTC(2026, 10, 23, 3, 0, 0);
const ctx = { bootId: 'b1', pollIntervalMs: 1000 };

function metrics(extra: Partial<MemberMetrics> = {}): MemberMetrics {
  return {
    memberId: null,
    at: new Date(T0).toISOString(),
    hasLeader: true,
    isLeader: false,
    walFsyncP99Ms: 2,
    backendCommitP99Ms: 4,
    peers: [],
    peerRttP99Ms: 1,
    proposalsPending: 0,
    proposalsFailed15m: 0,
    leaderChanges15m: 0,
    slowApplies15m: 0,
    heartbeatFailures15m: 0,
    dbSize: 20480,
    dbSizeInUse: 16384,
    quotaBytes: 2 ** 31,
    quotaUsedPct: 0.001,
    restarted: false,
    ...extra,
  };
}

/** A healthy 3-member ring, changed by `change`, with m2's metrics set from `m2`. */
function ring(change: { probes?: PollResult['probes']; alarms?: PollResult['alarms']; m2?: Partial<MemberMetrics> } = {}): RingState {
  const probes = change.probes ?? [okProbe('m1', L), okProbe('m2', L), okProbe('m3', L)];
  const m: Record<string, MetricsResult> = {};
  for (const p of probes) if (p.ok) m[p.status.memberId] = { ok: true, url: `${p.endpoint}/metrics`, metrics: metrics(p.status.memberId === ids.m2 ? change.m2 : {}) };
  return deriveRing(poll(1, probes, { alarms: change.alarms ?? [], metrics: m }), null, ctx);
}

const check = (consistent: boolean | null, at = T0): HashCheck => ({
  cluster: 'demo',
  revision: 40,
  checkedAt: new Date(at).toISOString(),
  consistent,
  members: [],
  leaderSide: consistent === false ? 'majority' : null,
  summary: consistent === false ? 'MISMATCH at revision 40: m3 differs from m1, m2' : 'agree',
});

const leaderChange = (ageMs: number, now: number): RingEvent => ({
  id: `e${ageMs}`,
  cluster: 'demo',
  at: new Date(now - ageMs).toISOString(),
  kind: 'leader-changed',
  severity: 'warning',
  from: ids.m1,
  to: ids.m2,
  message: 'Leader changed',
});

/** What lib/certs/findings says of m2's server certificate (the certificate rules' input). */
const certFinding = (over: Partial<CertificateFinding>): CertificateFinding => ({
  cluster: 'demo',
  memberId: ids.m2,
  memberName: 'm2',
  source: 'client-url',
  endpoint: 'https://127.0.0.1:2279',
  kind: 'expiry',
  level: 'ok',
  certificate: { subject: 'CN=localhost', issuer: 'CN=ca', serialNumber: '01', sans: ['DNS:localhost'], notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2026-11-26T03:00:00.000Z', fingerprint256: 'AA', isCA: false, depth: 0 },
  daysLeft: 3,
  message: 'm2: server certificate CN=localhost on https://127.0.0.1:2279 expires on 2026-11-26 03:00 UTC, in 3 days',
  ...over,
});

type Inputs = (now: number) => Omit<AlertInput, 'now'>;
const plain = (r: RingState): Inputs => () => ({ ring: r, hashChecks: [], events: [] });

/** Each rule: input under which it holds, input under which it does not, and its `for` at 1 s polls. */
const cases: { rule: AlertRuleName; forMs: number; bad: Inputs; good: Inputs; severity?: string }[] = [
  { rule: 'etcdNoLeader', forMs: 3000, bad: plain(ring({ probes: [okProbe('m1', L), okProbe('m2', '0'), okProbe('m3', L)] })), good: plain(ring()) },
  { rule: 'etcdInsufficientMembers', forMs: 6000, bad: plain(ring({ probes: [okProbe('m1', L), downProbe('m2'), downProbe('m3')] })), good: plain(ring()) },
  { rule: 'etcdMembersDown', forMs: 20_000, bad: plain(ring({ probes: [okProbe('m1', L), okProbe('m2', L), downProbe('m3')] })), good: plain(ring()) },
  {
    rule: 'etcdMembersDown',
    forMs: 20_000,
    // m3 answers Ringside, but m2 cannot send to it: cut off from its peers.
    bad: plain(ring({ m2: { peers: [{ to: ids.m3, rttP99Ms: 1, sentFailuresPerSec: 0.5 }] } })),
    good: plain(ring({ m2: { peers: [{ to: ids.m3, rttP99Ms: 1, sentFailuresPerSec: 0 }] } })),
  },
  {
    rule: 'etcdHighNumberOfLeaderChanges',
    forMs: 10_000,
    bad: (now) => ({ ring: ring(), hashChecks: [], events: [1, 2, 3, 4].map((min) => leaderChange(min * 60_000, now)) }),
    // The same four elections, once the oldest is more than 15 minutes old.
    good: (now) => ({ ring: ring(), hashChecks: [], events: [1, 2, 3, 16].map((min) => leaderChange(min * 60_000, now)) }),
  },
  { rule: 'etcdHighFsyncDurations', forMs: 20_000, bad: plain(ring({ m2: { walFsyncP99Ms: 600 } })), good: plain(ring({ m2: { walFsyncP99Ms: 9 } })), severity: 'warning' },
  { rule: 'etcdHighFsyncDurations', forMs: 20_000, bad: plain(ring({ m2: { walFsyncP99Ms: 1200 } })), good: plain(ring()), severity: 'critical' },
  { rule: 'etcdHighCommitDurations', forMs: 20_000, bad: plain(ring({ m2: { backendCommitP99Ms: 300 } })), good: plain(ring()) },
  {
    rule: 'etcdMemberCommunicationSlow',
    forMs: 20_000,
    bad: plain(ring({ m2: { peers: [{ to: ids.m3, rttP99Ms: 200, sentFailuresPerSec: 0 }] } })),
    good: plain(ring({ m2: { peers: [{ to: ids.m3, rttP99Ms: 20, sentFailuresPerSec: 0 }] } })),
  },
  { rule: 'etcdHighNumberOfFailedProposals', forMs: 30_000, bad: plain(ring({ m2: { proposalsFailed15m: 6 } })), good: plain(ring({ m2: { proposalsFailed15m: 5 } })) },
  { rule: 'etcdDatabaseQuotaLowSpace', forMs: 20_000, bad: plain(ring({ m2: { quotaUsedPct: 96 } })), good: plain(ring({ m2: { quotaUsedPct: 90 } })) },
  {
    rule: 'etcdExcessiveDatabaseGrowth',
    forMs: 20_000,
    bad: () => ({ ring: ring(), hashChecks: [], events: [], dbSizeIn4h: new Map([[ids.m2, 2 ** 31 + 1]]) }),
    good: () => ({ ring: ring(), hashChecks: [], events: [], dbSizeIn4h: new Map([[ids.m2, 2 ** 30]]) }),
  },
  {
    rule: 'etcdDatabaseHighFragmentationRatio',
    forMs: 20_000,
    bad: plain(ring({ probes: [okProbe('m1', L), okProbe('m2', L, { dbSize: 400e6, dbSizeInUse: 150e6 }), okProbe('m3', L)] })),
    // As fragmented, but under 100 MB in use: not worth a defrag.
    good: plain(ring({ probes: [okProbe('m1', L), okProbe('m2', L, { dbSize: 400e6, dbSizeInUse: 90e6 }), okProbe('m3', L)] })),
  },
  { rule: 'ringsideCorruptAlarm', forMs: 0, bad: plain(ring({ alarms: [{ memberId: '0', alarm: 'CORRUPT' }] })), good: plain(ring()) },
  { rule: 'ringsideNospaceAlarm', forMs: 0, bad: plain(ring({ alarms: [{ memberId: ids.m2, alarm: 'NOSPACE' }] })), good: plain(ring()) },
  {
    rule: 'ringsideHashMismatch',
    forMs: 0,
    // A later check that could not tell does not clear it: only a check that agrees does.
    bad: () => ({ ring: ring(), hashChecks: [check(true), check(false), check(null)], events: [] }),
    good: () => ({ ring: ring(), hashChecks: [check(false), check(true)], events: [] }),
  },
  {
    rule: 'ringsideLeaderDisagreement',
    forMs: 3000,
    bad: plain(ring({ probes: [okProbe('m1', L, { raftTerm: 3 }), okProbe('m2', L), okProbe('m3', ids.m3, { raftTerm: 2 })] })),
    good: plain(ring()),
  },
  {
    rule: 'ringsideApplyBehind',
    forMs: 10_000,
    bad: plain(ring({ probes: [okProbe('m1', L, { raftIndex: 5000, raftAppliedIndex: 5000 }), okProbe('m2', L, { raftAppliedIndex: 3500 }), okProbe('m3', L, { raftIndex: 5000, raftAppliedIndex: 5000 })] })),
    good: plain(ring({ probes: [okProbe('m1', L, { raftIndex: 5000, raftAppliedIndex: 5000 }), okProbe('m2', L, { raftAppliedIndex: 4500 }), okProbe('m3', L, { raftIndex: 5000, raftAppliedIndex: 5000 })] })),
  },
  {
    rule: 'ringsideCertificateExpiry',
    forMs: 0,
    severity: 'critical',
    bad: () => ({ ring: ring(), hashChecks: [], events: [], certificates: [certFinding({ level: 'critical' })] }),
    // Renewed: the next read finds a year left.
    good: () => ({ ring: ring(), hashChecks: [], events: [], certificates: [certFinding({ level: 'ok', daysLeft: 365 })] }),
  },
  {
    rule: 'ringsideCertificateHostMismatch',
    forMs: 0,
    bad: () => ({ ring: ring(), hashChecks: [], events: [], certificates: [certFinding({ kind: 'host-mismatch', level: 'warning', message: 'm2: the certificate on https://127.0.0.1:2279 does not cover 127.0.0.1' })] }),
    good: () => ({ ring: ring(), hashChecks: [], events: [], certificates: [certFinding({})] }),
  },
  {
    rule: 'ringsideBackupStale',
    forMs: 0,
    // Every 30 min, stale after an hour: the newest verified backup 61 minutes old, then a fresh one.
    bad: (now) => ({ ring: ring(), hashChecks: [], events: [], backups: backups(now - 61 * 60_000) }),
    good: (now) => ({ ring: ring(), hashChecks: [], events: [], backups: backups(now - 5 * 60_000) }),
    severity: 'warning',
  },
  {
    rule: 'ringsideBackupStale',
    forMs: 0,
    // Never backed up at all is stale as soon as a limit is set; no limit (on demand only), no alert.
    bad: () => ({ ring: ring(), hashChecks: [], events: [], backups: backups(null) }),
    good: () => ({ ring: ring(), hashChecks: [], events: [], backups: { ...backups(null), everyMs: null, staleAfterMs: null } }),
  },
  {
    rule: 'ringsideDrillFailed',
    forMs: 0,
    // The latest drill decides: a pass after the failure clears it.
    bad: (now) => ({ ring: ring(), hashChecks: [], events: [], backups: { ...backups(now), lastDrill: drill('failed', now) } }),
    good: (now) => ({ ring: ring(), hashChecks: [], events: [], backups: { ...backups(now), lastDrill: drill('passed', now) } }),
    severity: 'critical',
  },
];

function backups(newestAt: number | null): BackupStatus {
  return { newestAt: newestAt === null ? null : new Date(newestAt).toISOString(), provenAt: null, everyMs: 30 * 60_000, staleAfterMs: 60 * 60_000, lastDrill: null };
}

function drill(result: 'passed' | 'failed', at: number): BackupStatus['lastDrill'] {
  return { at: new Date(at).toISOString(), result, reason: result === 'failed' ? `the stored object's SHA-256 is ${'0ab1'.repeat(16)}, the sidecar recorded ${'9f3c'.repeat(16)}` : 'restored', backup: 'demo-m1-8e9e05c52164694d-rev40-20261123T030000.000Z.db', store: 's3://etcd-backups/' };
}

describe('alert rules fire after their `for` and resolve (1 s polls, fake clock)', () => {
  test('every rule has a case', () => {
    expect(new Set(cases.map((c) => c.rule))).toEqual(new Set(ALERT_RULES));
  });

  test.each(cases)('$rule ($severity)', ({ rule, forMs, bad, good, severity }) => {
    expect(forMsOf(rule, 1000)).toBe(forMs);
    const tracker = new AlertTracker('demo', { pollIntervalMs: 1000 });
    const step = (now: number, inputs: Inputs) => tracker.update(evaluateRules({ ...inputs(now), now }), now).filter((c) => c.alert.rule === rule);
    const mine = () => tracker.list().filter((a) => a.rule === rule);

    expect(step(T0 - 1000, good)).toEqual([]);
    expect(mine()).toEqual([]);

    // Pending on every poll until `for` has passed...
    for (let now = T0; now < T0 + forMs; now += 1000) {
      expect(step(now, bad), `at +${now - T0} ms`).toEqual([]);
      expect(mine().map((a) => a.state)).toEqual(['pending']);
    }
    // ...then firing, once, with when it began.
    const fired = step(T0 + forMs, bad);
    expect(fired.map((c) => c.change)).toEqual(['firing']);
    const alert = fired[0].alert;
    expect(alert).toMatchObject({ state: 'firing', activeSince: new Date(T0).toISOString(), firingSince: new Date(T0 + forMs).toISOString(), forMs });
    if (severity) expect(alert.severity).toBe(severity);
    expect(alert.message.length).toBeGreaterThan(5);
    expect(tracker.firing().map((a) => a.rule)).toContain(rule);
    expect(step(T0 + forMs + 1000, bad)).toEqual([]);

    // Resolved at the first poll where the condition no longer holds.
    const resolved = step(T0 + forMs + 2000, good);
    expect(resolved.map((c) => c.change)).toEqual(['resolved']);
    expect(mine()).toEqual([]);
  });
});

test('an added learner nobody has started yet is not "cut off" (peers cannot send to it, as expected mid-replacement)', () => {
  const learner = { id: 'abc', name: '', peerURLs: ['http://127.0.0.1:2480'], clientURLs: [], isLearner: true };
  const probes = [okProbe('m1', L), okProbe('m2', L), okProbe('m3', L)];
  const m: Record<string, MetricsResult> = {};
  for (const p of probes) if (p.ok) m[p.status.memberId] = { ok: true, url: `${p.endpoint}/metrics`, metrics: metrics({ peers: [{ to: 'abc', rttP99Ms: null, sentFailuresPerSec: 3 }] }) };
  const r = deriveRing(poll(1, probes, { members: [listEntry('m1'), listEntry('m2'), listEntry('m3'), learner], metrics: m }), null, ctx);
  expect(evaluateRules({ ring: r, hashChecks: [], events: [], now: T0 }).filter((c) => c.rule === 'etcdMembersDown')).toEqual([]);
});

describe('AlertTracker', () => {
  const down = ring({ probes: [okProbe('m1', L), okProbe('m2', L), downProbe('m3')] });
  const up = ring();
  const run = (tracker: AlertTracker, r: RingState, now: number) => tracker.update(evaluateRules({ ring: r, hashChecks: [], events: [], now }), now);

  test('a condition that clears before its `for` never fires, and starts over when it returns', () => {
    const tracker = new AlertTracker('demo', { pollIntervalMs: 1000 });
    for (let s = 0; s < 19; s++) expect(run(tracker, down, T0 + s * 1000)).toEqual([]);
    expect(run(tracker, up, T0 + 19_000)).toEqual([]);
    for (let s = 20; s < 39; s++) expect(run(tracker, down, T0 + s * 1000)).toEqual([]);
    expect(tracker.list()[0]).toMatchObject({ state: 'pending', activeSince: new Date(T0 + 20_000).toISOString() });
    expect(run(tracker, down, T0 + 40_000).map((c) => c.change)).toEqual(['firing']);
  });

  test('severity follows the value while firing', () => {
    const tracker = new AlertTracker('demo', { pollIntervalMs: 1000, overrides: { etcdHighFsyncDurations: { forMs: 0 } } });
    run(tracker, ring({ m2: { walFsyncP99Ms: 600 } }), T0);
    expect(tracker.firing()[0].severity).toBe('warning');
    run(tracker, ring({ m2: { walFsyncP99Ms: 1500 } }), T0 + 1000);
    expect(tracker.firing()[0]).toMatchObject({ severity: 'critical', firingSince: new Date(T0).toISOString() });
  });

  test('config overrides: a different `for`, or the rule off', () => {
    const fast = new AlertTracker('demo', { pollIntervalMs: 1000, overrides: { etcdMembersDown: { forMs: 2000 } } });
    run(fast, down, T0);
    expect(run(fast, down, T0 + 2000).map((c) => c.alert.rule)).toEqual(['etcdMembersDown']);
    const off = new AlertTracker('demo', { pollIntervalMs: 1000, overrides: { etcdMembersDown: { disabled: true } } });
    for (let s = 0; s < 60; s++) expect(run(off, down, T0 + s * 1000)).toEqual([]);
  });

  test('`for` scales with the poll interval, never below 3 polls', () => {
    expect(forMsOf('etcdMembersDown', 1000)).toBe(20_000);
    expect(forMsOf('etcdMembersDown', 5000)).toBe(100_000);
    expect(forMsOf('etcdNoLeader', 200)).toBe(600);
    expect(forMsOf('ringsideCorruptAlarm', 1000)).toBe(0);
  });

  test('a rule on scraped figures holds across two scrapes before it fires, whatever the scrape interval', () => {
    // At the defaults (1 s polls, 15 s scrapes) nothing changes: 20 s already spans two scrapes.
    expect(forMsOf('etcdHighFsyncDurations', 1000, 15_000)).toBe(20_000);
    // A 60 s scrape: a minute and 3 polls, so one bad scrape never fires it.
    expect(forMsOf('etcdHighFsyncDurations', 1000, 60_000)).toBe(63_000);
    expect(forMsOf('etcdDatabaseQuotaLowSpace', 1000, 60_000)).toBe(63_000);
    // Rules on the status poll keep counting polls.
    expect(forMsOf('etcdMembersDown', 1000, 60_000)).toBe(20_000);
  });

  test('alerts name their member, the rule’s meaning and the next step; worst first', () => {
    const tracker = new AlertTracker('demo', { pollIntervalMs: 1000, overrides: { etcdMembersDown: { forMs: 0 }, etcdHighCommitDurations: { forMs: 0 } } });
    const r = ring({ probes: [okProbe('m1', L), okProbe('m2', L), downProbe('m3')], m2: { backendCommitP99Ms: 400 } });
    run(tracker, r, T0);
    const [first, second] = tracker.firing();
    expect(first).toMatchObject({ rule: 'etcdMembersDown', severity: 'critical', memberName: 'm3', memberId: ids.m3, origin: 'etcd-mixin' });
    expect(first.message).toBe('m3 is down: connection refused');
    expect(first.action).toMatch(/replace it through a learner/);
    expect(second).toMatchObject({ rule: 'etcdHighCommitDurations', severity: 'warning', memberName: 'm2' });
    expect(second.message).toBe('m2: backend commit p99 400 ms (> 250 ms)');
  });
});

test('backup alerts say how old the newest backup is, and which drill failed and why', () => {
  const stale = evaluateRules({ ring: ring(), hashChecks: [], events: [], backups: backups(T0 - 3 * 3_600_000), now: T0 }).find((c) => c.rule === 'ringsideBackupStale')!;
  expect(stale.message).toBe('the newest verified backup is 3 h old (stale after 60 min)');
  const none = evaluateRules({ ring: ring(), hashChecks: [], events: [], backups: backups(null), now: T0 }).find((c) => c.rule === 'ringsideBackupStale')!;
  expect(none.message).toBe('no verified backup of demo at all');
  const failed = evaluateRules({ ring: ring(), hashChecks: [], events: [], backups: { ...backups(T0), lastDrill: drill('failed', T0) }, now: T0 }).find((c) => c.rule === 'ringsideDrillFailed')!;
  // Digests cut short for an alert line and a wall screen; the member ID in the backup's name stays whole.
  expect(failed.message).toBe("the restore drill of demo-m1-8e9e05c52164694d-rev40-20261123T030000.000Z.db failed: the stored object's SHA-256 is 0ab10ab1…, the sidecar recorded 9f3c9f3c…");
  // A cluster without backup stores has no backup alerts at all.
  expect(evaluateRules({ ring: ring(), hashChecks: [], events: [], backups: null, now: T0 }).filter((c) => c.rule.startsWith('ringsideBackup') || c.rule === 'ringsideDrillFailed')).toEqual([]);
});

describe('AlertTracker across a restart', () => {
  test('a restored alert keeps its times while its condition holds, and resolves once unseen past the settle time', () => {
    const before = new AlertTracker('c', { pollIntervalMs: 1000 });
    const cond = { rule: 'etcdNoLeader', key: 'etcdNoLeader/ring', severity: 'critical', value: 1, message: 'no leader' } as unknown as AlertCondition;
    before.update([cond], 0);
    before.update([cond], 120_000);
    const [firing] = before.list();
    expect(firing.state).toBe('firing');

    const after = new AlertTracker('c', { pollIntervalMs: 1000 });
    after.restore(JSON.parse(JSON.stringify(before.list())), 200_000, 60_000);
    expect(after.update([cond], 201_000)).toEqual([]);
    expect(after.list()[0]).toMatchObject({ state: 'firing', activeSince: firing.activeSince, firingSince: firing.firingSince });

    const again = new AlertTracker('c', { pollIntervalMs: 1000 });
    again.restore(before.list(), 200_000, 60_000);
    expect(again.update([], 230_000)).toEqual([]); // not evaluated yet, perhaps: kept
    expect(again.update([], 260_000).map((c) => c.change)).toEqual(['resolved']);
  });
});
