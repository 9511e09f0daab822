// (j) The cluster page's weight and its first paint, against Ringside as it was before issue 13
// (one composition root, one API contract, the server/browser split, first paint from the
// server's state). Both builds run in the same bench, against the same real 3-member ring:
// - the JavaScript the cluster page loads, gzip-compressed the way a server would send it;
// - the time from navigation to the first drawn member table (a fresh browser context each
//   round, so nothing is cached).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser } from '@playwright/test';
import { EtcdRing } from '../e2e/harness/ring';
import { RingsideServer } from '../e2e/support/ringside-server';
import { median, type Row } from './stats';

/** The last commit before issue 13's wiring (override with RINGSIDE_BENCH_BASELINE). */
const BASELINE = process.env.RINGSIDE_BENCH_BASELINE ?? '525def1';
const ROUNDS = 7;
const ROOT = path.resolve(__dirname, '..');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** Checks the baseline out beside this repo, installs and builds it (about two minutes, once). */
function buildBaseline(): string {
  const dir = path.join(os.tmpdir(), `ringside-baseline-${BASELINE}`);
  if (!existsSync(path.join(dir, '.next', 'BUILD_ID'))) {
    rmSync(dir, { recursive: true, force: true });
    execFileSync('git', ['worktree', 'add', '--detach', '--force', dir, BASELINE], { cwd: ROOT, stdio: 'ignore' });
    const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
    for (const [cmd, args] of [['npm', ['ci', '--no-audit', '--no-fund']], [path.join(dir, 'node_modules', '.bin', 'next'), ['build']]] as const) {
      const r = spawnSync(cmd, [...args], { cwd: dir, env, stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`first-paint: ${cmd} ${args.join(' ')} failed in the baseline checkout (${dir})`);
    }
  }
  return dir;
}

async function measure(browser: Browser, url: string): Promise<{ jsGzip: number; jsRaw: number; drawMs: number[] }> {
  let jsGzip = 0;
  let jsRaw = 0;
  const drawMs: number[] = [];
  for (let round = 0; round < ROUNDS + 1; round++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    const page = await context.newPage();
    const bodies: Promise<Buffer>[] = [];
    if (round === 0) page.on('response', (r) => void (r.url().endsWith('.js') && bodies.push(r.body().catch(() => Buffer.alloc(0)))));
    const started = performance.now();
    await page.goto(`${url}/clusters/bench`);
    await page.waitForFunction(() => document.querySelectorAll('table[aria-label="Members"] tbody tr').length >= 3, undefined, { polling: 'raf', timeout: 30_000 });
    const ms = performance.now() - started;
    if (round === 0) {
      await page.waitForLoadState('networkidle');
      for (const b of await Promise.all(bodies)) {
        jsRaw += b.length;
        jsGzip += gzipSync(b, { level: 6 }).length;
      }
    } else drawMs.push(ms); // the first round warms the server's own caches
    await context.close();
  }
  return { jsGzip, jsRaw, drawMs };
}

export async function measureFirstPaint(): Promise<{ rows: Row[]; summary: string[]; notes: string[] }> {
  const baselineDir = buildBaseline();
  const ring = await EtcdRing.start({ size: 3 });
  const clusters = [{ name: 'bench', endpoints: [ring.endpoints()[0]], metrics: { enabled: false } }];
  const now = await RingsideServer.start({ clusters });
  const before = await RingsideServer.start({ clusters, appRoot: baselineDir });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const b = await measure(browser, before.url);
    const n = await measure(browser, now.url);
    const kb = (x: number) => x / 1024;
    return {
      rows: [
        { measure: 'cluster page JavaScript, gzip', value: kb(n.jsGzip), baseline: `before issue 13 (${BASELINE})`, baselineValue: kb(b.jsGzip), unit: 'kB' },
        { measure: 'navigation to the drawn member table, p50', value: median(n.drawMs), baseline: `before issue 13 (${BASELINE})`, baselineValue: median(b.drawMs) },
      ],
      summary: [
        `cluster page JavaScript: ${kb(n.jsGzip).toFixed(1)} kB gzip (${kb(n.jsRaw).toFixed(0)} kB raw) against ${kb(b.jsGzip).toFixed(1)} kB gzip (${kb(b.jsRaw).toFixed(0)} kB raw) before issue 13`,
        `first drawn member table: p50 ${median(n.drawMs).toFixed(0)} ms (min ${Math.min(...n.drawMs).toFixed(0)}) against ${median(b.drawMs).toFixed(0)} ms (min ${Math.min(...b.drawMs).toFixed(0)}) before, ${ROUNDS} fresh browser contexts each`,
      ],
      notes: [`first-paint: the baseline is commit ${BASELINE}, checked out and built in ${baselineDir} (kept between runs; delete it to rebuild).`],
    };
  } finally {
    await browser.close();
    await Promise.all([now.stop(), before.stop()]);
    await ring.close();
  }
}
