// (g) The fleet views with 20 real clusters: the overview (`/`) and the NOC screen (`/noc`), each
// against the same page with 1 cluster in the same run. Timed in Debian's Chromium from navigation
// to the frame where every cluster is drawn (Playwright polls each animation frame); then 10 s of
// live updates, counting long tasks (> 50 ms) on the main thread.
import { chromium, type Page } from '@playwright/test';
import { EtcdRing } from '../e2e/harness/ring';
import { RingsideServer } from '../e2e/support/ringside-server';
import { median, type Row } from './stats';

const CLUSTERS = 20;
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
      rows.push({ measure: `${view}: navigation to ${CLUSTERS} clusters drawn, median of ${ROUNDS}`, value: median(times.many), baseline: 'the same page with 1 cluster', baselineValue: median(times.one) });
      summary.push(
        `${view} with ${CLUSTERS} clusters: drawn in ${median(times.many).toFixed(0)} ms (1 cluster: ${median(times.one).toFixed(0)} ms); ${LIVE_MS / 1000} s live: ${live.count} long tasks, longest ${live.max.toFixed(0)} ms, ${((live.blocking / LIVE_MS) * 100).toFixed(1)}% blocked`,
      );
    }
  } finally {
    await browser.close();
    await Promise.all([many.stop(), one.stop()]);
    await Promise.all(rings.map((r) => r.close()));
  }
  return { rows, summary, notes: [`fleet: ${CLUSTERS} one-member etcd rings, each its own cluster in Ringside, polled every second`] };
}
