// (g) The fleet views with 20 real clusters: the overview (`/`) and the NOC screen (`/noc`), each
// against the same page with 1 cluster in the same run. Timed in Debian's Chromium from navigation
// to the frame where every cluster is drawn (Playwright polls each animation frame); then 10 s of
// live updates, counting long tasks (> 50 ms) on the main thread. Then a fleet of 200 (issue 18):
// 200 clusters watching one real 3-member ring (each its own monitor, polled every 2 s), the
// overview drawing its first 50 rows of 200 against the 20 above, filtering them by name (typing to the frame
// where the table has narrowed), and both views' long tasks over 10 s of live updates.
import { chromium, type Page } from '@playwright/test';
import { EtcdRing } from '../e2e/harness/ring';
import { RingsideServer } from '../e2e/support/ringside-server';
import { median, type Row } from './stats';

const CLUSTERS = 20;
const FLEET = 200;
const ROUNDS = 5;
const LIVE_MS = 10_000;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

const views = {
  overview: { path: '/', count: () => document.querySelectorAll('table[aria-label="Clusters"] tbody tr').length },
  noc: { path: '/noc', count: () => document.querySelectorAll('[aria-label="Clusters"] > li[data-state]:not([data-state="UNKNOWN"])').length },
} as const;

async function drawMs(page: Page, url: string, view: keyof typeof views, n: number): Promise<number> {
  const started = performance.now();
  await page.goto(url);
  await page.waitForFunction(
    ([fn, want]) => (new Function(`return (${fn})()`)() as number) >= (want as number),
    [views[view].count.toString(), n] as const,
    { polling: 'raf', timeout: 30_000 },
  );
  return performance.now() - started;
}

async function liveTasks(page: Page): Promise<{ count: number; max: number; blocking: number }> {
  return page.evaluate(
    (ms) =>
      new Promise<{ count: number; max: number; blocking: number }>((resolve) => {
        const tasks: number[] = [];
        const obs = new PerformanceObserver((list) => list.getEntries().forEach((e) => tasks.push(e.duration)));
        obs.observe({ type: 'longtask' });
        setTimeout(() => {
          obs.disconnect();
          resolve({ count: tasks.length, max: Math.max(0, ...tasks), blocking: tasks.reduce((a, d) => a + Math.max(0, d - 50), 0) });
        }, ms);
      }),
    LIVE_MS,
  );
}

export async function measureFleetRender(): Promise<{ rows: Row[]; summary: string[]; notes: string[] }> {
  const rings = await Promise.all(Array.from({ length: CLUSTERS }, (_, i) => EtcdRing.start({ size: 1, name: `f${i}-` })));
  const clusters = rings.map((r, i) => ({ name: `fleet-${String(i + 1).padStart(2, '0')}`, endpoints: r.endpoints(), metrics: { enabled: false } }));
  const many = await RingsideServer.start({ clusters, hashCheckIntervalMs: 5000 });
  const one = await RingsideServer.start({ clusters: clusters.slice(0, 1), hashCheckIntervalMs: 5000 });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const rows: Row[] = [];
  const summary: string[] = [];
  let overview20 = NaN;
  try {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 }, colorScheme: 'dark' });
    for (const view of Object.keys(views) as (keyof typeof views)[]) {
      const times = { many: [] as number[], one: [] as number[] };
      for (let i = 0; i < ROUNDS + 1; i++) {
        const m = await drawMs(page, `${many.url}${views[view].path}`, view, CLUSTERS);
        const o = await drawMs(page, `${one.url}${views[view].path}`, view, 1);
        if (i === 0) continue; // the first visit compiles the page's code
        times.many.push(m);
        times.one.push(o);
      }
      await page.goto(`${many.url}${views[view].path}`);
      const live = await liveTasks(page);
      if (view === 'overview') overview20 = median(times.many);
      rows.push({ measure: `${view}: navigation to ${CLUSTERS} clusters drawn, median of ${ROUNDS}`, value: median(times.many), baseline: 'the same page with 1 cluster', baselineValue: median(times.one) });
      summary.push(
        `${view} with ${CLUSTERS} clusters: drawn in ${median(times.many).toFixed(0)} ms (1 cluster: ${median(times.one).toFixed(0)} ms); ${LIVE_MS / 1000} s live: ${live.count} long tasks, longest ${live.max.toFixed(0)} ms, ${((live.blocking / LIVE_MS) * 100).toFixed(1)}% blocked`,
      );
    }
    await Promise.all([many.stop(), one.stop()]);
    const big = await fleetOf200(page, overview20);
    rows.push(...big.rows);
    summary.push(...big.summary);
  } finally {
    await browser.close();
    await Promise.all([many.stop(), one.stop()]);
    await Promise.all(rings.map((r) => r.close()));
  }
  return {
    rows,
    summary,
    notes: [`fleet: ${CLUSTERS} one-member etcd rings, each its own cluster in Ringside, polled every second; the fleet of ${FLEET}: ${FLEET} config entries on one real 3-member ring, polled every 2 s`],
  };
}

