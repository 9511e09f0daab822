// Ring states for the capacity unit tests, derived the way the server derives them (deriveRing)
// from real-shaped etcd answers (lib/ring/fixtures.ts), with each member's db figures and, when
// its /metrics are scraped, its backend quota.
import type { AlarmEntry, MetricsResult } from '../../etcd/types';
import type { MemberMetrics } from '../../metrics/member-metrics';
import { deriveRing } from '../../ring/derive';
import { downProbe, ids, okProbe, poll } from '../../ring/fixtures';
import type { RingState } from '../../ring/types';

export const T0 = Date.UTC(2026, 10, 23, 3, 0, 0);
export const MB = 1e6;
export const MiB = 1024 ** 2;

export type Name = keyof typeof ids;

export interface Figures {
  dbSize: number;
  dbSizeInUse: number;
  /** etcd_server_quota_backend_bytes from its /metrics; absent: not scraped. */
  quotaBytes?: number;
  down?: boolean;
}

function metrics(at: number, f: Figures): MemberMetrics {
  return {
    memberId: null,
    at: new Date(at).toISOString(),
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
    dbSize: f.dbSize,
    dbSizeInUse: f.dbSizeInUse,
    quotaBytes: f.quotaBytes!,
    quotaUsedPct: (f.dbSize / f.quotaBytes!) * 100,
    restarted: false,
  };
}

/** A 3-member ring at `at` where m1 leads (unless told otherwise) and each member has the figures given. */
export function ringWith(figures: Partial<Record<Name, Figures>>, opts: { at?: number; leader?: Name; alarms?: AlarmEntry[]; seq?: number } = {}): RingState {
  const at = opts.at ?? T0;
  const leader = ids[opts.leader ?? 'm1'];
  const m: Record<string, MetricsResult> = {};
  const probes = (['m1', 'm2', 'm3'] as const).map((name) => {
    const f = figures[name] ?? { dbSize: 20480, dbSizeInUse: 16384 };
    if (f.down) return downProbe(name);
    if (f.quotaBytes) m[ids[name]] = { ok: true, url: `http://127.0.0.1:2${name.slice(1)}81/metrics`, metrics: metrics(at, f) };
    return okProbe(name, leader, { dbSize: f.dbSize, dbSizeInUse: f.dbSizeInUse });
  });
  return deriveRing(poll(opts.seq ?? 1, probes, { at, alarms: opts.alarms ?? [], metrics: m }), null, { bootId: 't', pollIntervalMs: 1000 });
}
