import { Siren } from 'lucide-react';
import { formatClock, formatNumber } from '@/lib/model/format';
import { memberLabel } from '@/lib/model/labels';
import type { RingState } from '@/lib/ring/types';

/** The ring's vital numbers beside the topology drawing. */
export function RingFacts({ ring }: { ring: RingState }) {
  const leader = ring.members.find((m) => m.isLeader);
  const revisions = ring.members.map((m) => m.revision).filter((r): r is number => r !== null);
  const spread = revisions.length ? Math.max(...revisions) - Math.min(...revisions) : null;
  const memberName = (id: string) => {
    const m = ring.members.find((x) => x.id === id);
    return id === '0' ? 'member 0 (cluster-wide)' : m ? memberLabel(m) : id;
  };
  return (
    <dl className="grid grid-cols-2 gap-x-6 gap-y-3 text-sm">
      <Fact
        label="Leader"
        value={leader ? `${memberLabel(leader)}${leader.reachable ? '' : ' (unreachable)'}` : 'none'}
        mono={leader?.id}
        tone={leader?.reachable ? '' : 'text-crit'}
        sub={leader && !leader.reachable ? 'still named by the members Ringside reaches' : undefined}
      />
      <Fact label="Raft term" value={formatNumber(ring.raftTerm)} />
      <Fact label="Voters" value={`${ring.quorum.healthy} healthy of ${ring.quorum.voters}`} />
      <Fact label="Learners" value={String(ring.members.filter((m) => m.isLearner).length)} />
      <Fact label="Revision" value={revisions.length ? formatNumber(Math.max(...revisions)) : '—'} sub={spread ? `spread ${formatNumber(spread)} across members` : revisions.length > 1 ? 'all members equal' : undefined} />
      <Fact label="Cluster ID" value={ring.clusterId ?? '—'} monoValue />
      <div className="col-span-2">
        <dt className="text-[11px] font-semibold uppercase tracking-wider text-muted">Alarms</dt>
        <dd className="mt-1">
          {ring.alarms.length === 0 ? (
            <span className="text-muted">{ring.alarmsKnown ? 'none' : 'unknown (needs quorum)'}</span>
          ) : (
            <ul className="space-y-1">
              {ring.alarms.map((a) => (
                <li key={`${a.memberId}-${a.alarm}`} className="flex flex-wrap items-center gap-x-1.5 rounded border border-crit/50 bg-crit-bg px-2 py-0.5 font-semibold text-crit">
                  <Siren className="size-4" aria-hidden />
                  {a.alarm} on {memberName(a.memberId)}
                  <span className="font-normal text-fg/70">since {formatClock(a.since)}</span>
                </li>
              ))}
            </ul>
          )}
        </dd>
      </div>
    </dl>
  );
}

function Fact({ label, value, sub, mono, monoValue, tone = '' }: { label: string; value: string; sub?: string; mono?: string; monoValue?: boolean; tone?: string }) {
  return (
    <div>
      <dt className="text-[11px] font-semibold uppercase tracking-wider text-muted">{label}</dt>
      <dd className={`num text-base font-semibold ${monoValue ? 'font-mono text-sm' : ''} ${tone}`}>
        {value}
        {mono && <span className="ml-2 font-mono text-xs font-normal text-muted">{mono}</span>}
      </dd>
      {sub && <dd className="text-xs text-muted">{sub}</dd>}
    </div>
  );
}
