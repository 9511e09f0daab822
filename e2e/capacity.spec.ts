import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import { hashPassword } from '@/lib/auth/password';
import { browserTest as test, expect } from './fixtures';
import { EtcdRing } from './harness/ring';
import { RingsideServer } from './support/ringside-server';

const PASSWORD = 'correct horse battery staple';
const SCREENS = path.join('test-results', 'screens');
const QUOTA = 8 * 1024 * 1024;
const FILLER = '/registry/reports.example.com/reports/';

/**
 * NOSPACE on a one-member ring with an 8 MiB --quota-backend-bytes: a custom resource fills it.
 * The Capacity panel says NOSPACE is reached and its breakdown names the prefix; triage shows
 * what grew since the scan before and the way out.
 */
test('NOSPACE: the capacity panel and triage name the prefix that filled the ring', async ({ page, browserErrors }) => {
  test.setTimeout(150_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-capacity-e2e-'));
  const ring = await EtcdRing.start({ size: 1, name: 'full', extraFlags: [`--quota-backend-bytes=${QUOTA}`] });
  const client = new Etcd3({ hosts: ring.endpoints(), faultHandling: { host: () => noop, global: noop } });
  let server: RingsideServer | null = null;
  try {
    for (let i = 0; i < 30; i++) await client.put(`/registry/pods/default/web-${i}`).value('x'.repeat(2000));
    server = await RingsideServer.start({
      clusters: [{ name: 'full', endpoints: ring.endpoints(), metrics: { urls: { [ring.members[0].name]: ring.members[0].metricsURL } } }],
      dataDir: path.join(dir, 'data'),
      extraYaml: [
        'auth:',
        '  users:',
        `    - { name: alice, role: operator, passwordHash: "${await hashPassword(PASSWORD)}" }`,
        'capacity:',
        // The first scheduled scan runs at start: the "before" of the diff.
        '  scan: { every: 1h, pagesPerSecond: 200 }',
        '  defrag: { rules: ["free > 1MB"] }',
      ].join('\n'),
    });
    await page.goto(`${server.url}/clusters/full`);
    const panel = page.getByRole('region', { name: 'Capacity' });
    await expect(panel.getByRole('table', { name: 'Quota per member' })).toContainText('8.4 MB quota');
    // A minute-old server has no trend yet, and says so rather than "not growing".
    await expect(panel.getByTestId('nospace-forecast')).toHaveText('NOSPACE forecast: none yet: a trend needs 10 minutes of polls.');
    await expect(panel.getByTestId('report-source')).toContainText(/^live scan of full1 \(\d+ pages\) at revision \d+/, { timeout: 30_000 });
    await expect(panel.getByRole('table', { name: 'Keyspace by prefix' })).toContainText('/registry/pods/');
    // Not signed in: the button is off and says why.
    await expect(panel.getByRole('button', { name: 'Scan now' })).toBeDisabled();
    await expect(panel).toContainText('Sign in as an operator to act.');
    await expect(panel.getByRole('list', { name: 'Rules' })).toContainText('free > 1MB selects no member');
    await panel.screenshot({ path: path.join(SCREENS, 'capacity-panel-before.png') });

    // A runaway custom resource until etcd refuses.
    const value = Buffer.alloc(400_000, 'r');
    let full = false;
    for (let n = 0; n < 60 && !full; n++) {
      try {
        await client.put(`${FILLER}team-1/report-${n}`).value(value);
      } catch (e) {
        expect((e as Error).message).toMatch(/database space exceeded/);
        full = true;
      }
    }
    expect(full, 'the ring never ran out of space').toBe(true);

    const triage = page.getByRole('region', { name: 'Triage' });
    await expect(triage).toBeVisible({ timeout: 15_000 });
    await expect(panel.getByTestId('nospace-forecast')).toContainText('NOSPACE forecast: reached.');

    // Reads still work under NOSPACE: scan again as an operator.
    await page.getByRole('button', { name: 'Sign in' }).click();
    const form = page.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('User').fill('alice');
    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByLabel('Signed in')).toContainText('alice');
    await panel.getByRole('button', { name: 'Scan now' }).click();

    const grew = triage.getByRole('list', { name: 'Prefixes that grew most' });
    await expect(grew.getByRole('listitem').first()).toContainText(FILLER, { timeout: 30_000 });
    await expect(grew.getByRole('listitem').first()).toContainText(/new.*\+\d+(\.\d)? MB, \+\d+ keys/);
    await expect(triage.getByRole('list', { name: 'The way out of NOSPACE' })).toContainText('etcdctl alarm disarm');
    await expect(triage.getByRole('region', { name: 'What grew' }).getByRole('link', { name: /Disarm NOSPACE/ })).toBeVisible();
    // The breakdown's largest prefix is the one that filled it, marked new since the scan before.
    await expect(panel.getByRole('list', { name: 'Largest prefixes' }).getByRole('listitem').first()).toContainText(FILLER);
    const row = panel.getByRole('table', { name: 'Keyspace by prefix' }).getByRole('row').nth(1);
    await expect(row).toContainText(FILLER);
    await expect(row).toContainText('▲ new');
    await expect(panel.getByRole('row', { name: 'full1' })).toContainText('NOSPACE is active');

    await page.mouse.move(2, 2);
    await triage.screenshot({ path: path.join(SCREENS, 'nospace-triage.png') });
    await panel.screenshot({ path: path.join(SCREENS, 'capacity-panel.png') });
  } finally {
    browserErrors.settle();
    client.close();
    await server?.stop();
    await ring.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
