'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { AlertTriangle, CheckCircle2, CircleHelp, Database, Loader2, OctagonX, ScanSearch, TrendingUp } from 'lucide-react';
import { useState } from 'react';
import { ApiError, call } from '@/lib/api/client';
import type { KeyspaceReport, PrefixChange, TopKey } from '@/lib/capacity/types';
import type { MemberCapacity } from '@/lib/capacity/quota';
import { formatAge, formatBytes, formatNumber, formatUtc } from '@/lib/model/format';
import { accessQuery, keyspaceQuery, ringKeys, type KeyspaceResponse } from '@/lib/query/keys';
import { useAccess } from '../ops/use-access';
import { Button } from '../ui/button';
import { Panel } from '../ui/panel';

type Source = '' | 'live' | 'backup';
const SOURCES: { value: Source; label: string }[] = [
  { value: '', label: 'Newest' },
  { value: 'live', label: 'Live' },
  { value: 'backup', label: 'Backup' },
];
/** Prefixes drawn as bars; the table lists every one. */
const BARS = 10;

/**
 * What fills this etcd, how fast, and what to do about it (issue 17): per member the db size, the
 * bytes in use and the quota, the growth and the NOSPACE date, what a defragment gives back; the
 * keyspace by prefix with its change since the previous scan, the top keys, Events, leases and
 * compaction; the defragment rules' dry run. A scan reads a healthy follower, or walks the newest
 * verified backup at no cost to the ring.
 */
export function CapacityPanel({ cluster, now }: { cluster: string; now: number }) {
  const [source, setSource] = useState<Source>('');
  const { data, error } = useQuery(keyspaceQuery(cluster, source));
  return (
    <Panel title="Capacity" id="capacity" bodyClassName="" actions={data && <ScanControls cluster={cluster} view={data} source={source} setSource={setSource} />}>
      {error && !data ? <p className="p-4 text-sm text-crit">Cannot read the keyspace: {error.message}</p> : data ? <Body view={data} now={now} /> : <p className="p-4 text-sm text-muted">Loading…</p>}
    </Panel>
  );
}

function ScanControls({ cluster, view, source, setSource }: { cluster: string; view: KeyspaceResponse; source: Source; setSource: (s: Source) => void }) {
  const { canAct, why, csrf } = useAccess();
  const queryClient = useQueryClient();
  const scan = useMutation({
    mutationFn: (s: 'live' | 'backup') => call('keyspaceScan', { params: { name: cluster }, body: { source: s }, csrf }),
    onError: (e) => {
      if (e instanceof ApiError && e.status === 401) void queryClient.invalidateQueries({ queryKey: accessQuery().queryKey });
    },
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ringKeys.keyspace(cluster) }),
  });
  const running = view.scan.running;
  const busy = Boolean(running) || scan.isPending;
  const reason = why ?? (running ? `A ${running.source} scan is running` : undefined);
  return (
    <div className="flex flex-wrap items-center justify-end gap-2 text-xs">
      <div className="flex gap-1" role="radiogroup" aria-label="Report source">
        {SOURCES.map((s) => (
          <button
            key={s.value}
            type="button"
            role="radio"
            aria-checked={source === s.value}
            onClick={() => setSource(s.value)}
            className={`rounded border px-2 py-0.5 ${source === s.value ? 'border-accent bg-info-bg font-semibold' : 'border-line text-muted hover:text-fg'}`}
          >
            {s.label}
          </button>
        ))}
      </div>
      <Button className="px-2 py-1 text-xs" disabled={!canAct || busy} title={reason ?? 'Read every key at one revision from a healthy follower, paced'} onClick={() => scan.mutate('live')}>
        {busy ? <Loader2 className="size-3.5 animate-spin" aria-hidden /> : <ScanSearch className="size-3.5" aria-hidden />} Scan now
      </Button>
      {view.scan.backupsConfigured && (
        <Button className="px-2 py-1 text-xs" disabled={!canAct || busy} title={reason ?? 'Walk the newest verified backup: no load on the ring'} onClick={() => scan.mutate('backup')}>
          <Database className="size-3.5" aria-hidden /> Walk newest backup
        </Button>
      )}
      {!canAct && why && <span className="basis-full text-right text-muted">{why}</span>}
      {scan.error && (
        <span role="alert" className="basis-full text-right text-crit">
          {scan.error.message}
        </span>
      )}
    </div>
  );
}

