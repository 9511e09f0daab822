import { expect, test } from './fixtures';
import { RingsideServer } from './support/ringside-server';

test.describe('cluster page on a real ring', () => {
  test('shows three members and names the leader', async ({ ring, ringside, clusterPage, page }) => {
    await clusterPage.goto(ringside.url, 'demo');
    const leader = (await ring.leaderName())!;
    await expect(clusterPage.members.getByRole('row')).toHaveCount(4); // header + 3
    await expect(clusterPage.status(leader)).toHaveText('Leader');
    for (const m of ring.members.filter((x) => x.name !== leader)) {
      await expect(clusterPage.status(m.name)).toHaveText('Follower');
    }
    await expect(clusterPage.quorum).toContainText('Quorum OK: can lose 1 more member');
    await expect(clusterPage.ring).toHaveAttribute('aria-label', new RegExp(`${leader} LEADER`));
    await expect(clusterPage.live()).toBeVisible();
    await page.screenshot({ path: 'test-results/screens/cluster-healthy.png', fullPage: true });
  });

  test('a killed follower shows as down, then recovers after restart', async ({ ring, ringside, clusterPage, page }) => {
    await clusterPage.goto(ringside.url, 'demo');
    const leader = await ring.leaderName();
    const follower = ring.members.find((m) => m.name !== leader)!.name;
    await ring.kill(follower);
    await expect(clusterPage.status(follower)).toContainText('Down');
    await expect(clusterPage.status(follower)).toContainText('connection refused');
    await expect(clusterPage.quorum).toContainText('cannot lose any more members');
    await expect(clusterPage.events.locator('[data-kind="member-down"]')).toContainText(`Member ${follower} is down`);
    await page.screenshot({ path: 'test-results/screens/cluster-member-down.png', fullPage: true });
    await ring.restart(follower);
    await expect(clusterPage.status(follower)).toHaveText('Follower');
    await expect(clusterPage.quorum).toContainText('can lose 1 more member');
    await expect(clusterPage.events.locator('[data-kind="member-up"]')).toBeVisible();
  });

  test('killing the leader shows the newly elected one', async ({ ring, ringside, clusterPage }) => {
    await clusterPage.goto(ringside.url, 'demo');
    const old = (await ring.leaderName())!;
    await expect(clusterPage.status(old)).toHaveText('Leader');
    await ring.kill(old);
    await expect(clusterPage.status(old)).toContainText('Down');
    let next: string | null = null;
    await ring.waitFor(async () => {
      next = await ring.leaderName();
      return next !== null && next !== old;
    }, { what: 'a new leader' });
    await expect(clusterPage.status(next!)).toHaveText('Leader');
    await expect(clusterPage.events.locator('[data-kind="leader-changed"]').first()).toContainText(next!);
  });

  test('two of three down is NO QUORUM, and it recovers when they return', async ({ ring, ringside, clusterPage, page }) => {
    await clusterPage.goto(ringside.url, 'demo');
    const [a, b] = ring.members.map((m) => m.name);
    await ring.kill(a);
    await ring.kill(b);
    await expect(clusterPage.quorum).toContainText('NO QUORUM: writes are blocked');
    await expect(page.getByText('No quorum', { exact: true })).toBeVisible();
    await page.screenshot({ path: 'test-results/screens/cluster-no-quorum.png', fullPage: true });
    await ring.restart(a);
    await ring.restart(b);
    await expect(clusterPage.quorum).toContainText('Quorum OK: can lose 1 more member', { timeout: 20_000 });
    // Newest first: a regain above the loss (a ring still electing when the page opened has one more below it).
    await expect
      .poll(async () => {
        const kinds = await clusterPage.events.locator('[data-kind]').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
        const lost = kinds.indexOf('quorum-lost');
        return lost > 0 && kinds.slice(0, lost).includes('quorum-regained');
      }, { message: 'a quorum-regained event after the quorum-lost one' })
      .toBe(true);
  });

  test('a member added through etcd appears without reloading', async ({ ring, ringside, clusterPage, page }) => {
    await clusterPage.goto(ringside.url, 'demo');
    await expect(clusterPage.members.getByRole('row')).toHaveCount(4);
    const added = await ring.addMember({ learner: true });
    await expect(clusterPage.members.getByRole('row')).toHaveCount(5, { timeout: 30_000 });
    await expect(clusterPage.status(added.name)).toHaveText('Learner', { timeout: 30_000 });
    await expect(clusterPage.events.locator('[data-kind="member-added"]')).toBeVisible();
    await expect(clusterPage.ring).toHaveAttribute('aria-label', new RegExp(`${added.name} learner`));
    await page.screenshot({ path: 'test-results/screens/cluster-learner.png', fullPage: true });
  });

  test.describe('when the server goes away under the open page', () => {
    // What a browser reports when the server it shows stops and comes back: the streams cut
    // mid-response, requests refused while it is down, and 503 "no state yet" from the new
    // server before its first poll. Nothing else may appear.
    test.use({ expectedConsoleErrors: /Failed to load resource: (net::ERR_(CONNECTION_REFUSED|INCOMPLETE_CHUNKED_ENCODING)|the server responded with a status of 503 \(Service Unavailable\))$/ });

    test('when the stream drops the page says how old its data is, and reconnects by itself', async ({ ring, ringside, clusterPage, browserErrors }) => {
      await clusterPage.goto(ringside.url, 'demo');
      await expect(clusterPage.live()).toBeVisible();
      const port = Number(new URL(ringside.url).port);
      await ringside.stop();
      await expect(clusterPage.stale()).toBeVisible({ timeout: 10_000 });
      await expect(clusterPage.staleBanner()).toContainText(/Not live\..* old/);
      await clusterPage.page.screenshot({ path: 'test-results/screens/cluster-stale.png', fullPage: true });
      const again = await RingsideServer.start({
        clusters: [{ name: 'demo', endpoints: [ring.endpoints()[0]] }],
        port,
      });
      try {
        await expect(clusterPage.live()).toBeVisible({ timeout: 20_000 });
        await expect(clusterPage.staleBanner()).toHaveCount(0);
      } finally {
        browserErrors.settle();
        await again.stop();
      }
    });
  });
});

