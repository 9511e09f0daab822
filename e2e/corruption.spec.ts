import { browserTest as base, ClusterPage, expect } from './fixtures';
import { corruptFollower } from './harness/corrupt';
import { EtcdRing } from './harness/ring';
import { RingsideServer } from './support/ringside-server';

const test = base.extend<{ ring: EtcdRing; ringside: RingsideServer }>({
  ring: async ({}, use) => {
    const ring = await EtcdRing.start({ size: 3, corruptionChecks: true });
    try {
      await use(ring);
    } finally {
      await ring.close();
    }
  },
  ringside: async ({ ring, browserErrors }, use) => {
    const logFiles = ring.members.flatMap((m) => [
      { path: m.logFile, member: m.name },
      { path: `${m.logFile}.stderr`, member: m.name },
    ]);
    const server = await RingsideServer.start({ clusters: [{ name: 'demo', endpoints: [ring.endpoints()[0]], logFiles }], hashCheckIntervalMs: 2000 });
    try {
      await use(server);
    } finally {
      browserErrors.settle();
      await server.stop();
    }
  },
});

test('real corruption: MISMATCH on exactly the corrupted member and the CORRUPT alarm, within 20 s', async ({ ring, ringside, page }) => {
  const cp = new ClusterPage(page);
  await cp.goto(ringside.url, 'demo');
  const hashes = page.getByRole('table', { name: 'HashKV' });
  await expect(page.getByRole('status', { name: 'Hash agreement' })).toContainText('Data agrees');

  const leader = await ring.leaderName();
  const victim = ring.members.find((m) => m.name !== leader)!.name;
  await corruptFollower(ring, victim);
  await ring.restart(victim, ['--experimental-initial-corrupt-check=false']);

  await expect(page.getByRole('status', { name: 'Hash agreement' })).toContainText('DATA MISMATCH', { timeout: 20_000 });
  await expect(hashes.getByRole('row', { name: victim, exact: true })).toContainText('MISMATCH');
  for (const m of ring.members.filter((x) => x.name !== victim)) {
    await expect(hashes.getByRole('row', { name: m.name, exact: true })).toContainText('Agree');
  }
  await expect(page.getByRole('alert').filter({ hasText: 'CORRUPT alarm active' })).toContainText(`Inferred: ${victim}`, { timeout: 20_000 });
  await expect(page.getByText('Alarm', { exact: true })).toBeVisible();
  // The leader's own periodic check, from its log, beside the hashes.
  const evidence = page.getByRole('list', { name: 'Corruption lines' });
  await expect(evidence).toContainText(/same compact revision then hashes must match|found hash mismatch/, { timeout: 20_000 });
  await expect(evidence).toContainText('alarm raised');
  // Evidence, red and called corruption; the check's own rounds apart from it, never good news
  // when the round found the difference.
  await expect(evidence.locator('li[data-evidence="corruption"]').first().locator('[data-evidence]')).toHaveText('corruption');
  await expect(evidence.locator('li:not([data-evidence="corruption"])')).toHaveCount(0);
  const rounds = page.getByRole('list', { name: 'Check rounds' });
  const closing = rounds.locator('li', { hasText: 'finished peer corruption check' }).first();
  await expect(closing).toContainText('check round ended after finding a difference', { timeout: 20_000 });
  await expect(closing.getByLabel('good news')).toHaveCount(0);
  await expect(closing.locator('[data-evidence]')).toHaveText('check');
  await expect(page.getByRole('note', { name: 'Next step' })).toContainText(`Replace ${victim}`);
  // ...and leads to the guided replacement of exactly that member.
  await expect(page.getByRole('link', { name: `Replace ${victim} with the guided wizard` })).toHaveAttribute('href', new RegExp(`/clusters/demo/replace\\?member=[0-9a-f]+$`));
  await expect(page.getByRole('alert').filter({ hasText: 'CORRUPT alarm active' })).toContainText(`The leader's corruption check named ${victim}`);
  await page.screenshot({ path: 'test-results/screens/cluster-corrupt.png', fullPage: true });

  // Triage at the top: the HashKV split explains itself and leads to the replacement of that member.
  const triage = page.getByRole('region', { name: 'Triage' });
  await expect(triage.getByRole('list', { name: 'Firing conditions' })).toContainText('MISMATCH at revision', { timeout: 20_000 });
  await expect(triage.getByRole('link', { name: `Replace ${victim}, whose data differs` }).first()).toBeVisible();
  const changed = triage.getByRole('list', { name: 'What changed' }).getByRole('listitem');
  await expect(changed.and(page.locator('[data-kind="hashkv-mismatch"]'))).toBeVisible();
  // Corruption evidence first, red, and called so.
  await expect(changed.first()).toHaveAttribute('data-evidence', 'corruption');
  await expect(changed.first().getByLabel('critical')).toBeVisible();
  await expect(changed.first().locator('[data-evidence]')).toHaveText('corruption');
  await expect(triage.getByRole('list', { name: 'Firing conditions' }).locator('[data-evidence="corruption"]').first()).toBeVisible();
  // The copied incident summary carries the window's events and the members' own evidence lines.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ringside.url });
  await triage.getByRole('button', { name: 'Copy incident summary' }).click();
  await expect(triage.getByRole('status')).toContainText('Copied');
  const md = await page.evaluate(() => navigator.clipboard.readText());
  expect(md).toContain('### Incident summary: demo');
  expect(md).toMatch(/\*\*Window:\*\* \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ to /);
  expect(md).toMatch(new RegExp(`hashkv-mismatch ${victim}`));
  expect(md).toMatch(/alarm-raised/);
  expect(md).toMatch(/same compact revision then hashes must match|found hash mismatch/);
  expect(md).toMatch(/ringsideHashMismatch/);
  await page.screenshot({ path: 'test-results/screens/cluster-triage.png' });
});

test('a corrupted member restarted with the initial check refuses to start, and the log panel shows why', async ({ ring, ringside, page }) => {
  const cp = new ClusterPage(page);
  await cp.goto(ringside.url, 'demo');
  await expect(page.getByRole('list', { name: 'Corruption checks' })).toContainText('initial check on, periodic check every 5s');
  const leader = await ring.leaderName();
  const victim = ring.members.find((m) => m.name !== leader)!.name;
  await corruptFollower(ring, victim);
  // A restart can also fail for an unrelated reason (its old port still held): only the refusal counts.
  let outcome = '';
  for (let i = 0; i < 3 && !outcome.includes('found data inconsistency'); i++) {
    outcome = await ring.restart(victim).then(
      () => 'it started',
      (e: Error) => e.message,
    );
  }
  expect(outcome).toContain('found data inconsistency with peers');

  await page.getByLabel('Corruption only').check();
  const logs = page.getByRole('list', { name: 'Log lines' });
  await expect(logs).toContainText('found data inconsistency with peers', { timeout: 20_000 });
  await expect(logs.locator('li', { hasText: 'found data inconsistency with peers' }).first()).toContainText(victim);
  await expect(cp.status(victim)).toContainText('Down');
  await page.screenshot({ path: 'test-results/screens/logs-initial-check.png', fullPage: true });
});