function Body({ view, now }: { view: KeyspaceResponse; now: number }) {
  return (
    <div className="divide-y divide-line">
      <Quota view={view} />
      <Keyspace view={view} now={now} />
      <DefragRules view={view} />
    </div>
  );
}

// ---------------------------------------------------------------- quota and growth

function Quota({ view }: { view: KeyspaceResponse }) {
  const c = view.capacity;
  if (!c) return <p className="p-4 text-sm text-muted">Waiting for the first poll…</p>;
  return (
    <section aria-label="Quota and growth" className="p-4">
      <h3 className="mb-2 text-[11px] font-semibold uppercase tracking-wider text-muted">Quota and growth</h3>
      <p className="mb-2 flex items-center gap-2 text-sm" data-testid="nospace-forecast">
        {c.members.some((m) => m.alarm) ? (
          <>
            <OctagonX className="size-4 text-crit" aria-hidden /> <span className="font-semibold text-crit">NOSPACE forecast: reached.</span> The alarm is active: etcd takes no writes until space is freed and the alarm is disarmed.
          </>
        ) : c.soonest ? (
          <>
            <TrendingUp className="size-4 text-warn" aria-hidden /> <span className="font-semibold">NOSPACE forecast: {formatUtc(c.soonest.nospaceAt)}</span> ({c.soonest.name || c.soonest.id} first)
          </>
        ) : c.members.every((m) => !m.growth) ? (
          <>
            <CircleHelp className="size-4 text-muted" aria-hidden /> <span>NOSPACE forecast: none yet: a trend needs 10 minutes of polls.</span>
          </>
        ) : (
          <>
            <CheckCircle2 className="size-4 text-ok" aria-hidden /> <span>NOSPACE forecast: not growing.</span>
          </>
        )}
      </p>
      {/* A table on a desk, one block per member on a phone: five columns do not fit 390 px. */}
      <div role="table" aria-label="Quota per member" className="text-[13px]">
        <div role="row" className="hidden gap-3 py-1 text-left text-[11px] font-semibold uppercase tracking-wider text-muted md:grid md:grid-cols-[minmax(6rem,auto)_minmax(0,3fr)_7rem_minmax(0,2fr)_6rem]">
          <span role="columnheader">Member</span>
          <span role="columnheader">db size · in use · quota</span>
          <span role="columnheader">Growth</span>
          <span role="columnheader">NOSPACE</span>
          <span role="columnheader" className="text-right">
            Defrag gain
          </span>
        </div>
        {c.members.map((m) => (
          <MemberRow key={m.id} m={m} />
        ))}
      </div>
    </section>
  );
}

