'use client';

import { useQuery } from '@tanstack/react-query';
import { Loader2 } from 'lucide-react';
import { useMemo, useState } from 'react';
import { HISTORY_RANGES, type HistoryRange } from '@/lib/history/ranges';
import type { SeriesKey } from '@/lib/history/series';
import { markersIn } from '@/lib/history/markers';
import { eventsQuery, historyQuery, type HistoryResponse } from '@/lib/query/keys';
import type { RingEvent, RingState } from '@/lib/ring/types';
import { MARKER_LOOK, MetricChart, type ChartRow } from './metric-chart';
import { memberStyles, Swatch } from './member-style';

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

  const view = useMemo(() => (data ? toView(data, live.data ?? []) : null), [data, live.data]);
  const styles = useMemo(() => memberStyles(view?.members ?? []), [view?.members]);

  return (
    <section className="rounded-lg border border-line bg-panel" aria-label="Health history">
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
            {CHART_KEYS.map((k) => (
              <MetricChart
                key={k}
                seriesKey={k}
                rows={view.rows}
                members={view.members}
                styles={styles}
                from={view.from}
                to={view.to}
                ticks={view.ticks}
                seconds={view.to - view.from <= 15 * 60_000}
                markers={view.markers}
                markerRow={view.markerRow}
                agg={data!.agg[k]}
                stepMs={data!.stepMs}
                syncId={`history-${cluster}`}
              />
            ))}
          </div>
        )}
      </div>
    </section>
  );
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

interface View {
  range: HistoryRange;
  from: number;
  to: number;
  rows: ChartRow[];
  members: { id: string; name: string }[];
  ticks: number[];
  markers: RingEvent[];
  /** Which row a marker's glyph takes, so glyphs of simultaneous events do not overlap. */
  markerRow: Map<string, number>;
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
  const markers = [...byId.values()].sort((a, b) => a.at.localeCompare(b.at));
  // Events close in time (a leader killed: down and leader change in one poll) stack their glyphs.
  const near = (to - from) * 0.015;
  let prev = -Infinity;
  let row = 0;
  const rowOf = new Map<string, number>();
  for (const e of markers) {
    const at = Date.parse(e.at);
    row = at - prev < near ? Math.min(row + 1, 3) : 0;
    prev = at;
    rowOf.set(e.id, row);
  }
  return { range: data.range, from, to, rows, members: data.members, ticks, markers, markerRow: rowOf };
}
