import { formatAge, formatBytes } from '../model/format';
import type { RingHistory } from '../history/store';
import type { MemberState, RingState } from '../ring/types';

/** etcd's --quota-backend-bytes when unset or 0 (etcdserver/quota.go DefaultQuotaBytes: 2 GiB). */
export const DEFAULT_QUOTA_BYTES = 2 * 1024 ** 3;
/** etcd-mixin's etcdExcessiveDatabaseGrowth looks at 4 hours of db size: predict_linear(...[4h], 4h). */
export const DEFAULT_GROWTH_WINDOW_MS = 4 * 3_600_000;
const HOUR = 3_600_000;

/** Where growth comes from: the ring's history (RingHistory), or anything that predicts like it. */
export type GrowthSource = Pick<RingHistory, 'predictLinear'>;

export interface MemberCapacity {
  id: string;
  name: string;
  reachable: boolean;
  dbSize: number | null;
  dbSizeInUse: number | null;
  /** dbSize - dbSizeInUse: free pages inside the file, what a defragment gives back. */
  defragGain: number | null;
  quotaBytes: number;
  /** metrics: the member's etcd_server_quota_backend_bytes; default: not scraped, etcd's 2 GiB assumed. */
  quotaSource: 'metrics' | 'default';
  /** dbSize as a share of the quota, 0..100. */
  quotaUsedPct: number | null;
  /** The least-squares trend over `windowMs`, bytes per hour, of the figure the forecast used. */
  growth: { bytesPerHour: number; basis: 'dbSize' | 'dbSizeInUse'; windowMs: number } | null;
  /** When dbSize reaches the quota at that rate (ISO); null when not growing or too little history. */
  nospaceAt: string | null;
  /** This member's NOSPACE alarm is active. */
  alarm: boolean;
  /** One sentence a person reads: when NOSPACE comes, or why there is no forecast. */
  note: string;
}

export interface CapacityReport {
  at: string;
  members: MemberCapacity[];
  /** The member that runs out first, if any does at its current rate. */
  soonest: { id: string; name: string; nospaceAt: string } | null;
}

/**
 * Quota and growth per member, pure: db size, in use and quota; what a defragment would give
 * back; the growth rate from the history's least-squares line (Prometheus' predict_linear,
 * as etcd-mixin's etcdExcessiveDatabaseGrowth uses it); and when NOSPACE comes at that rate.
 *
 * etcd raises NOSPACE when the db size (the file's pages, free ones included) would pass the
 * quota. Free pages are reused before the file grows, so the db size alone grows late and in
 * steps, and drops at a defragment; the bytes in use grow with the data. Both trends are
 * taken and the earlier arrival wins: in use reaching the quota (the file must have grown to
 * hold it by then), or the db size itself reaching it.
 */
export function capacityOf(ring: RingState, history: GrowthSource | null, now: number, opts: { windowMs?: number } = {}): CapacityReport {
  const windowMs = opts.windowMs ?? DEFAULT_GROWTH_WINDOW_MS;
  const members = ring.members.map((m) => memberCapacity(ring, m, history, now, windowMs));
  const soonest = members
    .filter((m): m is MemberCapacity & { nospaceAt: string } => m.nospaceAt !== null)
    .sort((a, b) => Date.parse(a.nospaceAt) - Date.parse(b.nospaceAt))[0];
  return { at: new Date(now).toISOString(), members, soonest: soonest ? { id: soonest.id, name: soonest.name, nospaceAt: soonest.nospaceAt } : null };
}

/** A member's backend quota: what its /metrics say (etcd_server_quota_backend_bytes), else etcd's default. */
export function memberQuota(m: MemberState): { quotaBytes: number; quotaSource: 'metrics' | 'default' } {
  const scraped = m.metrics?.quotaBytes;
  return scraped && scraped > 0 ? { quotaBytes: scraped, quotaSource: 'metrics' } : { quotaBytes: DEFAULT_QUOTA_BYTES, quotaSource: 'default' };
}

function memberCapacity(ring: RingState, m: MemberState, history: GrowthSource | null, now: number, windowMs: number): MemberCapacity {
  const { quotaBytes, quotaSource } = memberQuota(m);
  const { dbSize, dbSizeInUse } = m;
  const alarm = ring.alarms.some((a) => a.alarm === 'NOSPACE' && a.memberId === m.id);
  const base = {
    id: m.id,
    name: m.name,
    reachable: m.reachable,
    dbSize,
    dbSizeInUse,
    defragGain: dbSize !== null && dbSizeInUse !== null ? Math.max(0, dbSize - dbSizeInUse) : null,
    quotaBytes,
    quotaSource,
    quotaUsedPct: dbSize !== null ? (dbSize / quotaBytes) * 100 : null,
    alarm,
  } as const;
  const quotaWord = quotaSource === 'default' ? `the ${formatBytes(quotaBytes)} default quota (its /metrics are not scraped, so the real --quota-backend-bytes is unknown)` : `its ${formatBytes(quotaBytes)} quota`;
  if (alarm) return { ...base, growth: null, nospaceAt: null, note: `NOSPACE is active: etcd takes no writes until space is freed and the alarm is disarmed.` };
  if (dbSize === null || dbSizeInUse === null) return { ...base, growth: null, nospaceAt: null, note: 'No db size: the member does not answer.' };

  const slope = (key: 'dbSize' | 'dbSizeInUse'): number | null => {
    const at0 = history?.predictLinear(m.id, key, windowMs, 0, now) ?? null;
    const at1 = history?.predictLinear(m.id, key, windowMs, HOUR, now) ?? null;
    return at0 === null || at1 === null ? null : at1 - at0;
  };
  const rates = { dbSize: slope('dbSize'), dbSizeInUse: slope('dbSizeInUse') };
  if (rates.dbSize === null && rates.dbSizeInUse === null) {
    return { ...base, growth: null, nospaceAt: null, note: 'Not enough history for a trend yet (10 minutes of polls are needed).' };
  }
  const arrivals = (['dbSize', 'dbSizeInUse'] as const).flatMap((basis) => {
    const r = rates[basis];
    if (r === null || r <= 0) return [];
    const current = basis === 'dbSize' ? dbSize : dbSizeInUse;
    return [{ basis, bytesPerHour: r, ms: (Math.max(0, quotaBytes - current) / r) * HOUR }];
  });
  const first = arrivals.sort((a, b) => a.ms - b.ms)[0];
  if (!first) {
    const r = rates.dbSizeInUse ?? rates.dbSize!;
    return {
      ...base,
      growth: { bytesPerHour: r, basis: rates.dbSizeInUse !== null ? 'dbSizeInUse' : 'dbSize', windowMs },
      nospaceAt: null,
      note: `Not growing over the last ${formatAge(windowMs)}: no NOSPACE forecast against ${quotaWord}.`,
    };
  }
  const at = new Date(now + first.ms).toISOString();
  return {
    ...base,
    growth: { bytesPerHour: first.bytesPerHour, basis: first.basis, windowMs },
    nospaceAt: at,
    note: `At ${formatBytes(first.bytesPerHour)}/h (${first.basis} over the last ${formatAge(windowMs)}), ${m.name || m.id} reaches ${quotaWord} in ${formatAge(first.ms)}.`,
  };
}