async function fleetOf200(page: Page, overview20: number): Promise<{ rows: Row[]; summary: string[] }> {
  const ring = await EtcdRing.start({ size: 3, name: 'g' });
  const server = await RingsideServer.start({
    clusters: Array.from({ length: FLEET }, (_, i) => ({ name: `prod-${String(i).padStart(3, '0')}`, endpoints: [ring.endpoints()[i % 3]], metrics: { enabled: false } })),
    pollIntervalMs: 2000,
    hashCheckIntervalMs: 60_000,
  });
  try {
    const draws: number[] = [];
    for (let i = 0; i < ROUNDS + 1; i++) {
      // The overview draws the worst 50 at first (the rest behind "Show all").
      const ms = await drawMs(page, `${server.url}/`, 'overview', 50);
      if (i > 0) draws.push(ms);
    }
    // Typing a name: from the keystroke to the frame where the table shows only its matches.
    const filters: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const search = page.getByRole('searchbox', { name: 'Search clusters by name' });
      await search.fill('');
      await page.waitForFunction((n) => document.querySelectorAll('table[aria-label="Clusters"] tbody tr').length >= n, 50, { polling: 'raf' });
      const started = performance.now();
      await search.fill(`prod-${String(17 + i).padStart(3, "0")}`);
      await page.waitForFunction(() => document.querySelectorAll('table[aria-label="Clusters"] tbody tr').length === 1, undefined, { polling: 'raf' });
      filters.push(performance.now() - started);
    }
    const frame = await frameBytes(server.url);
    await page.goto(`${server.url}/`);
    const overview = await liveTasks(page);
    await page.goto(`${server.url}/noc`);
    const noc = await liveTasks(page);
    const live = (v: { count: number; max: number; blocking: number }) => `${v.count} long tasks, longest ${v.max.toFixed(0)} ms, ${((v.blocking / LIVE_MS) * 100).toFixed(1)}% blocked`;
    return {
      rows: [
        { measure: `overview: navigation to the worst 50 of ${FLEET} drawn, median of ${ROUNDS}`, value: median(draws), baseline: `the same page with ${CLUSTERS} (above)`, baselineValue: overview20 },
        { measure: `overview: search of ${FLEET} narrowed to 1 row, median of ${ROUNDS}`, value: median(filters), baseline: 'one poll interval', baselineValue: 2000 },
      ],
      summary: [
        `fleet of ${FLEET}: the overview draws the worst 50 of ${FLEET} in ${median(draws).toFixed(0)} ms, narrows to one on a typed name in ${median(filters).toFixed(0)} ms; one fleet message is ${(frame / 1024).toFixed(0)} kB; ${LIVE_MS / 1000} s live: overview ${live(overview)}, NOC ${live(noc)}`,
      ],
    };
  } finally {
    await server.stop();
    await ring.close();
  }
}

/** The size of one `fleet` message as the stream sends it. */
async function frameBytes(base: string): Promise<number> {
  const abort = new AbortController();
  const res = await fetch(`${base}/api/fleet/stream`, { signal: abort.signal });
  const reader = res.body!.getReader();
  let text = '';
  const decoder = new TextDecoder();
  while (!/event: fleet\ndata: .*\n\n/.test(text)) text += decoder.decode((await reader.read()).value, { stream: true });
  abort.abort();
  return Buffer.byteLength(/event: fleet\ndata: (.*)\n\n/.exec(text)![1]);
}