test('the log panel follows the members\' logs, and pause holds new lines until resumed', async ({ ring, ringside, clusterPage, page }) => {
  await clusterPage.goto(ringside.url, 'demo');
  const logs = page.getByRole('list', { name: 'Log lines' });
  await expect(logs).toContainText('starting an etcd server');
  await page.getByRole('button', { name: 'Pause' }).click();
  const before = await logs.getByRole('listitem').count();
  const leader = await ring.leaderName();
  const follower = ring.members.find((m) => m.name !== leader)!.name;
  await ring.kill(follower); // the others log the lost peer
  const resume = page.getByRole('button', { name: /Resume \(\d+ new\)/ });
  await expect(resume).toBeVisible({ timeout: 15_000 });
  expect(await logs.getByRole('listitem').count()).toBe(before);
  await resume.click();
  await expect(async () => expect(await logs.getByRole('listitem').count()).toBeGreaterThan(before)).toPass();
  await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
});

test('the overview lists the cluster with its status, leader and quorum margin', async ({ ring, ringside, page }) => {
  await page.goto(ringside.url);
  const row = page.getByRole('table', { name: 'Clusters' }).getByRole('row', { name: 'demo' });
  await expect(row).toContainText('Healthy');
  await expect(row).toContainText((await ring.leaderName())!);
  await expect(row).toContainText('can lose 1 more');
  await row.getByRole('link', { name: 'demo' }).click();
  await expect(page).toHaveURL(/\/clusters\/demo$/);
  await page.screenshot({ path: 'test-results/screens/overview.png' });
});
