'use client';

import { useQuery } from '@tanstack/react-query';
import { AlertTriangle, CheckCircle2, Crown, OctagonX, Siren } from 'lucide-react';
import Link from 'next/link';
import { useDeferredValue, useMemo, useState } from 'react';
import { formatAge, formatClock } from '@/lib/model/format';
import { countByState, filterFleet, NOC_RANK, sortFleet, type NocState, type NocStatus } from '@/lib/model/fleet';
import type { RingHealth } from '@/lib/ring/types';
import { clustersQuery } from '@/lib/query/keys';
import { nocLook } from '../noc/state-look';
import { useFleetStream } from '../noc/use-fleet-stream';
import { freshnessOf } from '../ring/live-indicator';
import type { ClusterSummary } from '@/lib/ring/summary';
import { FreshnessBadge } from '../backups/freshness-badge';
import { HealthBadge } from '../ui/health-badge';
import { useNow } from '../ui/use-now';

type Cluster = ClusterSummary & { noc: NocStatus };

/** Rows drawn at first: the worst 50 of a big fleet; the rest one click (or a search) away. */
const FIRST_ROWS = 50;

/** The wall's state each ring health reads as by itself; a row says its state only when it is another (an alert, a split). */
const plainState: Record<RingHealth, NocState> = { healthy: 'OK', degraded: 'DEGRADED', alarm: 'CRITICAL', 'no-quorum': 'NO QUORUM', unknown: 'UNKNOWN' };

/**
 * Every configured cluster, worst first: status, leader and how many more failures it can take.
 * A fleet of hundreds is searched by name and filtered by state (the wall's words and icons).
 */
export function ClusterList() {
  const { data, status, lastMessageAt, pollIntervalMs } = useFleetStream();
  const { error, dataUpdatedAt } = useQuery(clustersQuery());
  const now = useNow(1000);
  const [query, setQuery] = useState('');
  const [states, setStates] = useState<ReadonlySet<NocState>>(new Set());
  // Typing stays quick with 200 rows: the table follows a moment behind the box.
  const deferredQuery = useDeferredValue(query);
  // The same order as the wall screen: NO QUORUM, CORRUPT (alarm or HashKV split), CRITICAL, UNKNOWN or stale, DEGRADED, OK.
  const clusters = useMemo(() => (data ? sortFleet(data, now) : []), [data, now]);
  const shown = useMemo(() => filterFleet(clusters, deferredQuery, states), [clusters, deferredQuery, states]);
  // Redrawing 200 rows at every fleet message (twice a second) blocked the page for 100 ms and
  // more; a wall of 200 rows is not read anyway. Worst first, so what matters is at the top.
  const [showAll, setShowAll] = useState(false);
  const visible = showAll ? shown : shown.slice(0, FIRST_ROWS);
  if (!data) return <p className="text-muted">{error ? `Cannot reach the Ringside server: ${error.message}` : 'Loading clusters…'}</p>;
  // The cluster page's rule: a dropped stream, or three poll intervals without news.
  const freshness = freshnessOf(status, lastMessageAt ?? dataUpdatedAt, pollIntervalMs, now);
  const stale = lastMessageAt !== null && freshness.stale;
  const toggle = (s: NocState) =>
    setStates((prev) => {
      const next = new Set(prev);
      if (next.has(s)) next.delete(s);
      else next.add(s);
      return next;
    });
  return (
    <div className="space-y-3">
      {stale && (
        <p role="alert" className="rounded-md border border-warn/50 bg-warn-bg px-4 py-2 text-sm text-warn">
          Not live: no update from the Ringside server for {formatAge(freshness.ageMs ?? 0)}. Reconnecting.
        </p>
      )}
      {clusters.length > 1 && (
        <FleetFilter clusters={clusters} query={query} onQuery={setQuery} states={states} onToggle={toggle} onAll={() => setStates(new Set())} shown={shown.length} />
      )}
      {shown.length === 0 && <p className="rounded-lg border border-line bg-panel px-4 py-6 text-center text-muted">No cluster matches{query.trim() ? ` “${query.trim()}”` : ''}{states.size ? ` in ${[...states].join(' or ')}` : ''}.</p>}
      {/* A phone gets one card per cluster; a desk the table. */}
      <ul className="space-y-3 sm:hidden" aria-label="Clusters">
        {visible.map((c) => (
          <ClusterCard key={c.name} c={c} now={now} />
        ))}
      </ul>
      <div className="hidden overflow-x-auto rounded-lg border border-line bg-panel sm:block">
        <table className="w-full text-sm" aria-label="Clusters">
          <thead>
            <tr className="border-b border-line text-left text-[11px] font-semibold uppercase tracking-wider text-muted">
              <th className="px-4 py-2">Cluster</th>
              <th className="px-4 py-2">Status</th>
              <th className="px-4 py-2">Leader</th>
              <th className="px-4 py-2">Quorum margin</th>
              <th className="px-4 py-2 text-right">Members up</th>
              <th className="px-4 py-2">HashKV</th>
              <th className="px-4 py-2">Alarms</th>
              <th className="px-4 py-2">Backup</th>
              <th className="px-4 py-2">Alerts firing</th>
              <th className="px-4 py-2 text-right">Updated</th>
            </tr>
          </thead>
          <tbody>
            {visible.map((c) => (
              <ClusterRow key={c.name} c={c} now={now} />
            ))}
          </tbody>
        </table>
      </div>
      {visible.length < shown.length && (
        <button type="button" onClick={() => setShowAll(true)} className="w-full rounded-lg border border-line bg-panel px-4 py-2 text-sm font-semibold text-accent hover:bg-panel-2">
          Show all {shown.length} (the {shown.length - visible.length} below are the least bad)
        </button>
      )}
    </div>
  );
}

