// (d) How long Chromium takes to draw the health history (12 charts, a line per member) for a
// full 24 hours, against the live 5 minute view in the same run; and what the server's history
// query costs for each.
//
// Method: the built Ringside watches a real 5-member ring; Debian's Chromium opens its cluster
// page. Ringside has only been up for seconds, so the page's history requests are answered from a
// RingHistory (the server's own class) filled with 24 hours of one-second samples for the ring's
// real members, queried exactly as the route does. Timed: from the click on a range button to the
// frame where every chart shows the new range's lines (Playwright polls once per animation frame).
import { chromium, type Page } from '@playwright/test';
import { HISTORY_RANGES, type HistoryRange } from '@/lib/model/ranges';
import { SERIES, SERIES_KEYS, type SeriesKey } from '@/lib/model/series';
import { RingHistory } from '@/lib/history/store';
import type { RingEvent } from '@/lib/ring/types';
import type { EtcdRing } from '../e2e/harness/ring';
import { RingsideServer } from '../e2e/support/ringside-server';
import { median, type Row } from './stats';

const ROUNDS = 5;
const DAY = 24 * 3_600_000;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** Deterministic noise, so every run draws the same data. */
function prng(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

/** 24 hours of plausible samples, once a second, for the given members. */
function fullDay(members: { id: string; name: string }[], now: number): RingHistory {
  const h = new RingHistory({ intervalMs: 1000 });
  const rnd = prng(42);
  const base: Record<SeriesKey, number> = {
    latencyMs: 2, revision: 1_000_000, raftIndex: 2_000_000, applyLag: 1, dbSize: 300e6, dbSizeInUse: 200e6, inUsePct: 66, quotaUsedPct: 14,
    walFsyncP99Ms: 4, backendCommitP99Ms: 12, peerRttP99Ms: 1.5, proposalsPending: 0, proposalsFailed15m: 0, leaderChanges15m: 0, slowApplies15m: 0, heartbeatFailures15m: 0,
  };
  for (let at = now - DAY; at <= now; at += 1000) {
    const i = (at - (now - DAY)) / 1000;
    h.record({
      at,
      members: members.map((m, k) => ({
        id: m.id,
        name: m.name,
        values: SERIES_KEYS.map((key) => {
          const b = base[key];
          if (key === 'revision' || key === 'raftIndex') return b + i * 3;
          if (key === 'dbSize' || key === 'dbSizeInUse') return b + i * 200 + k * 1e6;
          return b * (0.6 + rnd() * (rnd() < 0.002 ? 40 : 0.8));
        }),
      })),
    });
  }
  return h;
}

function respond(history: RingHistory, url: URL, events: RingEvent[]) {
  const keys = url.searchParams.get('metric')!.split(',') as SeriesKey[];
  const range = url.searchParams.get('range') as HistoryRange;
  const to = Date.now();
  const from = to - HISTORY_RANGES[range].ms;
  const result = history.query({ keys, from, to, stepMs: HISTORY_RANGES[range].stepMs });
  return {
    cluster: 'bench',
    range,
    ...result,
    units: Object.fromEntries(keys.map((k) => [k, SERIES[k].unit])),
    events: events.filter((e) => Date.parse(e.at) > from),
  };
}

/** What a chart's caption says once a range has arrived: the agg and point width. */
const CAPTION: Record<'5m' | '1h' | '24h', string> = { '5m': 'per poll', '1h': 'max per 10 s', '24h': 'max per 5 min' };
const BUTTON: Record<'5m' | '1h' | '24h', string> = { '5m': '5 min', '1h': '1 hour', '24h': '24 hours' };

async function timeSwitch(page: Page, range: '5m' | '1h' | '24h', lines: number): Promise<number> {
  const t0 = performance.now();
  await page.getByRole('radio', { name: BUTTON[range] }).click();
  await page.waitForFunction(
    ({ caption, lines }) => {
      const panel = document.querySelector('section[aria-label="Health history"]');
      const fsync = panel?.querySelector('figure[data-series="walFsyncP99Ms"] figcaption');
      const drawn = panel?.querySelectorAll('path.recharts-line-curve[d^="M"]').length ?? 0;
      return Boolean(fsync?.textContent?.includes(caption)) && drawn >= lines && !panel?.querySelector('.opacity-50');
    },
    { caption: CAPTION[range], lines },
    { polling: 'raf', timeout: 30_000 },
  );
  return performance.now() - t0;
}

export interface ChartRender {
  rows: Row[];
  summary: string[];
  notes: string[];
}

export async function measureChartRender(ring: EtcdRing): Promise<ChartRender> {
  const server = await RingsideServer.start({ clusters: [{ name: 'bench', endpoints: [ring.endpoints()[0]] }] });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    // The ring's real members, as the server names them.
    let members: { id: string; name: string }[] = [];
    for (let i = 0; i < 50 && members.length < ring.members.length; i++) {
      const ringState = (await server.json<{ members: { id: string; name: string }[] }>('/api/clusters/bench/ring')).body;
      members = ringState.members ?? [];
      await new Promise((r) => setTimeout(r, 200));
    }
    const now = Date.now();
    const t0 = performance.now();
    const history = fullDay(members, now);
    const fillMs = performance.now() - t0;
    const events: RingEvent[] = Array.from({ length: 12 }, (_, i) => ({
      id: `bench-${i}`,
      cluster: 'bench',
      at: new Date(now - (i + 1) * 1.9 * 3_600_000).toISOString(),
      kind: 'leader-changed',
      severity: 'warning',
      message: `Leader changed from ${members[i % members.length].name} to ${members[(i + 1) % members.length].name}`,
    }));

    // The server side of each range: the history query the route runs, median of 20.
    const queryMs: Record<string, number> = {};
    const bytes: Record<string, number> = {};
    for (const range of ['5m', '1h', '24h'] as const) {
      const times: number[] = [];
      let body = '';
      for (let i = 0; i < 20; i++) {
        const q0 = performance.now();
        body = JSON.stringify(respond(history, new URL(`http://x/?metric=${SERIES_KEYS.join(',')}&range=${range}`), events));
        times.push(performance.now() - q0);
      }
      queryMs[range] = median(times);
      bytes[range] = body.length;
    }

    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, colorScheme: 'dark' });
    await page.route('**/api/clusters/bench/history?**', (route) =>
      route.fulfill({ contentType: 'application/json', body: JSON.stringify(respond(history, new URL(route.request().url()), events)) }),
    );
    await page.goto(`${server.url}/clusters/bench`);
    const lines = 12 * members.length;
    await page.waitForFunction((n) => document.querySelectorAll('section[aria-label="Health history"] path.recharts-line-curve[d^="M"]').length >= n, lines, { timeout: 30_000 });

    const took: Record<'5m' | '1h' | '24h', number[]> = { '5m': [], '1h': [], '24h': [] };
    for (let round = 0; round < ROUNDS + 1; round++) {
      for (const range of ['24h', '5m', '1h'] as const) {
        const ms = await timeSwitch(page, range, lines);
        if (round > 0) took[range].push(ms); // round 0 warms the code paths
      }
    }
    // Jank while streaming: on the live 5 min view every poll re-renders the charts. Long tasks
    // (main thread busy > 50 ms) over 15 s of live updates.
    await timeSwitch(page, '5m', lines);
    const jank = await page.evaluate(
      (ms) =>
        new Promise<{ count: number; max: number; blocking: number; updates: number }>((resolve) => {
          const tasks: number[] = [];
          const obs = new PerformanceObserver((list) => list.getEntries().forEach((e) => tasks.push(e.duration)));
          obs.observe({ type: 'longtask' });
          // Redraws of one chart (one mutation batch each), to show the view really is live.
          const chart = document.querySelector('figure[data-series="latencyMs"]');
          let updates = 0;
          const mo = new MutationObserver(() => updates++);
          if (chart) mo.observe(chart, { subtree: true, childList: true, attributes: true, characterData: true });
          setTimeout(() => {
            obs.disconnect();
            mo.disconnect();
            resolve({ count: tasks.length, max: Math.max(0, ...tasks), blocking: tasks.reduce((a, d) => a + Math.max(0, d - 50), 0), updates });
          }, ms);
        }),
      15_000,
    );
    const points = (r: '5m' | '1h' | '24h') => Math.round(HISTORY_RANGES[r].ms / Math.max(1000, HISTORY_RANGES[r].stepMs));
    return {
      rows: [
        { measure: `24 h: click to drawn, 12 charts x ${members.length} members`, value: median(took['24h']), baseline: '5 min (live view), same page', baselineValue: median(took['5m']) },
        { measure: '1 h: click to drawn', value: median(took['1h']), baseline: '5 min (live view), same page', baselineValue: median(took['5m']) },
        { measure: '24 h history query + JSON, server side', value: queryMs['24h'], baseline: '5 min query + JSON', baselineValue: queryMs['5m'] },
      ],
      summary: [
        `live 5 min view over 15 s (${jank.updates} redraws of one chart): ${jank.count} long tasks, longest ${jank.max.toFixed(0)} ms, ${jank.blocking.toFixed(0)} ms blocking in all (${((jank.blocking / 15_000) * 100).toFixed(1)}% of the time)`,
        `24 h chart in Chromium: median ${median(took['24h']).toFixed(0)} ms from click to drawn (${points('24h')} points per line, ${(bytes['24h'] / 1024).toFixed(0)} kB of JSON for all 16 series), against ${median(took['5m']).toFixed(0)} ms for the live 5 min view and ${median(took['1h']).toFixed(0)} ms for 1 h`,
      ],
      notes: [
        `chart-render: ${ROUNDS} rounds after a warm-up round; history answered from a RingHistory holding 24 h of 1 s samples for the ring's ${members.length} real members (filled in ${(fillMs / 1000).toFixed(1)} s), with 12 leader changes marked.`,
      ],
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}