function MemberRow({ m }: { m: MemberCapacity }) {
  const pct = (n: number | null) => (n === null ? 0 : Math.min(100, (n / m.quotaBytes) * 100));
  const label = 'text-[11px] font-semibold uppercase tracking-wider text-muted md:hidden';
  return (
    <div role="row" aria-label={m.name || m.id} className="grid gap-x-3 gap-y-1 border-t border-line/60 py-1.5 md:grid-cols-[minmax(6rem,auto)_minmax(0,3fr)_7rem_minmax(0,2fr)_6rem]">
      <span role="cell" className="whitespace-nowrap font-semibold md:font-normal">
        {m.alarm && <OctagonX className="mr-1 inline size-3.5 text-crit" aria-label="NOSPACE alarm" />}
        {m.name || m.id}
      </span>
      <span role="cell" className="min-w-0">
        <span className="relative block h-2.5 overflow-hidden rounded-sm bg-panel-2" role="img" aria-label={`db size ${formatBytes(m.dbSize)}, in use ${formatBytes(m.dbSizeInUse)}, of a ${formatBytes(m.quotaBytes)} quota`}>
          <span className={`absolute inset-y-0 left-0 ${m.alarm ? 'bg-crit/40' : 'bg-accent/35'}`} style={{ width: `${pct(m.dbSize)}%` }} />
          <span className={`absolute inset-y-0 left-0 ${m.alarm ? 'bg-crit' : 'bg-accent'}`} style={{ width: `${pct(m.dbSizeInUse)}%` }} />
        </span>
        <span className="mt-0.5 block font-mono text-xs text-muted">
          {formatBytes(m.dbSize)} · {formatBytes(m.dbSizeInUse)} in use · {formatBytes(m.quotaBytes)} quota{m.quotaSource === 'default' ? ' (etcd default, assumed)' : ''}
          {m.quotaUsedPct !== null && ` · ${Math.round(m.quotaUsedPct)}%`}
        </span>
      </span>
      <span role="cell" className="font-mono text-xs whitespace-nowrap">
        <span className={`${label} mr-2 font-sans`}>Growth</span>
        {m.growth ? `${m.growth.bytesPerHour >= 0 ? '+' : '−'}${formatBytes(Math.abs(m.growth.bytesPerHour))}/h` : '—'}
      </span>
      <span role="cell" className="text-xs" title={m.note}>
        {m.nospaceAt ? <span className="font-semibold">{formatUtc(m.nospaceAt)}</span> : null}
        <span className="block text-muted">{m.note}</span>
      </span>
      <span role="cell" className="font-mono text-xs whitespace-nowrap md:text-right">
        <span className={`${label} mr-2 font-sans`}>Defrag gain</span>
        {formatBytes(m.defragGain)}
      </span>
    </div>
  );
}

// ---------------------------------------------------------------- the keyspace

function sourceText(r: KeyspaceReport): string {
  return r.source.kind === 'live'
    ? `live scan of ${r.source.memberName || r.source.memberId} (${r.source.pages} pages)`
    : `backup ${r.source.name}${r.source.encrypted ? ' (encrypted)' : ''}, ${formatBytes(r.source.dbSize)} walked`;
}

