'use client';

import { AlertTriangle, CheckCircle2, Crown, HardDrive, Pin, RefreshCw, WifiOff, XCircle } from 'lucide-react';
import { freshnessWords } from '@/lib/model/backups';
import { formatAge } from '@/lib/model/format';
import { countByState, nocFocus, nocLayout, sortFleet, type NocStatus, type TileSize } from '@/lib/model/fleet';
import type { ClusterSummary } from '@/lib/ring/summary';
import { freshnessOf } from '../ring/live-indicator';
import { useHydrated } from '../ui/use-hydrated';
import { useNow } from '../ui/use-now';
import { nocLook as look } from './state-look';
import { useFleetStream } from './use-fleet-stream';


type Cluster = ClusterSummary & { noc: NocStatus };

/**
 * The wall screen: every cluster as a tile, worst first, readable across a room, no mouse. The
 * detail pane pins the worst cluster while anything is wrong and cycles through the rest when
 * all is well. When the stream goes quiet it says DATA STALE across the screen and reconnects.
 */
export function NocScreen({ cycleSeconds }: { cycleSeconds: number }) {
  const { data, status, lastMessageAt, pollIntervalMs } = useFleetStream();
  const now = useNow(500);
  const hydrated = useHydrated();
  const clusters = data ? sortFleet(data, now) : [];
  const focus = nocFocus(clusters, now, cycleSeconds * 1000);
  const focused = clusters.find((c) => c.name === focus?.name) ?? null;
  const layout = nocLayout(clusters);
  const { cols, rows } = layout;
  // The same rule as the cluster page: a dropped stream, or three poll intervals without news
  // (the first paint's data, from the server's render, counts as live until the stream says).
  const stale = lastMessageAt !== null && freshnessOf(status, lastMessageAt, pollIntervalMs, now).stale;
  const counts = countByState(clusters);
  const big = clusters.length <= 4;
  const wide = layout.size !== 'full' || clusters.length > 12;

  return (
    <div className="fixed inset-0 z-50 flex cursor-none flex-col overflow-hidden bg-bg text-fg" data-status={status}>
      <header className="flex h-20 shrink-0 items-center gap-8 border-b border-line px-8">
        <span className="text-3xl font-bold tracking-tight">Ringside NOC</span>
        <span className="text-2xl text-muted" aria-label="Fleet">
          {clusters.length} cluster{clusters.length === 1 ? '' : 's'}
          {counts.map(([s, n]) => ` · ${n} ${s}`)}
        </span>
        <span className="ml-auto flex items-center gap-3 text-2xl font-semibold" role="status" aria-label={stale ? 'Data stale' : data ? 'Live' : 'Connecting'}>
          {stale ? <WifiOff className="size-7 text-crit" aria-hidden /> : data ? <span className="size-4 rounded-full bg-ok" aria-hidden /> : <RefreshCw className="size-7 animate-spin text-muted" aria-hidden />}
          {stale ? 'STALE' : data ? 'LIVE' : 'CONNECTING'}
          {/* The wall's own clock, in its own time zone: the browser's alone, never the server's render. */}
          {hydrated && <span className="font-mono text-xl font-normal text-muted">{new Date(now).toLocaleTimeString('en-GB', { hour12: false })}</span>}
        </span>
      </header>

      {stale && (
        <div role="alert" aria-label="DATA STALE" className="absolute inset-x-0 top-1/2 z-10 -translate-y-1/2 border-y-4 border-crit bg-crit-bg/95 py-10 text-center">
          <div className="flex items-center justify-center gap-5 text-7xl font-black tracking-wider text-crit">
            <WifiOff className="size-20" aria-hidden /> DATA STALE
          </div>
          <p className="mt-4 text-3xl text-fg">
            No update for {lastMessageAt ? formatAge(now - lastMessageAt) : 'a while'}: what you see is not live. Reconnecting…
          </p>
        </div>
      )}

      <main className={`flex min-h-0 flex-1 gap-6 p-6 ${stale ? 'opacity-40 grayscale' : ''}`}>
        {!data ? (
          <p className="m-auto text-4xl text-muted">Connecting to Ringside…</p>
        ) : clusters.length === 0 ? (
          <p className="m-auto text-4xl text-muted">No clusters are configured.</p>
        ) : (
          <>
            <ol
              aria-label="Clusters"
              className={`grid min-h-0 flex-1 ${layout.size === 'full' ? 'gap-5' : 'gap-3'}`}
              style={{ gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))`, gridTemplateRows: `repeat(${rows}, minmax(0, 1fr))` }}
            >
              {layout.tiles.map((c) =>
                layout.size === 'full' ? <Tile key={c.name} c={c} big={big} focused={c.name === focus?.name} /> : <SmallTile key={c.name} c={c} size={layout.size} focused={c.name === focus?.name} />,
              )}
              {layout.overflow.length > 0 && <OverflowTile clusters={layout.overflow} size={layout.size} />}
              {layout.healthy.length > 0 && <HealthyTile count={layout.healthy.length} size={layout.size} />}
            </ol>
            {focused && (
              <Detail c={focused} pinned={focus!.pinned} cycleSeconds={cycleSeconds} position={clusters.findIndex((c) => c.name === focused.name)} total={clusters.length} narrow={wide} />
            )}
          </>
        )}
      </main>
    </div>
  );
}

function Tile({ c, big, focused }: { c: Cluster; big: boolean; focused: boolean }) {
  const l = look[c.noc.state];
  const margin = c.quorum && c.members.total > 0 ? (c.quorum.hasQuorum ? `can lose ${c.quorum.canLose} more` : 'writes blocked') : 'quorum unknown';
  const hash = c.hash === null ? 'HashKV: not checked yet' : c.hash.consistent === true ? 'HashKV agree' : c.hash.consistent === false ? 'HashKV SPLIT' : 'HashKV: could not tell';
  const line = big ? 'text-3xl' : 'text-2xl';
  return (
    <li
      aria-label={`${c.name}: ${c.noc.state}`}
      data-state={c.noc.state}
      className={`flex min-h-0 min-w-0 flex-col overflow-hidden rounded-xl border-4 ${l.border} ${c.noc.state === 'OK' ? 'bg-panel' : l.bg} px-5 py-4 ${focused ? 'ring-4 ring-accent/60' : ''}`}
    >
      <span className={`truncate font-bold ${big ? 'text-5xl' : 'text-3xl'}`}>{c.name}</span>
      <div className={`mt-1 flex items-center gap-3 whitespace-nowrap font-black tracking-wide ${l.text} ${big ? 'text-6xl' : 'text-[2.1rem] leading-tight'}`}>
        <l.Icon className={`shrink-0 ${big ? 'size-14' : 'size-9'}`} aria-hidden />
        {c.noc.state}
      </div>
      <p className={`mt-1 truncate leading-snug ${line}`}>
        <Crown className="mr-2 inline size-6 text-muted" aria-hidden />
        {c.leader ? `leader ${c.leader.name}` : 'no leader'}
      </p>
      <p className={`truncate leading-snug ${line} ${c.quorum && c.quorum.canLose === 0 ? 'font-semibold text-warn' : ''}`}>{margin}</p>
      <p className={`truncate leading-snug ${line} ${c.hash?.consistent === false ? 'font-bold text-crit' : ''}`}>{hash}</p>
      {c.backups && <BackupLine c={c} line={line} />}
      <p className={`truncate leading-snug ${line} ${c.alerts.length ? 'font-semibold' : 'text-muted'}`}>
        {c.alerts.length ? `${c.alerts.length} alert${c.alerts.length > 1 ? 's' : ''} firing` : 'no alerts'}
      </p>
      <div className={`mt-auto flex items-baseline gap-3 pt-1 ${line}`}>
        <span className={`min-w-0 flex-1 truncate font-semibold ${l.text}`}>{c.noc.reasons[0] ?? ''}</span>
        <span className={`shrink-0 font-mono text-xl ${c.noc.stale ? 'font-bold text-crit' : 'text-muted'}`}>
          {c.noc.ageMs === null ? 'no data' : c.noc.stale ? `STALE ${formatAge(c.noc.ageMs)}` : formatAge(c.noc.ageMs)}
        </span>
      </div>
    </li>
  );
}

/**
 * A tile for a big fleet: the name, the state in words and icon, the first reason and the data's
 * age. Compact keeps the reason and the age on lines of their own; dense (up to 48 tiles) packs
 * them smaller but never drops the state's word.
 */
function SmallTile({ c, size, focused }: { c: Cluster; size: TileSize; focused: boolean }) {
  const l = look[c.noc.state];
  const dense = size === 'dense';
  const age = c.noc.ageMs === null ? 'no data' : c.noc.stale ? `STALE ${formatAge(c.noc.ageMs)}` : formatAge(c.noc.ageMs);
  return (
    <li
      aria-label={`${c.name}: ${c.noc.state}`}
      data-state={c.noc.state}
      className={`flex min-h-0 min-w-0 flex-col overflow-hidden rounded-lg border-4 ${l.border} ${c.noc.state === 'OK' ? 'bg-panel' : l.bg} ${dense ? 'px-2 py-1.5' : 'px-4 py-3'} ${focused ? 'ring-4 ring-accent/60' : ''}`}
    >
      <span className={`truncate font-bold leading-tight ${dense ? 'text-xl' : 'text-3xl'}`} title={c.name}>
        {c.name}
      </span>
      {/* The state's word wraps rather than being cut: "NO QUORUM" on two lines still reads. */}
      <span className={`flex items-start gap-1.5 font-black leading-tight ${l.text} ${dense ? 'text-xl' : 'text-3xl tracking-wide'}`}>
        <l.Icon className={`mt-0.5 shrink-0 ${dense ? 'size-5' : 'size-8'}`} aria-hidden />
        <span className="min-w-0 break-words">{c.noc.state}</span>
      </span>
      <span className={`mt-auto line-clamp-2 font-semibold leading-tight [overflow-wrap:anywhere] ${dense ? 'text-base' : 'text-2xl'}`}>{c.noc.reasons[0] ?? (c.leader ? `leader ${c.leader.name}` : '')}</span>
      <span className={`truncate font-mono leading-tight ${dense ? 'text-base' : 'text-xl'} ${c.noc.stale ? 'font-bold text-crit' : 'text-muted'}`}>{age}</span>
    </li>
  );
}

/** Every healthy cluster of a big fleet as one count: what the room needs to see is what is wrong. */
function HealthyTile({ count, size }: { count: number; size: TileSize }) {
  const small = size === 'dense';
  return (
    <li aria-label={`${count} clusters OK`} data-state="OK" className={`flex min-h-0 min-w-0 flex-col justify-center overflow-hidden rounded-lg border-4 border-ok/60 bg-panel ${small ? 'px-2.5 py-1.5' : 'px-5 py-4'}`}>
      <span className={`flex items-center gap-2 font-black leading-none text-ok ${small ? 'text-4xl' : 'text-6xl'}`}>
        <CheckCircle2 className={`shrink-0 ${small ? 'size-8' : 'size-14'}`} aria-hidden />
        {count}
      </span>
      <span className={`mt-1 font-bold leading-tight ${small ? 'text-xl' : 'text-3xl'}`}>{count === 1 ? 'cluster OK' : 'clusters OK'}</span>
    </li>
  );
}

/** Clusters past the wall's tile limit (the least bad of the wrong ones), as counts by state. */
function OverflowTile({ clusters, size }: { clusters: Cluster[]; size: TileSize }) {
  const small = size === 'dense';
  return (
    <li aria-label={`${clusters.length} more clusters`} className={`flex min-h-0 min-w-0 flex-col overflow-hidden rounded-lg border-4 border-dashed border-line bg-panel ${small ? 'px-2.5 py-1.5' : 'px-5 py-4'}`}>
      <span className={`font-black leading-tight ${small ? 'text-xl' : 'text-4xl'}`}>+{clusters.length} more</span>
      {countByState(clusters).map(([s, n]) => {
        const l = look[s];
        return (
          <span key={s} className={`flex items-start gap-1.5 font-bold leading-tight ${l.text} ${small ? 'text-base' : 'text-2xl'}`}>
            <l.Icon className={`mt-0.5 shrink-0 ${small ? 'size-4' : 'size-6'}`} aria-hidden />
            <span className="min-w-0 break-words">
              {n} {s}
            </span>
          </span>
        );
      })}
    </li>
  );
}

/** The newest verified backup's age (BACKUP STALE past its limit) and a failed drill, in words and an icon. */
function BackupLine({ c, line }: { c: Cluster; line: string }) {
  const now = useNow(1000);
  const f = freshnessWords(c.backups!, now);
  const failed = c.backups!.lastDrill?.result === 'failed';
  const bad = failed || f.state === 'stale' || f.state === 'never';
  const Icon = failed ? XCircle : bad ? AlertTriangle : HardDrive;
  return (
    <p className={`truncate leading-snug ${line} ${failed ? 'font-bold text-crit' : bad ? 'font-bold text-warn' : 'text-muted'}`} data-backup={failed ? 'drill-failed' : f.state}>
      <Icon className="mr-2 inline size-6" aria-hidden />
      {failed ? 'backup DRILL FAILED' : f.text}
    </p>
  );
}

function Detail({ c, pinned, cycleSeconds, position, total, narrow }: { c: Cluster; pinned: boolean; cycleSeconds: number; position: number; total: number; narrow: boolean }) {
  const l = look[c.noc.state];
  return (
    <aside aria-label={`Detail: ${c.name}`} className={`flex ${narrow ? 'w-[24%]' : total > 6 ? 'w-[28%]' : 'w-[34%]'} min-w-0 shrink-0 flex-col overflow-hidden rounded-xl border-4 ${l.border} bg-panel p-6`}>
      <p className="flex items-center gap-2 text-xl text-muted">
        {pinned ? <Pin className="size-6" aria-hidden /> : <RefreshCw className="size-6" aria-hidden />}
        {pinned ? 'Pinned: the worst cluster' : `Cycling every ${cycleSeconds} s · ${position + 1} of ${total}`}
      </p>
      <h2 className="mt-2 truncate text-5xl font-bold">{c.name}</h2>
      <p className={`mt-2 flex items-center gap-3 text-5xl font-black ${l.text}`}>
        <l.Icon className="size-12" aria-hidden /> {c.noc.state}
      </p>
      <p className="mt-3 text-2xl">{c.summary}</p>
      {c.noc.reasons.length > 0 && (
        <ul className={`mt-3 space-y-1 text-2xl font-semibold [overflow-wrap:anywhere] ${l.text}`}>
          {c.noc.reasons.slice(0, 4).map((r) => (
            <li key={r}>• {r}</li>
          ))}
        </ul>
      )}
      <table className="mt-5 w-full text-2xl" aria-label={`Members of ${c.name}`}>
        <tbody>
          {c.memberList.map((m) => (
            <tr key={m.id} className="border-t border-line">
              <td className="py-2 font-semibold">{m.name}</td>
              <td className="py-2 text-muted">{m.role}</td>
              <td className={`py-2 font-semibold ${m.reachable ? 'text-ok' : m.started ? 'text-crit' : 'text-muted'}`}>
                {m.reachable ? <CheckCircle2 className="mr-2 inline size-6" aria-hidden /> : <XCircle className="mr-2 inline size-6" aria-hidden />}
                {m.reachable ? 'up' : m.started ? 'DOWN' : 'not started'}
              </td>
              <td className="py-2 text-right font-mono text-xl text-muted">{m.reachable && m.latencyMs !== null ? `${Math.round(m.latencyMs)} ms` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {c.hash && <p className="mt-auto pt-4 text-xl text-muted">{c.hash.summary}</p>}
    </aside>
  );
}