/**
 * Search by name and one button per state present (icon, word and count; pressed ones filter,
 * several at once), worst state first, and how many rows show.
 */
function FleetFilter(p: { clusters: Cluster[]; query: string; onQuery: (q: string) => void; states: ReadonlySet<NocState>; onToggle: (s: NocState) => void; onAll: () => void; shown: number }) {
  const counts = countByState(p.clusters);
  return (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-2" role="search" aria-label="Find clusters">
      <input
        type="search"
        value={p.query}
        onChange={(e) => p.onQuery(e.target.value)}
        placeholder="Search by name"
        aria-label="Search clusters by name"
        className="w-full rounded-md border border-line bg-panel px-3 py-1.5 text-sm placeholder:text-faint focus:border-accent focus:outline-none sm:w-64"
      />
      <div className="flex flex-wrap items-center gap-1.5" role="group" aria-label="Filter by state">
        <button
          type="button"
          aria-pressed={p.states.size === 0}
          onClick={p.onAll}
          className={`rounded-md border px-2.5 py-1 text-xs font-semibold uppercase tracking-wide ${p.states.size === 0 ? 'border-accent bg-panel-2 text-fg' : 'border-line text-muted hover:text-fg'}`}
        >
          All <span className="num">{p.clusters.length}</span>
        </button>
        {counts
          .sort((a, b) => NOC_RANK[a[0]] - NOC_RANK[b[0]])
          .map(([s, n]) => {
            const { Icon, text } = nocLook[s];
            const on = p.states.has(s);
            return (
              <button
                key={s}
                type="button"
                aria-pressed={on}
                onClick={() => p.onToggle(s)}
                className={`inline-flex items-center gap-1.5 rounded-md border px-2.5 py-1 text-xs font-semibold uppercase tracking-wide ${on ? `border-accent bg-panel-2 ${text}` : `border-line ${text} opacity-80 hover:opacity-100`}`}
              >
                <Icon className="size-3.5" aria-hidden />
                {s} <span className="num text-fg">{n}</span>
              </button>
            );
          })}
      </div>
      <span className="text-xs text-muted sm:ml-auto" role="status" aria-label="Clusters shown">
        {p.shown === p.clusters.length ? `${p.shown} clusters, worst first` : `${p.shown} of ${p.clusters.length} clusters match, worst first`}
      </span>
    </div>
  );
}

/** The wall's state beside the ring's health, when it says more (a critical alert, a HashKV split, stale data). */
function StateNote({ c }: { c: Cluster }) {
  if (c.noc.state === plainState[c.health] && !c.noc.stale) return null;
  const { Icon, text } = nocLook[c.noc.state];
  return (
    <span className={`mt-1 inline-flex items-center gap-1 text-xs font-semibold ${text}`} data-state={c.noc.state}>
      <Icon className="size-3.5" aria-hidden />
      {c.noc.state}
      {c.noc.stale && <span className="text-muted">· data stale</span>}
    </span>
  );
}

/** The same facts as a table row, stacked for a phone. */
function ClusterCard({ c, now }: { c: Cluster; now: number }) {
  return (
    <li className="rounded-lg border border-line bg-panel p-4 text-sm" aria-label={c.name}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <Link href={`/clusters/${c.name}`} className="text-lg font-semibold text-accent hover:underline">
          {c.name}
        </Link>
        <span className="flex flex-col items-end">
          <HealthBadge health={c.health} />
          <StateNote c={c} />
        </span>
      </div>
      <p className="mt-1 text-muted">{c.summary}</p>
      <dl className="mt-3 grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1.5">
        <dt className="text-muted">Leader</dt>
        <dd>
          <LeaderCell c={c} />
        </dd>
        <dt className="text-muted">Quorum</dt>
        <dd>
          <MarginCell c={c} />
        </dd>
        <dt className="text-muted">Members up</dt>
        <dd className="num">
          {c.members.reachable} / {c.members.total}
        </dd>
        <dt className="text-muted">HashKV</dt>
        <dd>
          <HashCell c={c} />
        </dd>
        <dt className="text-muted">Alarms</dt>
        <dd>
          <AlarmsCell c={c} />
        </dd>
        {c.backups && (
          <>
            <dt className="text-muted">Backup</dt>
            <dd className="min-w-0">
              <FreshnessBadge status={c.backups} now={now} />
            </dd>
          </>
        )}
        <dt className="text-muted">Alerts</dt>
        <dd className="min-w-0">
          <AlertsCell c={c} now={now} />
        </dd>
        <dt className="text-muted">Updated</dt>
        <dd className="text-muted num">{c.at ? `${formatAge(now - Date.parse(c.at))} ago` : 'never'}</dd>
      </dl>
    </li>
  );
}

