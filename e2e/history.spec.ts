import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { RingsideServer } from './support/ringside-server';

/** The health history panel, by what a person sees. */
class HistoryPanel {
  readonly root: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByRole('region', { name: 'Health history' });
  }

  /** Scrolls to the charts, as a person does: off screen they keep their last frame. */
  async show() {
    await this.root.scrollIntoViewIfNeeded();
  }

  chart(label: string): Locator {
    return this.root.getByRole('figure', { name: `${label} chart` });
  }

  range(label: '5 min' | '1 hour' | '24 hours'): Locator {
    return this.root.getByRole('radiogroup', { name: 'Time range' }).getByRole('radio', { name: label });
  }

  /** Drawn line paths of a chart, one per member with data. */
  lines(label: string): Locator {
    return this.chart(label).locator('path.recharts-line-curve[d^="M"]');
  }

  /**
   * Event markers on the charts' time axes, named "<what> <time>: <event message>" for each event
   * (events close together share a marker, their names joined by "; ").
   */
  markers(word: string, message: RegExp | string = ''): Locator {
    const m = typeof message === 'string' ? message : message.source;
    return this.root.getByRole('img', { name: new RegExp(`(^|; )${word} \\d\\d:\\d\\d:\\d\\d: [^;]*${m}`) });
  }

  /** Takes a screenshot without the pointer resting on a chart (a hover draws a cursor on every chart). */
  async screenshot(path: string) {
    await this.root.scrollIntoViewIfNeeded();
    await this.page.mouse.move(2, 2);
    await this.root.screenshot({ path });
  }
}

async function write(ring: { etcdctl(args: string[]): Promise<{ code: number }> }, n: number, prefix: string) {
  for (let i = 0; i < n; i++) expect((await ring.etcdctl(['put', `/${prefix}/${i}`, 'v'.repeat(512)])).code).toBe(0);
}

test.describe('health history charts on a real ring', () => {
  test('render each member’s line with axes, legend and etcd-mixin thresholds', async ({ ring, ringside, clusterPage, page }) => {
    await clusterPage.goto(ringside.url, 'demo');
    const history = new HistoryPanel(page);
    await history.show();
    await write(ring, 30, 'chart');

    // Disk: WAL fsync p99 from each member's /metrics, one line per member, and both thresholds.
    await expect(history.lines('WAL fsync p99')).toHaveCount(3, { timeout: 20_000 });
    await expect(history.chart('WAL fsync p99')).toContainText('warning 500 ms · critical 1 s');
    await expect(history.chart('WAL fsync p99').locator('.recharts-reference-line')).toHaveCount(2);
    // Data that moved: revision and latency from the status poll.
    await expect(history.lines('Revision')).toHaveCount(3);
    await expect(history.lines('Status latency')).toHaveCount(3);
    await expect(history.chart('Revision')).not.toContainText('No data in this range');
    // Time axis and value axis carry labels.
    const ticks = history.chart('Status latency').locator('svg text');
    await expect(ticks.filter({ hasText: /^\d\d:\d\d:\d\d$/ }).first()).toBeVisible();
    await expect(ticks.filter({ hasText: /^[\d.]+ m?s$/ }).first()).toBeVisible();
    // Every member in the legend, in its own look.
    await expect(history.root.getByRole('list', { name: 'Members in the charts' })).toHaveText(/m1.*m2.*m3/);
    // The lines of different members differ in dash as well as color.
    const dashes = await history.lines('Revision').evaluateAll((paths) => paths.map((p) => p.getAttribute('stroke-dasharray') ?? 'solid'));
    expect(new Set(dashes).size).toBe(3);
    await history.screenshot('test-results/screens/history-5m.png');
  });

  test('the range switch loads an hour and a day, downsampled', async ({ ring, ringside, clusterPage, page }) => {
    await clusterPage.goto(ringside.url, 'demo');
    const history = new HistoryPanel(page);
    await history.show();
    await expect(history.range('5 min')).toHaveAttribute('aria-checked', 'true');
    await expect(history.chart('Status latency')).toContainText('per poll');

    const hour = page.waitForResponse((r) => r.url().includes('/history?') && r.url().includes('range=1h'));
    await history.range('1 hour').click();
    expect((await hour).status()).toBe(200);
    await expect(history.range('1 hour')).toHaveAttribute('aria-checked', 'true');
    await expect(history.chart('Status latency')).toContainText('max per 10 s');
    await expect(history.chart('DB in use (fragmentation)')).toContainText('min per 10 s');
    await write(ring, 5, 'range');
    await expect(history.lines('Status latency')).toHaveCount(3, { timeout: 20_000 });

    await history.range('24 hours').click();
    await expect(history.chart('Status latency')).toContainText('max per 5 min');
    await expect(history.lines('Status latency')).toHaveCount(3, { timeout: 20_000 });
    await history.screenshot('test-results/screens/history-24h.png');

    await history.range('5 min').click();
    await expect(history.chart('Status latency')).toContainText('per poll');
  });

  test('a leader change and the old leader going down are marked on the time axis', async ({ ring, ringside, clusterPage, page }) => {
    await clusterPage.goto(ringside.url, 'demo');
    const history = new HistoryPanel(page);
    await history.show();
    await expect(history.lines('Status latency')).toHaveCount(3, { timeout: 20_000 });
    const old = (await ring.leaderName())!;
    // A young ring may already have had an election of its own; only the one we cause counts.
    const fromOld = new RegExp(`(Leader changed from ${old} |No leader: ${old} )`);
    await expect(history.markers('leader change', fromOld)).toHaveCount(0);
    await ring.kill(old);
    // The glyph is on every chart, named with the event itself.
    const elected = history.markers('leader change', fromOld);
    await expect(elected.first()).toBeAttached({ timeout: 15_000 });
    await expect.poll(() => elected.count()).toBeGreaterThanOrEqual(12);
    await expect(history.markers('member down', `Member ${old} is down`).first()).toBeAttached();
    await history.screenshot('test-results/screens/history-leader-change.png');
  });
});

