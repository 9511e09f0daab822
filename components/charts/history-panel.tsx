'use client';

import { useQuery } from '@tanstack/react-query';
import { Loader2 } from 'lucide-react';
import { useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { METRIC_FAMILIES, SERIES_FAMILIES, type MetricKey } from '@/lib/model/etcd-versions';
import { HISTORY_RANGES, type HistoryRange } from '@/lib/model/ranges';
import type { SeriesKey } from '@/lib/model/series';
import { groupMarkers, markersIn, type MarkerGroup } from '@/lib/model/markers';
import { eventsQuery, historyQuery, type HistoryResponse } from '@/lib/query/keys';
import type { RingEvent, RingState } from '@/lib/ring/types';
import { MARKER_LOOK, MetricChart, type ChartRow } from './metric-chart';
import { memberStyles, Swatch, type MemberStyle } from './member-style';

/** The charts, in reading order: disk and network first (what causes trouble), then data, then raft. */
export const CHART_KEYS: SeriesKey[] = [
  'walFsyncP99Ms',
  'backendCommitP99Ms',
  'peerRttP99Ms',
  'latencyMs',
  'applyLag',
  'revision',
  'dbSize',
  'inUsePct',
  'quotaUsedPct',
  'leaderChanges15m',
  'proposalsFailed15m',
  'heartbeatFailures15m',
];

const RANGE_CHOICES: HistoryRange[] = ['5m', '1h', '24h'];

/** Per-member history of the ring's health figures over 5 minutes (live), an hour or a day. */
export function HistoryPanel({ cluster, ring }: { cluster: string; ring: RingState }) {
  const [range, setRange] = useState<HistoryRange>('5m');
  const history = useQuery(historyQuery(cluster, range, CHART_KEYS));
  const live = useQuery(eventsQuery(cluster));
  const data = history.data;
  const loading = !data || data.range !== range;

  const latest = useMemo(() => (data ? toView(data, live.data ?? []) : null), [data, live.data]);
  // Each poll re-renders twelve charts. Off screen they keep what they last showed (the data still
  // arrives); on screen they update at low priority, so a click or a hover never waits for them.
  const section = useRef<HTMLElement>(null);
  const onScreen = useOnScreen(section);
  const [held, setHeld] = useState<View | null>(latest);
  if ((onScreen || !held) && held !== latest) setHeld(latest);
  // Whoever picks a range is looking at the charts: a held frame of another range never stays.
  const wanted = onScreen || !held || held.range !== range ? latest : held;
  const deferred = useDeferredValue(wanted);
  // A range switch shows at once: deferred, the 5 min view's update every poll could restart a
  // slow render of twelve charts again and again, and the old range would stay on screen.
  const view = wanted && deferred && wanted.range !== deferred.range ? wanted : deferred;
  const styles = useMemo(() => memberStyles(view?.members ?? []), [view?.members]);
  const unserved = useMemo(() => notServed(ring), [ring]);

  return (
    <section ref={section} className="rounded-lg border border-line bg-panel" aria-label="Health history">
      <header className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2 border-b border-line px-4 py-2.5">
        <h2 className="text-xs font-semibold uppercase tracking-wider text-muted">Health history</h2>
        <div className="flex items-center gap-3">
          {loading && history.isFetching && (
            <span className="inline-flex items-center gap-1 text-xs text-muted" role="status">
              <Loader2 className="size-3.5 animate-spin" aria-hidden /> Loading {HISTORY_RANGES[range].label}…
            </span>
          )}
          <div role="radiogroup" aria-label="Time range" className="inline-flex overflow-hidden rounded-md border border-line text-xs">
            {RANGE_CHOICES.map((r) => (
              <button
                key={r}
                type="button"
                role="radio"
                aria-checked={r === range}
                onClick={() => setRange(r)}
                className={`px-3 py-1 font-medium transition-colors ${r === range ? 'bg-accent text-bg' : 'text-muted hover:bg-panel-2 hover:text-fg'}`}
              >
                {HISTORY_RANGES[r].label}
              </button>
            ))}
          </div>
        </div>
      </header>
      <div className="space-y-3 p-4">
        <div className="flex flex-wrap items-center gap-x-5 gap-y-1 text-xs text-muted">
          <ul className="flex flex-wrap items-center gap-x-4 gap-y-1" aria-label="Members in the charts">
            {view?.members.map((m) => (
              <li key={m.id} className="flex items-center gap-1.5 text-fg">
                <Swatch style={styles.get(m.id)!} />
                {m.name}
              </li>
            ))}
          </ul>
          <span className="hidden h-3 border-l border-line sm:block" aria-hidden />
          <ul className="flex flex-wrap items-center gap-x-3 gap-y-1" aria-label="Event markers">
            {(['leader-changed', 'member-down', 'member-up'] as const).map((k) => (
              <li key={k} className="flex items-center gap-1">
                <span className="font-bold" style={{ color: MARKER_LOOK[k]!.color }} aria-hidden>
                  {MARKER_LOOK[k]!.glyph}
                </span>
                {MARKER_LOOK[k]!.word}
              </li>
            ))}
            <li className="flex items-center gap-1">
              <svg viewBox="0 0 16 4" className="h-1 w-4" aria-hidden>
                <line x1="0" y1="2" x2="16" y2="2" stroke="var(--warn)" strokeWidth="2" strokeDasharray="4 3" />
              </svg>
              etcd-mixin threshold
            </li>
          </ul>
          <MetricsNote ring={ring} />
        </div>
        {history.error && !data ? (
          <p className="text-sm text-crit" role="alert">
            Cannot load history: {history.error.message}
          </p>
        ) : !view ? (
          <p className="py-10 text-center text-sm text-muted">Loading history…</p>
        ) : (
          <div className={`grid gap-3 sm:grid-cols-2 xl:grid-cols-3 2xl:grid-cols-4 ${loading ? 'opacity-50 transition-opacity' : ''}`}>
            {CHART_KEYS.map((k, i) => (
              <StaggeredChart key={k} index={i} seriesKey={k} view={view} styles={styles} syncId={`history-${cluster}`} note={unserved[k]} />
            ))}
          </div>
        )}
      </div>
    </section>
  );
}

/** Live updates reach chart i after i x this, so the twelve renders of a poll spread over the second. */
const STAGGER_MS = 60;

/**
 * One chart that takes a live update a little after the one before it: a poll's re-render is
 * twelve short tasks instead of one long one that would freeze the page. A new range or source
 * (the user's click) reaches every chart at once.
 */
function StaggeredChart({ index, seriesKey, view, styles, syncId, note }: { index: number; seriesKey: SeriesKey; view: View; styles: Map<string, MemberStyle>; syncId: string; note?: string }) {
  const [shown, setShown] = useState(view);
  useEffect(() => {
    const timer = setTimeout(() => setShown(view), index * STAGGER_MS);
    return () => clearTimeout(timer);
  }, [view, index]);
  const v = shown.range === view.range && shown.stepMs === view.stepMs ? shown : view;
  return (
    <MetricChart
      seriesKey={seriesKey}
      rows={v.rows}
      values={v.series[seriesKey] ?? NO_VALUES}
      members={v.members}
      styles={styles}
      from={v.from}
      to={v.to}
      ticks={v.ticks}
      seconds={v.to - v.from <= 15 * 60_000}
      markers={v.markers}
      agg={v.agg[seriesKey]}
      stepMs={v.stepMs}
      syncId={syncId}
      note={note}
    />
  );
}

/** Whether the element is on (or within 200 px of) the screen. */
function useOnScreen(ref: React.RefObject<HTMLElement | null>): boolean {
  const [on, setOn] = useState(true);
  useEffect(() => {
    if (!ref.current || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver(([entry]) => setOn(entry.isIntersecting), { rootMargin: '200px' });
    io.observe(ref.current);
    return () => io.disconnect();
  }, [ref]);
  return on;
}

/**
 * Charts whose figure some member's /metrics does not serve (a version that dropped the family, a
 * proxy in between): "m2 (3.6.14) serves no etcd_disk_wal_fsync_duration_seconds", so a line
 * missing from a chart is explained on it rather than left out silently.
 */
function notServed(ring: RingState): Partial<Record<SeriesKey, string>> {
  const out: Partial<Record<SeriesKey, string>> = {};
  for (const [key, families] of Object.entries(SERIES_FAMILIES) as [SeriesKey, MetricKey[]][]) {
    const parts = ring.members.flatMap((m) => {
      const gone = families.filter((f) => m.metrics?.missing?.includes(f));
      return gone.length ? [`${m.name || m.id}${m.version ? ` (${m.version})` : ''} serves no ${gone.map((f) => METRIC_FAMILIES[f].names[0]).join(', ')}`] : [];
    });
    if (parts.length) out[key] = parts.join('; ');
  }
  return out;
}

/** Why disk, peer and proposal charts may be empty: scraping is off, or failing on some members. */
function MetricsNote({ ring }: { ring: RingState }) {
  const reachable = ring.members.filter((m) => m.reachable);
  if (reachable.length === 0) return null;
  if (reachable.every((m) => m.metricsURL === null)) {
    return <span className="text-warn">/metrics scraping is off: disk, peer and proposal charts stay empty</span>;
  }
  const failing = reachable.filter((m) => m.metricsError);
  if (failing.length === 0) return <span>from each member’s /metrics, scraped every poll</span>;
  return (
    <span className="text-warn" title={failing.map((m) => m.metricsError).join('\n')}>
      /metrics failing on {failing.map((m) => m.name || m.id).join(', ')}: {failing[0].metricsError}
    </span>
  );
}

const NO_VALUES: Record<string, (number | null)[]> = {};

interface View {
  range: HistoryRange;
  stepMs: number;
  agg: HistoryResponse['agg'];
  series: HistoryResponse['series'];
  from: number;
  to: number;
  rows: ChartRow[];
  members: { id: string; name: string }[];
  ticks: number[];
  /** Ring events to mark, events a few pixels apart drawn as one. */
  markers: MarkerGroup[];
}

/** Tick spacings to choose from: the smallest that keeps a chart to six labels. */
const TICK_STEPS = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 14_400, 21_600].map((s) => s * 1000);
/** Less history than the range (Ringside started recently): fit the axis to it, but never tighter than this. */
const MIN_SPAN_MS = 60_000;

/** Columns from the API into rows for recharts, plus the time axis and the events to mark. */
function toView(data: HistoryResponse, liveEvents: RingEvent[]): View {
  const to = data.range === '5m' ? (data.t.at(-1) ?? data.to) : data.to;
  const first = data.t.find((_, i) => Object.values(data.series).some((byMember) => Object.values(byMember).some((v) => v[i] !== null)));
  const from = Math.max(to - HISTORY_RANGES[data.range].ms, Math.min(first ?? -Infinity, to - MIN_SPAN_MS));
  const rows: ChartRow[] = data.t.map((t, i) => {
    const row: ChartRow = { t } as ChartRow;
    for (const [key, byMember] of Object.entries(data.series)) {
      for (const [id, values] of Object.entries(byMember)) row[`${key}:${id}`] = values[i] ?? null;
    }
    return row;
  });
  const every = TICK_STEPS.find((step) => (to - from) / step <= 6) ?? TICK_STEPS.at(-1)!;
  const ticks: number[] = [];
  for (let t = Math.ceil(from / every) * every; t <= to; t += every) ticks.push(t);
  const byId = new Map<string, RingEvent>();
  for (const e of [...data.events, ...markersIn(liveEvents, from, to)]) byId.set(e.id, e);
  // Events closer than ~1.5% of the axis (a few pixels) share one marker.
  const markers = groupMarkers([...byId.values()], (to - from) * 0.015);
  return { range: data.range, stepMs: data.stepMs, agg: data.agg, series: data.series, from, to, rows, members: data.members, ticks, markers };
}
