import { browserTest as base, expect } from './fixtures';
import { EtcdRing } from './harness/ring';
import { RingsideServer } from './support/ringside-server';

interface Fixtures {
  rings: [EtcdRing, EtcdRing];
  ringside: RingsideServer;
}

/** Two real rings on one Ringside, for the wall screen. */
const test = base.extend<Fixtures>({
  rings: async ({}, use) => {
    const [a, b] = await Promise.all([EtcdRing.start({ size: 3, name: 'a' }), EtcdRing.start({ size: 3, name: 'b' })]);
    try {
      await use([a, b]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  },
  ringside: async ({ rings, browserErrors }, use) => {
    const server = await RingsideServer.start({
      clusters: [
        { name: 'alpha', endpoints: [rings[0].endpoints()[0]], metrics: { enabled: false } },
        { name: 'bravo', endpoints: [rings[1].endpoints()[0]], metrics: { enabled: false } },
      ],
      extraYaml: 'readOnly: true',
    });
    try {
      await use(server);
    } finally {
      browserErrors.settle();
      await server.stop();
    }
  },
});

test.use({ viewport: { width: 1920, height: 1080 } });

test('the NOC screen: two tiles, a killed member turns its tile DEGRADED, a silent stream says DATA STALE and recovers', async ({ page, rings, ringside }) => {
  test.setTimeout(120_000);
  await page.goto(`${ringside.url}/noc?cycle=5`);
  const tiles = page.getByRole('list', { name: 'Clusters' }).getByRole('listitem');
  await expect(tiles).toHaveCount(2);
  await expect(page.getByRole('listitem', { name: 'alpha: OK' })).toBeVisible();
  await expect(page.getByRole('listitem', { name: 'bravo: OK' })).toBeVisible();
  await expect(page.getByRole('status', { name: 'Live' })).toBeVisible();
  // Filling the screen without scrollbars, with no login on a read-only deployment.
  const overflow = await page.evaluate(() => ({ x: document.documentElement.scrollWidth > innerWidth, y: document.documentElement.scrollHeight > innerHeight }));
  expect(overflow).toEqual({ x: false, y: false });
  await page.screenshot({ path: 'test-results/screens/noc-ok.png' });

  const victim = rings[1].members.find((m) => m.name !== 'b1') ?? rings[1].members[0];
  const killedAt = Date.now();
  await rings[1].kill(victim.name);
  const bravo = page.getByRole('listitem', { name: 'bravo: DEGRADED' });
  await expect(bravo).toBeVisible({ timeout: 5_000 });
  expect(Date.now() - killedAt).toBeLessThan(5_000);
  await expect(bravo).toContainText(`${victim.name} down`);
  await expect(bravo).toContainText('can lose 0 more');
  // Worst first, and pinned in the detail pane.
  await expect(tiles.first()).toHaveAttribute('data-state', 'DEGRADED');
  await expect(page.getByRole('complementary', { name: 'Detail: bravo' })).toContainText('Pinned');
  await page.screenshot({ path: 'test-results/screens/noc-degraded.png' });

  // The server hangs: the stream stays open but silent. The screen must not look live.
  ringside.freeze();
  try {
    await expect(page.getByRole('alert', { name: 'DATA STALE' })).toBeVisible({ timeout: 8_000 });
    await expect(page.getByRole('status', { name: 'Data stale' })).toBeVisible();
    await page.screenshot({ path: 'test-results/screens/noc-stale.png' });
  } finally {
    ringside.thaw();
  }
  await expect(page.getByRole('alert', { name: 'DATA STALE' })).toHaveCount(0, { timeout: 20_000 });
  await expect(page.getByRole('status', { name: 'Live' })).toBeVisible();
  await expect(page.getByRole('listitem', { name: 'bravo: DEGRADED' })).toBeVisible();
});

base.use({ viewport: { width: 1920, height: 1080 } });

base('twelve real clusters fill 1920x1080 with no scrollbars and no clipped tile', async ({ page, browserErrors }) => {
  base.setTimeout(120_000);
  const rings = await Promise.all(Array.from({ length: 12 }, (_, i) => EtcdRing.start({ size: 1, name: `r${i}-` })));
  let server: RingsideServer | null = null;
  try {
    server = await RingsideServer.start({
      clusters: rings.map((r, i) => ({ name: `cluster-${String(i + 1).padStart(2, '0')}`, endpoints: r.endpoints(), metrics: { enabled: false } })),
      extraYaml: 'readOnly: true',
    });
    await page.goto(`${server.url}/noc`);
    const tiles = page.getByRole('list', { name: 'Clusters' }).getByRole('listitem');
    await expect(tiles).toHaveCount(12);
    // One-member rings have no fault margin: every tile says DEGRADED once polled.
    await expect(tiles.and(page.locator('[data-state="DEGRADED"]'))).toHaveCount(12, { timeout: 15_000 });
    const layout = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth > innerWidth || document.documentElement.scrollHeight > innerHeight,
      clipped: [...document.querySelectorAll('[aria-label="Clusters"] > li')].filter((li) => li.scrollHeight > li.clientHeight + 1).length,
      smallest: Math.min(...[...document.querySelectorAll('[aria-label="Clusters"] > li *')].filter((e) => e.childNodes.length && [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim())).map((e) => parseFloat(getComputedStyle(e).fontSize))),
    }));
    // At 3 m, nothing on a tile below 20 px.
    expect(layout).toEqual({ scroll: false, clipped: 0, smallest: expect.any(Number) });
    expect(layout.smallest).toBeGreaterThanOrEqual(20);
    await page.screenshot({ path: 'test-results/screens/noc-12.png' });
  } finally {
    browserErrors.settle();
    await server?.stop();
    await Promise.all(rings.map((r) => r.close()));
  }
});