test.describe('alerts on a real ring', () => {
  test('a killed member fires etcdMembersDown on the cluster page and the overview, with since when', async ({ ring, page, browserErrors }) => {
    // A short `for` keeps the test quick; the default (20 s) is covered by the integration test.
    const server = await RingsideServer.start({ clusters: [{ name: 'demo', endpoints: [ring.endpoints()[0]] }], alerts: { etcdMembersDown: { forMs: 3000 } } });
    try {
      await page.goto(`${server.url}/clusters/demo`);
      const alerts = page.getByRole('region', { name: 'Alerts' });
      await expect(alerts).toContainText('No alerts firing');

      const victim = ring.members.find((m) => m.clientURL !== ring.endpoints()[0])!.name;
      await ring.kill(victim);
      const row = alerts.getByRole('listitem', { name: 'etcdMembersDown firing' });
      await expect(row).toBeVisible({ timeout: 15_000 });
      await expect(row).toContainText('Critical');
      await expect(row).toContainText(`${victim} is down: connection refused`);
      await expect(row).toContainText(/firing since \d\d:\d\d:\d\d/);
      await expect(row).toContainText('Next step: Restart the member');
      await expect(page.getByRole('list', { name: 'Events' }).locator('[data-kind="alert-firing"]')).toContainText('etcdMembersDown firing');
      await alerts.screenshot({ path: 'test-results/screens/alerts-cluster.png' });

      await page.goto(server.url);
      const rowInOverview = page.getByRole('row', { name: 'demo' });
      await expect(rowInOverview).toContainText('Critical · 1 firing');
      await expect(rowInOverview).toContainText(`${victim} is down`);
      await expect(rowInOverview).toContainText(/etcdMembersDown · for \d/);
      await page.screenshot({ path: 'test-results/screens/alerts-overview.png' });

      await ring.restart(victim);
      await expect(rowInOverview.getByText('none').last()).toBeVisible({ timeout: 20_000 });
    } finally {
      // The open page's fleet stream is cut when the server stops: not the page's fault.
      browserErrors.settle();
      await server.stop();
    }
  });
});
