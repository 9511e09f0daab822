import { formatBytes, formatLatency } from '@/lib/model/format';
import type { SeriesDef } from '@/lib/model/series';

/** A value in its unit, as a tooltip or a chart title shows it. */
export function formatValue(v: number | null | undefined, unit: SeriesDef['unit']): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  switch (unit) {
    case 'ms':
      return v >= 1000 ? `${+(v / 1000).toFixed(v >= 10_000 ? 0 : 1)} s` : v < 1 ? `${v.toFixed(2)} ms` : formatLatency(v);
    case 'bytes':
      return formatBytes(v);
    case '%':
      return `${v < 10 ? v.toFixed(1) : Math.round(v)}%`;
    default:
      return NUMBER.format(Math.round(v));
  }
}

/** Axis ticks: shorter than tooltips. */
export function formatTick(v: number, unit: SeriesDef['unit']): string {
  switch (unit) {
    case 'ms':
      return v >= 1000 ? `${v / 1000} s` : `${v} ms`;
    case 'bytes': {
      const units = ['B', 'kB', 'MB', 'GB', 'TB'];
      let x = v;
      let i = 0;
      while (Math.abs(x) >= 1000 && i < units.length - 1) {
        x /= 1000;
        i++;
      }
      return `${+x.toPrecision(3)}${units[i]}`;
    }
    case '%':
      return `${v}%`;
    default:
      return compact(v);
  }
}

function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(0)}k`;
  return `${+v.toFixed(2)}`;
}

const NUMBER = new Intl.NumberFormat('en-US');

// Made once: toLocaleTimeString builds a new Intl formatter on every call, and recharts formats
// every tick on every render (it was the most expensive line of the live charts).
const HH_MM = new Intl.DateTimeFormat('en-GB', { hour12: false, hour: '2-digit', minute: '2-digit' });
const HH_MM_SS = new Intl.DateTimeFormat('en-GB', { hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** HH:MM, or HH:MM:SS for short ranges, in 24-hour time. */
export function formatTime(ms: number, seconds: boolean): string {
  return (seconds ? HH_MM_SS : HH_MM).format(ms);
}