function ClusterRow({ c, now }: { c: Cluster; now: number }) {
  return (
    <tr className="border-b border-line/60 last:border-0 hover:bg-panel-2" aria-label={c.name} data-state={c.noc.state}>
      <td className="px-4 py-3">
        <Link href={`/clusters/${c.name}`} className="text-base font-semibold text-accent hover:underline">
          {c.name}
        </Link>
        <div className="font-mono text-xs text-muted">
          {c.endpoints.join(', ')}
          {c.tls && ' · TLS'}
        </div>
      </td>
      <td className="px-4 py-3">
        <HealthBadge health={c.health} />
        <StateNote c={c} />
        <div className="mt-1 text-xs text-muted">{c.summary}</div>
      </td>
      <td className="px-4 py-3">
        <LeaderCell c={c} />
      </td>
      <td className="whitespace-nowrap px-4 py-3 num">
        <MarginCell c={c} />
      </td>
      <td className="px-4 py-3 text-right num">
        {c.members.reachable} / {c.members.total}
        {c.members.learners > 0 && <span className="text-muted"> ({c.members.learners} learner)</span>}
      </td>
      <td className="px-4 py-3">
        <HashCell c={c} />
      </td>
      <td className="px-4 py-3">
        <AlarmsCell c={c} />
      </td>
      <td className="px-4 py-3">
        {c.backups ? <FreshnessBadge status={c.backups} now={now} /> : <span className="whitespace-nowrap text-faint">none configured</span>}
      </td>
      <td className="max-w-[22rem] px-4 py-3">
        <AlertsCell c={c} now={now} />
      </td>
      <td className="whitespace-nowrap px-4 py-3 text-right text-muted num">{c.at ? `${formatAge(now - Date.parse(c.at))} ago` : 'never'}</td>
    </tr>
  );
}

function LeaderCell({ c }: { c: ClusterSummary }) {
  return c.leader ? (
    <span className="inline-flex flex-wrap items-center gap-x-1.5 font-medium">
      <Crown className="size-4 text-ok" aria-hidden />
      {c.leader.name}
      <span className="font-mono text-xs text-muted">{c.leader.id}</span>
    </span>
  ) : (
    <span className="font-semibold text-crit">no leader</span>
  );
}

function MarginCell({ c }: { c: ClusterSummary }) {
  const q = c.quorum;
  // No member ever listed (no endpoint answers): nothing is known of a quorum, lost or not.
  if (!q || c.members.total === 0) return <span className="text-muted">unknown</span>;
  return q.hasQuorum ? <span className={q.canLose === 0 ? 'font-semibold text-warn' : ''}>can lose {q.canLose} more</span> : <span className="font-semibold text-crit">NO QUORUM</span>;
}

function HashCell({ c }: { c: ClusterSummary }) {
  if (c.hash === null) return <span className="text-muted">not checked yet</span>;
  if (c.hash.consistent === false) {
    return (
      <span className="inline-flex items-center gap-1 font-semibold text-crit">
        <OctagonX className="size-4" aria-hidden /> SPLIT
      </span>
    );
  }
  if (c.hash.consistent === true) {
    return (
      <span className="inline-flex items-center gap-1 text-ok">
        <CheckCircle2 className="size-4" aria-hidden /> agree
      </span>
    );
  }
  return <span className="text-muted">could not tell</span>;
}

function AlarmsCell({ c }: { c: ClusterSummary }) {
  if (!c.alarms.length) return <span className="text-faint">none</span>;
  return (
    <span className="inline-flex flex-wrap items-center gap-x-1 font-semibold text-crit">
      <Siren className="size-4" aria-hidden />
      {[...new Set(c.alarms.map((a) => a.alarm))].join(', ')}
      <span className="font-normal text-muted">since {formatClock(c.alarms.map((a) => a.since).sort()[0])}</span>
    </span>
  );
}

/** How many alerts fire, in words and icon, and the worst one with how long it has fired. */
function AlertsCell({ c, now }: { c: ClusterSummary; now: number }) {
  const [worst] = c.alerts;
  if (!worst) return <span className="text-faint">none</span>;
  const critical = worst.severity === 'critical';
  const Icon = critical ? OctagonX : AlertTriangle;
  return (
    <div className={critical ? 'text-crit' : 'text-warn'}>
      <span className="inline-flex items-center gap-1 font-semibold">
        <Icon className="size-4" aria-hidden />
        {critical ? 'Critical' : 'Warning'} · {c.alerts.length} firing
      </span>
      <div className="truncate text-xs text-fg" title={worst.message}>
        {worst.message}
      </div>
      {worst.firingSince && <div className="text-xs text-muted num">{worst.rule} · for {formatAge(now - Date.parse(worst.firingSince))}</div>}
    </div>
  );
}
