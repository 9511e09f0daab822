import { browserTest as test, expect } from './fixtures';
import { EtcdRing } from './harness/ring';
import { freePortBlock } from './harness/ports';
import { RingsideServer, type ClusterEntry } from './support/ringside-server';

/**
 * A fleet of 200 clusters on one Ringside, kept cheap: most clusters watch the same real 3-member
 * ring (a cluster is its config entry: each has its own monitor, state and alerts), a few a second
 * ring whose member is killed, and the rest loopback ports where nothing listens (a lost control
 * plane). Status polls every 2 s, no /metrics scrape: 200 monitors on 2 shared cores.
 */
const pad = (i: number) => String(i).padStart(3, '0');

async function fleetServer(o: { ok: EtcdRing; okCount: number; degraded?: EtcdRing; degradedCount?: number; lostCount: number }): Promise<RingsideServer> {
  const lostPorts = await freePortBlock(o.lostCount);
  const clusters: ClusterEntry[] = [
    ...Array.from({ length: o.okCount }, (_, i) => ({ name: `prod-${pad(i)}`, endpoints: [o.ok.endpoints()[i % 3]], metrics: { enabled: false } })),
    ...Array.from({ length: o.degradedCount ?? 0 }, (_, i) => ({ name: `edge-${i}`, endpoints: o.degraded!.endpoints(), metrics: { enabled: false } })),
    ...lostPorts.map((p, i) => ({ name: `lost-${pad(i)}`, endpoints: [`http://127.0.0.1:${p}`], metrics: { enabled: false } })),
  ];
  // A killed member stays DEGRADED for the whole test: its alert would make it CRITICAL after 20 s.
  return RingsideServer.start({ clusters, pollIntervalMs: 2000, hashCheckIntervalMs: 60_000, requestTimeoutMs: 1000, alerts: { etcdMembersDown: { forMs: 600_000 } }, extraYaml: 'readOnly: true' });
}

/** Layout facts a person would notice on the wall: scrollbars, clipped tiles, the smallest text on a tile. */
function wallLayout() {
  const tiles = [...document.querySelectorAll('[aria-label="Clusters"] > li')];
  const texts = tiles.flatMap((li) => [...li.querySelectorAll('*')]).filter((e) => [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim()));
  const states = ['NO QUORUM', 'CORRUPT', 'CRITICAL', 'UNKNOWN', 'DEGRADED', 'OK'];
  return {
    scroll: document.documentElement.scrollWidth > innerWidth || document.documentElement.scrollHeight > innerHeight,
    clipped: tiles.filter((li) => li.scrollHeight > li.clientHeight + 1).map((li) => li.getAttribute('aria-label')),
    // A state's word is never cut short ("UNK…") nor broken across lines ("UNKNO / WN"); NO QUORUM may take two.
    cutStates: texts
      .filter((e) => states.includes(e.textContent!.trim()))
      .filter((e) => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().height > parseFloat(getComputedStyle(e).lineHeight) * (e.textContent!.includes(' ') ? 2.5 : 1.5))
      .map((e) => e.textContent),
    smallest: Math.min(...texts.map((e) => parseFloat(getComputedStyle(e).fontSize))),
  };
}

test.use({ viewport: { width: 1920, height: 1080 } });

