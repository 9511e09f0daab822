'use client';

import { memo, useCallback, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { Aggregate, SeriesKey } from '@/lib/model/series';
import { SERIES } from '@/lib/model/series';
import type { MarkerGroup } from '@/lib/model/markers';
import type { RingEventKind } from '@/lib/ring/types';
import { formatTick, formatTime, formatValue } from './format-value';
import { Swatch, type MemberStyle } from './member-style';

/** One point in time: `t`, then `${seriesKey}:${memberId}` for every charted value. */
export type ChartRow = { t: number } & Record<string, number | null>;

/** Glyphs for ring events on the time axis; the panel's legend says what each means. */
export const MARKER_LOOK: Partial<Record<RingEventKind, { glyph: string; color: string; word: string }>> = {
  'leader-changed': { glyph: 'L', color: 'var(--warn)', word: 'leader change' },
  'member-down': { glyph: '▼', color: 'var(--crit)', word: 'member down' },
  'member-up': { glyph: '▲', color: 'var(--ok)', word: 'member up' },
  'quorum-lost': { glyph: '✕', color: 'var(--crit)', word: 'quorum lost' },
  'quorum-regained': { glyph: '✓', color: 'var(--ok)', word: 'quorum regained' },
  'member-added': { glyph: '+', color: 'var(--info)', word: 'member added' },
  'member-removed': { glyph: '−', color: 'var(--info)', word: 'member removed' },
  'member-promoted': { glyph: '↑', color: 'var(--info)', word: 'learner promoted' },
  'cluster-id-changed': { glyph: 'R', color: 'var(--warn)', word: 'new cluster ID (restored)' },
};

interface Props {
  seriesKey: SeriesKey;
  rows: ChartRow[];
  /** This chart's values per member, column-wise (what `rows` holds as `${seriesKey}:${id}`), for fast scans. */
  values: Record<string, (number | null)[]>;
  members: { id: string; name: string }[];
  styles: Map<string, MemberStyle>;
  from: number;
  to: number;
  ticks: number[];
  seconds: boolean;
  markers: MarkerGroup[];
  agg: Aggregate | 'raw' | undefined;
  stepMs: number;
  syncId: string;
  /** Members whose /metrics do not serve this figure, in words (shown on the chart, never left silent). */
  note?: string;
}

// Props that never change are defined once: recharts recomputes whatever gets a new reference.
const CHART_STYLE = { width: '100%', height: 150 } as const;
const MARGIN = { top: 14, right: 8, bottom: 0, left: 0 } as const;
const TICK = { fill: 'var(--muted)', fontSize: 11 } as const;
const ACTIVE_DOT = { r: 3 } as const;

const NO_THRESHOLDS: NonNullable<(typeof SERIES)[SeriesKey]['thresholds']> = [];
const AGG_WORD: Record<Aggregate, string> = { max: 'max', min: 'min', mean: 'mean' };

/**
 * One figure over time, a line per member, with etcd-mixin's threshold and the ring's events.
 * Durations use a log scale: a healthy 2 ms and a 500 ms threshold are both readable.
 */
export const MetricChart = memo(function MetricChart({ seriesKey, rows, values, members, styles, from, to, ticks, seconds, markers, agg, stepMs, syncId, note }: Props) {
  const def = SERIES[seriesKey];
  const log = def.unit === 'ms';
  const thresholds = def.thresholds ?? NO_THRESHOLDS;

  const { domain, yTicks, latest, hasData } = useMemo(() => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const m of members) {
      for (const v of values[m.id] ?? []) {
        if (v === null || (log && v <= 0)) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    const hasData = hi > -Infinity;
    const top = Math.max(hasData ? hi : 0, ...thresholds.map((t) => t.value));
    let domain: [number, number];
    let yTicks: number[] | undefined;
    if (log) {
      const lowDecade = Math.floor(Math.log10(hasData ? lo : 1));
      const highDecade = Math.max(lowDecade + 1, Math.ceil(Math.log10(top * 1.05)));
      domain = [10 ** lowDecade, 10 ** highDecade];
      yTicks = Array.from({ length: highDecade - lowDecade + 1 }, (_, i) => 10 ** (lowDecade + i));
    } else if (def.unit === '%') {
      domain = [0, 100];
      yTicks = [0, 25, 50, 75, 100];
    } else if ((def.unit === 'revision' || def.unit === 'bytes') && hasData) {
      // Sizes and revisions: show their movement, not their distance from zero.
      yTicks = niceTicks(lo, hi);
      domain = [yTicks[0], yTicks.at(-1)!];
    } else {
      yTicks = niceTicks(0, top > 0 ? top : 1);
      domain = [0, yTicks.at(-1)!];
    }
    return { domain, yTicks, latest: latestWorst(values, members, def.agg), hasData };
  }, [values, members, log, thresholds, def.unit, def.agg]);

  const subtitle = agg && agg !== 'raw' ? `${AGG_WORD[agg]} per ${stepLabel(stepMs)}` : 'per poll';
  const xDomain = useMemo(() => [from, to], [from, to]);
  const formatX = useCallback((v: number) => formatTime(v, seconds), [seconds]);
  const formatY = useCallback((v: number) => formatTick(v, def.unit), [def.unit]);
  const thresholdLabel = useMemo(() => {
    const top = thresholds.at(-1);
    if (!top) return undefined;
    // Lines close together (fsync's 500 ms and 1 s) share one label on the top line, low to high.
    const text = thresholds.map((t) => `${t.severity}${t.side === 'below' ? ' below' : ''} ${formatValue(t.value, def.unit)}`).join(' · ');
    return <ThresholdLabel text={text} color={top.severity === 'critical' ? 'var(--crit)' : 'var(--warn)'} />;
  }, [thresholds, def.unit]);
  const tooltip = useCallback(
    (p: { active?: boolean; label?: string | number; payload?: readonly { payload?: unknown }[] }) => (
      <ChartTooltip active={p.active} label={p.label} payload={p.payload} unit={def.unit} styles={styles} members={members} seriesKey={seriesKey} />
    ),
    [def.unit, styles, members, seriesKey],
  );

  return (
    <figure className="min-w-0 rounded-md border border-line/70 bg-bg/30 px-2 pb-1 pt-2" aria-label={`${def.label} chart`} data-series={seriesKey}>
      <figcaption className="flex items-baseline justify-between gap-2 px-1">
        <span className="truncate text-[13px] font-medium" title={def.help}>
          {def.label}
        </span>
        <span className="shrink-0 text-[11px] text-muted num">
          {latest ? (
            <>
              <span className="font-semibold text-fg">{formatValue(latest.value, def.unit)}</span> {latest.name} ·{' '}
            </>
          ) : null}
          {subtitle}
        </span>
      </figcaption>
      <div className="relative">
        <LineChart responsive style={CHART_STYLE} data={rows} syncId={syncId} margin={MARGIN}>
          <CartesianGrid stroke="var(--border)" strokeOpacity={0.6} vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={xDomain}
            ticks={ticks}
            tickFormatter={formatX}
            tick={TICK}
            stroke="var(--border)"
            allowDataOverflow
          />
          <YAxis
            width={56}
            scale={log ? 'log' : 'linear'}
            domain={domain}
            ticks={yTicks}
            allowDataOverflow
            tickFormatter={formatY}
            tick={TICK}
            stroke="var(--border)"
          />
          {thresholds.map((th, i) => (
            <ReferenceLine
              key={`${th.severity}-${th.value}`}
              y={th.value}
              stroke={th.severity === 'critical' ? 'var(--crit)' : 'var(--warn)'}
              strokeDasharray="5 4"
              strokeWidth={1.25}
              ifOverflow="extendDomain"
              label={i === thresholds.length - 1 ? thresholdLabel : undefined}
            />
          ))}
          {markers.map((g) => (
            <ReferenceLine key={g.id} x={g.at} stroke={worstLook(g).color} strokeDasharray="2 3" strokeOpacity={0.8} label={<MarkerGlyphs group={g} />} />
          ))}
          {members.map((m) => {
            const style = styles.get(m.id)!;
            return (
              <Line
                key={m.id}
                name={m.name}
                // A string key keeps recharts' caches: a function would be a new one every render.
                dataKey={`${seriesKey}:${m.id}`}
                stroke={style.color}
                strokeDasharray={style.dash}
                strokeWidth={1.75}
                dot={false}
                activeDot={ACTIVE_DOT}
                isAnimationActive={false}
                connectNulls={false}
              />
            );
          })}
          <Tooltip content={tooltip} isAnimationActive={false} />
        </LineChart>
        {!hasData && <p className="pointer-events-none absolute inset-0 flex items-center justify-center pb-6 text-xs text-muted">{note ? 'Not served by these members' : 'No data in this range'}</p>}
      </div>
      {note && (
        <p className="px-1 pb-1 text-[11px] text-warn" role="note">
          {note}
        </p>
      )}
    </figure>
  );
});

/** Threshold values just above the top threshold line, at its left end (event markers gather at the recent, right end). */
function ThresholdLabel({ text, color, viewBox }: { text: string; color: string; viewBox?: { x: number; y: number; width: number } }) {
  if (!viewBox) return null;
  return (
    <text x={viewBox.x + 4} y={viewBox.y - 3} textAnchor="start" fontSize={10} fill={color}>
      {text}
    </text>
  );
}

/** The line takes the color of the most serious event in the group. */
const LOOK_ORDER: RingEventKind[] = ['quorum-lost', 'cluster-id-changed', 'member-down', 'leader-changed', 'member-removed', 'member-added', 'member-promoted', 'quorum-regained', 'member-up'];

function worstLook(g: MarkerGroup) {
  const kind = LOOK_ORDER.find((k) => g.events.some((e) => e.kind === k)) ?? g.events[0].kind;
  return MARKER_LOOK[kind] ?? { glyph: '•', color: 'var(--info)', word: kind };
}

/**
 * Glyphs at the top of a marker line, one per kind of event in the group, readable by shape and
 * by their title (every event with its time), not only by color.
 */
function MarkerGlyphs({ group, viewBox }: { group: MarkerGroup; viewBox?: { x: number; y: number } }) {
  if (!viewBox) return null;
  const label = group.events.map((e) => `${MARKER_LOOK[e.kind]?.word ?? e.kind} ${formatTime(Date.parse(e.at), true)}: ${e.message}`).join('; ');
  const kinds = [...new Set(group.events.map((e) => e.kind))].filter((k) => MARKER_LOOK[k]);
  return (
    <g role="img" aria-label={label}>
      <title>{label}</title>
      <text x={viewBox.x} y={viewBox.y - 3} textAnchor="middle" fontSize={11} fontWeight={700}>
        {kinds.map((k) => (
          <tspan key={k} fill={MARKER_LOOK[k]!.color}>
            {MARKER_LOOK[k]!.glyph}
          </tspan>
        ))}
      </text>
    </g>
  );
}

function ChartTooltip({
  active,
  label,
  unit,
  styles,
  members,
  seriesKey,
  payload,
}: {
  active?: boolean;
  label?: string | number;
  payload?: readonly { payload?: unknown }[];
  unit: Parameters<typeof formatValue>[1];
  styles: Map<string, MemberStyle>;
  members: { id: string; name: string }[];
  seriesKey: SeriesKey;
}) {
  if (!active || label === undefined) return null;
  const row = payload?.[0]?.payload as ChartRow | undefined;
  if (!row) return null;
  return (
    <div className="rounded-md border border-line bg-panel px-3 py-2 text-xs shadow-lg">
      <div className="mb-1 font-mono text-muted">{formatTime(Number(label), true)}</div>
      {members.map((m) => (
        <div key={m.id} className="flex items-center gap-2">
          <Swatch style={styles.get(m.id)!} />
          <span className="w-16 truncate">{m.name}</span>
          <span className="ml-auto font-semibold num">{formatValue(row[`${seriesKey}:${m.id}`], unit)}</span>
        </div>
      ))}
    </div>
  );
}

/** The latest value of the worst member (highest, or lowest for a series where low is bad). */
function latestWorst(values: Record<string, (number | null)[]>, members: { id: string; name: string }[], agg: Aggregate) {
  const length = Math.max(0, ...members.map((m) => values[m.id]?.length ?? 0));
  for (let i = length - 1; i >= 0; i--) {
    let best: { value: number; name: string } | null = null;
    for (const m of members) {
      const v = values[m.id]?.[i];
      if (v === null || v === undefined) continue;
      if (!best || (agg === 'min' ? v < best.value : v > best.value)) best = { value: v, name: m.name };
    }
    if (best) return best;
  }
  return null;
}

/** Three to five round ticks covering [lo, hi], whole numbers where the values are. */
function niceTicks(lo: number, hi: number): number[] {
  // A flat line still gets a readable scale: at least a fifth of its value.
  const span = Math.max(hi - lo, Math.abs(hi) * 0.2, 1);
  const raw = span / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw)!);
  const first = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let t = first; t < hi + step; t += step) {
    ticks.push(+t.toFixed(6));
    if (t >= hi) break;
  }
  return ticks.length > 1 ? ticks : [first, first + step];
}

function stepLabel(ms: number): string {
  return ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}