function Keyspace({ view, now }: { view: KeyspaceResponse; now: number }) {
  const r = view.report;
  const s = view.scan;
  const scanning = s.running && (
    <p role="status" className="flex items-center gap-2 text-sm text-muted">
      <Loader2 className="size-4 animate-spin" aria-hidden /> {s.running.source === 'live' ? 'Scanning live' : 'Walking the newest backup'} since {formatAge(Math.max(0, now - Date.parse(s.running.startedAt)))} ({s.running.by})…
    </p>
  );
  const failed = s.lastError && (
    <p role="alert" className="flex items-start gap-2 text-sm text-warn">
      <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden /> The last {s.lastError.source} scan failed: {s.lastError.error}
    </p>
  );
  if (!r) {
    return (
      <section aria-label="Keyspace" className="space-y-2 p-4">
        {scanning}
        {failed}
        <p className="text-sm text-muted">
          No keyspace report yet.{' '}
          {s.everyMs ? `Live scans run every ${formatAge(s.everyMs)}.` : 'Scans run on demand (capacity.scan.every schedules them).'}
          {s.backupsConfigured && s.backups ? ' Each new verified backup is walked too.' : ''}
        </p>
      </section>
    );
  }
  const grew = new Map((view.diff?.prefixes ?? []).map((p) => [p.prefix, p]));
  // A key's history counts its live revision too: what a prefix holds is the larger of the two.
  const weight = (p: { bytes: number; historyBytes: number }) => Math.max(p.bytes, p.historyBytes);
  const max = Math.max(1, ...r.prefixes.slice(0, BARS).map(weight));
  return (
    <section aria-label="Keyspace" className="space-y-3 p-4">
      <div className="flex flex-wrap items-baseline gap-x-4 gap-y-1 text-sm">
        <h3 className="text-[11px] font-semibold uppercase tracking-wider text-muted">Keyspace</h3>
        <span data-testid="report-source">
          {sourceText(r)} at revision {formatNumber(r.revision)}, {formatAge(Math.max(0, now - Date.parse(r.takenAt)))} ago
        </span>
        <span className="font-mono text-xs text-muted">
          {formatNumber(r.totalKeys)} keys · {formatBytes(r.totalBytes)} · {formatNumber(r.revisions)} revisions{r.revisionsExact ? '' : ' (estimated)'} · {formatBytes(r.historyBytes)} history
        </span>
      </div>
      {scanning}
      {failed}
      {view.diff && (
        <p className="text-xs text-muted">
          Since the previous {view.diff.from.source} report ({formatAge(view.diff.elapsedMs)} earlier, revision {formatNumber(view.diff.from.revision)}): {signed(view.diff.delta.keys, formatNumber)} keys, {signed(view.diff.delta.bytes, formatBytes)}.
          {view.diff.note && ` Note: ${view.diff.note}.`}
        </p>
      )}
      <ol className="space-y-1" aria-label="Largest prefixes">
        {r.prefixes.slice(0, BARS).map((p) => (
          <li key={p.prefix} className="grid grid-cols-[minmax(0,22rem)_1fr_7rem] items-center gap-3 text-xs">
            <span className="truncate font-mono" title={p.prefix}>{p.prefix}</span>
            <span className="relative h-3 rounded-sm bg-panel-2" role="img" aria-label={`${formatBytes(p.bytes)} live, ${formatBytes(p.historyBytes)} history`}>
              <span className={`absolute inset-y-0 left-0 rounded-sm ${p.events ? 'bg-info/50' : 'bg-accent/40'}`} style={{ width: `${(weight(p) / max) * 100}%` }} />
              <span className={`absolute inset-y-0 left-0 rounded-sm ${p.events ? 'bg-info' : 'bg-accent'}`} style={{ width: `${(p.bytes / max) * 100}%` }} />
            </span>
            <span className="text-right font-mono text-muted">{formatBytes(p.bytes)}</span>
          </li>
        ))}
      </ol>
      <p className="text-[11px] text-muted">Bars: solid live keys and values, light the history held since the last compaction{r.prefixes.some((p) => p.events) ? '; Events in blue' : ''}.</p>
      <PrefixTable report={r} changes={grew} hasDiff={Boolean(view.diff)} />
      <div className="grid gap-4 xl:grid-cols-2">
        <TopKeys title="Top keys by size" keys={r.topKeys.bySize} by="size" />
        <TopKeys title="Top keys by revisions" keys={r.topKeys.byRevisions} by="revisions" />
      </div>
      <div className="grid gap-4 text-[13px] md:grid-cols-3">
        <Events report={r} />
        <Leases report={r} />
        <Compaction view={view} report={r} />
      </div>
    </section>
  );
}

function signed(n: number, f: (x: number) => string): string {
  return n === 0 ? '±0' : n > 0 ? `+${f(n)}` : `−${f(-n)}`;
}

function Change({ c, hasDiff }: { c: PrefixChange | undefined; hasDiff: boolean }) {
  if (!hasDiff) return <span className="text-muted">—</span>;
  if (!c || c.status === 'same') return <span className="text-muted">same</span>;
  if (c.status === 'new') return <span className="text-warn">▲ new</span>;
  if (c.status === 'gone') return <span className="text-muted">gone</span>;
  const g = c.delta.bytes + c.delta.historyBytes;
  return <span className={g > 0 ? 'text-warn' : 'text-ok'}>{g > 0 ? '▲' : '▼'} {signed(c.delta.bytes, formatBytes)}, {signed(c.delta.keys, formatNumber)} keys</span>;
}

