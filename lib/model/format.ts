/** Display formatting shared by server and client. Pure. */

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  // As etcdctl's go-humanize: one decimal below 10, none above (20480 -> "20 kB").
  return `${v < 10 && i > 0 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

// Intl formatters are made once: toLocaleString builds a new one on every call.
const NUMBER = new Intl.NumberFormat('en-US');
const CLOCK = new Intl.DateTimeFormat('en-GB', { hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function formatNumber(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : NUMBER.format(n);
}

export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** "<1 s", "4.2 s", "12 s", "3 min", "2 h", for ages of data. */
export function formatAge(ms: number): string {
  if (ms < 1000) return '<1 s';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 90_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 90 * 60_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 48 * 3_600_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.round(ms / 86_400_000)} d`;
}

/** 24-hour wall-clock time with seconds, the way incident notes are written. */
export function formatClock(iso: string): string {
  return CLOCK.format(new Date(iso));
}

const UTC_CLOCK = new Intl.DateTimeFormat('en-GB', { hour12: false, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: 'UTC' });

/**
 * "30 Nov, 07:55:12 UTC": the same text on the server and in any browser, so a time drawn in a
 * page's first paint never differs at hydration, and people in different time zones read one time.
 */
export function formatUtc(iso: string): string {
  return `${UTC_CLOCK.format(new Date(iso))} UTC`;
}

/**
 * Long hex digests in running text cut to their first 8 digits ("15261274…"): enough to tell two
 * apart at a glance, short enough for an alert line or a wall screen. Member IDs (16 digits) stay.
 */
export function abbreviateHashes(text: string): string {
  return text.replace(/\b[0-9a-f]{32,}\b/g, (h) => `${h.slice(0, 8)}…`);
}