test('200 clusters, a few wrong: the overview finds them by name and state, the wall shows them and one count of the healthy', async ({ page, browserErrors }) => {
  test.setTimeout(180_000);
  const [ok, edge] = await Promise.all([EtcdRing.start({ size: 3, name: 'ok' }), EtcdRing.start({ size: 3, name: 'edge' })]);
  let server: RingsideServer | null = null;
  try {
    server = await fleetServer({ ok, okCount: 192, degraded: edge, degradedCount: 4, lostCount: 4 });

    // The overview: the worst 50 of 200 drawn, the rest one click away; the lost ones lead once polled.
    await page.goto(server.url);
    const rows = page.getByRole('table', { name: 'Clusters' }).getByRole('row').filter({ has: page.getByRole('link') });
    await expect(rows).toHaveCount(50);
    await expect(page.getByRole('button', { name: /^Show all 200/ })).toBeVisible();
    const shown = page.getByRole('status', { name: 'Clusters shown' });
    await expect(shown).toHaveText('200 clusters, worst first');
    const filters = page.getByRole('group', { name: 'Filter by state' });
    await expect(filters.getByRole('button', { name: 'UNKNOWN 4' })).toBeVisible({ timeout: 20_000 });
    await expect(filters.getByRole('button', { name: 'OK 196' })).toBeVisible({ timeout: 20_000 });
    await expect(rows.first()).toHaveAttribute('aria-label', 'lost-000');

    // Kill a member of the edge ring: its four clusters turn DEGRADED and sort above the healthy.
    await edge.kill('edge3');
    await expect(filters.getByRole('button', { name: 'DEGRADED 4' })).toBeVisible({ timeout: 15_000 });
    await expect(rows.nth(4)).toHaveAttribute('data-state', 'DEGRADED');

    // Search by name, then filter by state; the two combine.
    const search = page.getByRole('searchbox', { name: 'Search clusters by name' });
    await search.fill('prod-19');
    await expect(rows).toHaveCount(2);
    await expect(shown).toHaveText('2 of 200 clusters match, worst first');
    await search.fill('');
    await filters.getByRole('button', { name: 'DEGRADED 4' }).click();
    await filters.getByRole('button', { name: 'UNKNOWN 4' }).click();
    await expect(rows).toHaveCount(8);
    await expect(filters.getByRole('button', { name: 'DEGRADED 4' })).toHaveAttribute('aria-pressed', 'true');
    await page.screenshot({ path: 'test-results/screens/fleet-overview-filtered.png' });
    await search.fill('edge');
    await expect(rows).toHaveCount(4);
    await search.fill('nothing-like-this');
    await expect(page.getByText('No cluster matches “nothing-like-this” in DEGRADED or UNKNOWN.')).toBeVisible();
    await filters.getByRole('button', { name: 'All 200' }).click();
    await search.fill('');
    await expect(rows).toHaveCount(50);
    await page.getByRole('button', { name: /^Show all 200/ }).click();
    await expect(rows).toHaveCount(200);
    await page.screenshot({ path: 'test-results/screens/fleet-overview.png' });
    // On a phone: cards, the same search and filter, no sideways scroll.
    await page.setViewportSize({ width: 390, height: 844 });
    await search.fill('edge');
    const cards = page.getByRole('list', { name: 'Clusters' }).getByRole('listitem');
    await expect(cards).toHaveCount(4);
    expect(await page.evaluate(() => document.documentElement.scrollWidth > innerWidth)).toBe(false);
    await page.screenshot({ path: 'test-results/screens/fleet-overview-phone.png' });
    await search.fill('');
    await page.setViewportSize({ width: 1920, height: 1080 });

    // The wall: eight full tiles, worst first, and the 192 healthy as one count; no scrollbars, nothing clipped.
    await page.goto(`${server.url}/noc`);
    const tiles = page.getByRole('list', { name: 'Clusters' }).getByRole('listitem');
    await expect(page.getByRole('listitem', { name: '192 clusters OK' })).toBeVisible({ timeout: 15_000 });
    await expect(tiles).toHaveCount(9);
    await expect(tiles.first()).toHaveAttribute('aria-label', 'lost-000: UNKNOWN');
    // Nothing ever answered there: what the wall knows, not a lost quorum it cannot see.
    await expect(tiles.first()).toContainText('quorum unknown');
    await expect(tiles.first()).toContainText('no endpoint answers');
    await expect(page.getByRole('listitem', { name: 'edge-0: DEGRADED' })).toContainText('edge3 down');
    await expect(page.getByLabel('Fleet')).toHaveText('200 clusters · 4 UNKNOWN · 4 DEGRADED · 192 OK');
    const layout = await page.evaluate(wallLayout);
    expect(layout).toEqual({ scroll: false, clipped: [], cutStates: [], smallest: expect.any(Number) });
    expect(layout.smallest).toBeGreaterThanOrEqual(20);
    await page.screenshot({ path: 'test-results/screens/fleet-noc.png' });
  } finally {
    browserErrors.settle();
    await server?.stop();
    await Promise.all([ok.close(), edge.close()]);
  }
});

test('200 clusters, 80 lost: the wall packs 48 legible tiles, worst first, and counts the rest', async ({ page, browserErrors }) => {
  test.setTimeout(180_000);
  const ok = await EtcdRing.start({ size: 3, name: 'ok' });
  let server: RingsideServer | null = null;
  try {
    server = await fleetServer({ ok, okCount: 120, lostCount: 80 });
    await page.goto(`${server.url}/noc`);
    const tiles = page.getByRole('list', { name: 'Clusters' }).getByRole('listitem');
    await expect(page.getByRole('listitem', { name: '120 clusters OK' })).toBeVisible({ timeout: 20_000 });
    await expect(tiles).toHaveCount(48);
    // 46 lost clusters by name, then the other 34 as a count, then the healthy count.
    await expect(page.getByRole('listitem', { name: '34 more clusters' })).toContainText('34 UNKNOWN');
    await expect(tiles.first()).toHaveAttribute('aria-label', 'lost-000: UNKNOWN');
    await expect(tiles.nth(45)).toHaveAttribute('aria-label', 'lost-045: UNKNOWN');
    const layout = await page.evaluate(wallLayout);
    expect(layout).toEqual({ scroll: false, clipped: [], cutStates: [], smallest: expect.any(Number) });
    // Dense tiles still read from a few metres: nothing under 16 px, the name and state at 20.
    expect(layout.smallest).toBeGreaterThanOrEqual(16);
    await page.screenshot({ path: 'test-results/screens/fleet-noc-dense.png' });
  } finally {
    browserErrors.settle();
    await server?.stop();
    await ok.close();
  }
});