function PrefixTable({ report, changes, hasDiff }: { report: KeyspaceReport; changes: Map<string, PrefixChange>; hasDiff: boolean }) {
  const rows = report.prefixes;
  return (
    <div className="max-h-80 overflow-auto rounded border border-line/60">
      <table className="w-full text-[13px]" aria-label="Keyspace by prefix">
        <thead className="sticky top-0 bg-panel">
          <tr className="text-left text-[11px] font-semibold uppercase tracking-wider text-muted">
            <th className="px-2 py-1 font-semibold">Prefix</th>
            <th className="px-2 py-1 text-right font-semibold">Keys</th>
            <th className="px-2 py-1 text-right font-semibold">Bytes</th>
            <th className="px-2 py-1 text-right font-semibold">Revisions</th>
            <th className="px-2 py-1 text-right font-semibold">History</th>
            <th className="px-2 py-1 font-semibold">Since previous scan</th>
          </tr>
        </thead>
        <tbody className="font-mono text-xs">
          {rows.map((p) => (
            <tr key={p.prefix} className="border-t border-line/60">
              <td className="max-w-[28rem] truncate px-2 py-1" title={p.prefix}>
                {p.prefix}
                {p.events && <span className="ml-1.5 rounded bg-info-bg px-1 font-sans text-[10px] text-info">Events</span>}
              </td>
              <td className="px-2 py-1 text-right">{formatNumber(p.keys)}</td>
              <td className="px-2 py-1 text-right">{formatBytes(p.bytes)}</td>
              <td className="px-2 py-1 text-right">{formatNumber(p.revisions)}</td>
              <td className="px-2 py-1 text-right">{formatBytes(p.historyBytes)}</td>
              <td className="px-2 py-1 font-sans">
                <Change c={changes.get(p.prefix)} hasDiff={hasDiff} />
              </td>
            </tr>
          ))}
          {report.otherPrefixes && (
            <tr className="border-t border-line/60 text-muted">
              <td className="px-2 py-1 font-sans">{formatNumber(report.otherPrefixes.prefixes)} more prefixes</td>
              <td className="px-2 py-1 text-right">{formatNumber(report.otherPrefixes.keys)}</td>
              <td className="px-2 py-1 text-right">{formatBytes(report.otherPrefixes.bytes)}</td>
              <td className="px-2 py-1 text-right">{formatNumber(report.otherPrefixes.revisions)}</td>
              <td className="px-2 py-1 text-right">{formatBytes(report.otherPrefixes.historyBytes)}</td>
              <td />
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

function TopKeys({ title, keys, by }: { title: string; keys: TopKey[]; by: 'size' | 'revisions' }) {
  return (
    <div>
      <h4 className="mb-1 text-[11px] font-semibold uppercase tracking-wider text-muted">{title}</h4>
      {keys.length === 0 ? (
        <p className="text-xs text-muted">None.</p>
      ) : (
        <table className="w-full table-fixed text-xs" aria-label={title}>
          <tbody className="font-mono">
            {keys.slice(0, 8).map((k) => (
              <tr key={k.key} className="border-t border-line/60">
                <td className="truncate py-0.5 pr-2" title={k.key}>
                  {k.key}
                  {!k.live && <span className="ml-1 font-sans text-muted">(deleted)</span>}
                </td>
                <td className="w-24 py-0.5 text-right whitespace-nowrap">{by === 'size' ? formatBytes(k.bytes) : `${formatNumber(k.revisions)} rev`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="flex justify-between gap-3 border-t border-line/60 py-0.5">
      <dt className="text-muted">{label}</dt>
      <dd className="text-right font-mono text-xs">{children}</dd>
    </div>
  );
}

function Events({ report: r }: { report: KeyspaceReport }) {
  return (
    <dl aria-label="Events">
      <h4 className="mb-1 text-[11px] font-semibold uppercase tracking-wider text-muted">Kubernetes Events</h4>
      <Fact label="Share of bytes">{Math.round(r.events.share * 1000) / 10}%</Fact>
      <Fact label="Keys">{formatNumber(r.events.keys)}</Fact>
      <Fact label="Bytes">{formatBytes(r.events.bytes)}</Fact>
      <Fact label="History">{formatBytes(r.events.historyBytes)}</Fact>
    </dl>
  );
}

function Leases({ report: r }: { report: KeyspaceReport }) {
  const l = r.leases;
  return (
    <dl aria-label="Leases">
      <h4 className="mb-1 text-[11px] font-semibold uppercase tracking-wider text-muted">Leases</h4>
      <Fact label="Leases">{formatNumber(l.count)}</Fact>
      <Fact label="Keys attached">{formatNumber(l.keysAttached)}</Fact>
      <Fact label="Without keys">{formatNumber(l.withoutKeys)}</Fact>
      {l.keysOnUnknownLeases > 0 && <Fact label="Keys on unknown leases">{formatNumber(l.keysOnUnknownLeases)}</Fact>}
      <Fact label="TTL spread">{l.ttl ? `${l.ttl.min} s … ${l.ttl.max} s (${l.ttl.known} read)` : '—'}</Fact>
      {l.top.slice(0, 3).map((t) => (
        <Fact key={t.id} label={`lease ${t.id}`}>
          {formatNumber(t.keys)} keys{t.ttl !== null ? `, TTL ${t.ttl} s` : ''}
        </Fact>
      ))}
    </dl>
  );
}

function Compaction({ view, report: r }: { view: KeyspaceResponse; report: KeyspaceReport }) {
  const c = r.compaction;
  return (
    <dl aria-label="Compaction">
      <h4 className="mb-1 text-[11px] font-semibold uppercase tracking-wider text-muted">Compaction</h4>
      <Fact label="Compacted revision">{c.compactRevision ? formatNumber(c.compactRevision) : 'never'}</Fact>
      <Fact label="Behind the head">{formatNumber(c.behind)} revisions</Fact>
      <Fact label="Last moved">{view.compactionMoved ? `${formatUtc(view.compactionMoved.at)} (${formatNumber(view.compactionMoved.from)} → ${formatNumber(view.compactionMoved.to)})` : 'not seen moving'}</Fact>
      {c.scheduledRevision !== null && c.scheduledRevision !== c.compactRevision && <Fact label="Scheduled, unfinished">{formatNumber(c.scheduledRevision)}</Fact>}
    </dl>
  );
}

// ---------------------------------------------------------------- the defragment rules

function DefragRules({ view }: { view: KeyspaceResponse }) {
  const d = view.defrag;
  const plan = d.dryRun;
  return (
    <section aria-label="Defragment rules" className="p-4 text-[13px]">
      <h3 className="mb-1 text-[11px] font-semibold uppercase tracking-wider text-muted">Defragment rules: dry run</h3>
      <p className="mb-2 text-xs text-muted">
        {d.everyMs ? `Scheduled every ${formatAge(d.everyMs)} on a healthy ring, followers first, the leader last` : 'No schedule (capacity.defrag.every): the rules feed this dry run only'}
        {d.lastRunAt ? `; last checked ${formatUtc(d.lastRunAt)}` : ''}. Nothing here runs.
      </p>
      {d.rules.length === 0 ? (
        <p className="text-muted">No rules are configured (capacity.defrag.rules, e.g. &quot;free &gt; 200MiB&quot;).</p>
      ) : !plan ? (
        <p className="text-muted">Waiting for the first poll…</p>
      ) : (
        <>
          <ul className="space-y-1.5" aria-label="Rules">
            {plan.rules.map((r) => (
              <li key={r.rule}>
                <code className="rounded bg-panel-2 px-1.5 py-0.5 text-xs">{r.rule}</code>{' '}
                {r.members.length === 0 ? (
                  <span className="text-muted">selects no member</span>
                ) : (
                  <span>
                    selects{' '}
                    {r.members.map((m, i) => (
                      <span key={m.id}>
                        {i > 0 && ', '}
                        <strong>{m.name}</strong> <span className="text-xs text-muted">({m.why})</span>
                      </span>
                    ))}
                  </span>
                )}
              </li>
            ))}
          </ul>
          <p className="mt-2 flex items-start gap-2">
            {plan.order.length === 0 ? (
              <>
                <CheckCircle2 className="mt-0.5 size-4 shrink-0 text-ok" aria-hidden /> Nothing to defragment now.
              </>
            ) : plan.refusal ? (
              <>
                <AlertTriangle className="mt-0.5 size-4 shrink-0 text-warn" aria-hidden /> Would defragment {plan.order.map((m) => m.name).join(', ')}, but not now: {plan.refusal}
              </>
            ) : (
              <>
                <CheckCircle2 className="mt-0.5 size-4 shrink-0 text-ok" aria-hidden /> Would defragment, in this order: {plan.order.map((m) => `${m.name}${m.isLeader ? ' (leader, last)' : ''}`).join(' → ')}; about {formatBytes(plan.gain)} back.
              </>
            )}
          </p>
        </>
      )}
    </section>
  );
}
