// Issue 16: the guided rolling upgrade page on a real etcd 3.4.23 ring, at a desk and on a phone.
// Only 3.4.23 runs here, so the page is shown planning 3.4 -> 3.5: the preflight, the snapshot
// taken from the page, one member at a time, and a member killed mid-way withholding the next step.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { hashPassword } from '@/lib/auth/password';
import type { RingState } from '@/lib/ring/types';
import { expect, test as ringTest } from './fixtures';
import { measurePhoneLayout } from './support/layout';
import { RingsideServer } from './support/ringside-server';

const PASSWORD = 'correct horse battery staple';
const SCREENS = path.join('test-results', 'screens');

const test = ringTest.extend({
  ringside: async ({ ring, browserErrors }, use) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-upgrade-e2e-'));
    const hash = await hashPassword(PASSWORD);
    const server = await RingsideServer.start({
      clusters: [{ name: 'demo', endpoints: [ring.endpoints()[0]], metrics: { urls: Object.fromEntries(ring.members.map((m) => [m.name, m.metricsURL])) } }],
      hashCheckIntervalMs: 1000,
      dataDir: path.join(dir, 'data'),
      extraYaml: ['auth:', '  users:', `    - { name: alice, role: operator, passwordHash: "${hash}" }`, 'backups:', `  dir: ${path.join(dir, 'backups')}`].join('\n'),
    });
    try {
      await use(server);
    } finally {
      browserErrors.settle();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
});

async function signIn(page: Page) {
  await page.getByRole('button', { name: 'Sign in' }).click();
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.getByLabel('User').fill('alice');
  await form.getByLabel('Password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByLabel('Signed in')).toContainText('alice');
}

/** Plan 3.5.32 from the page, sign in, and take the snapshot the preflight asks for. */
async function planWithSnapshot(page: Page, base: string) {
  await page.goto(`${base}/clusters/demo`);
  await page.getByRole('link', { name: 'Upgrade etcd' }).click();
  await expect(page.getByRole('heading', { name: 'Upgrade etcd' })).toBeVisible();
  await page.getByLabel('Target version').fill('3.5.32');
  await page.getByRole('button', { name: 'Plan' }).click();
  await expect(page).toHaveURL(/\/clusters\/demo\/upgrade\?to=3\.5\.32$/);
  const checks = page.getByRole('list', { name: 'Preflight checks' });
  await expect(checks.locator('[data-check="snapshot"]')).toHaveAttribute('data-ok', 'false');
  await expect(page.getByText("Ringside withholds the first member's steps until the blocking checks pass.")).toBeVisible();
  await signIn(page);
  await page.getByRole('button', { name: 'Save to backup directory' }).click();
  await expect(checks.locator('[data-check="snapshot"]')).toHaveAttribute('data-ok', 'true', { timeout: 30_000 });
  await expect(checks.locator('[data-check="hashkv"]')).toHaveAttribute('data-ok', 'true', { timeout: 15_000 });
}

test('plan 3.4.23 -> 3.5.32: preflight, a snapshot from the page, one member at a time, withheld while a member is down', async ({ page, ring, ringside }) => {
  test.setTimeout(150_000);
  await planWithSnapshot(page, ringside.url);
  const state = (await ringside.json<RingState>('/api/clusters/demo/ring')).body;
  const leader = state.members.find((m) => m.isLeader)!.name;

  // The versions as the ring reports them.
  const versions = page.getByRole('group', { name: 'Versions' }).or(page.getByLabel('Versions'));
  await expect(versions).toContainText('3.4.23');
  await expect(versions).toContainText('3.4.0');

  // One member at a time: the first is a follower, with its steps; the leader goes last.
  const members = page.getByRole('list', { name: 'Members in order' });
  const items = members.locator(':scope > li');
  await expect(items).toHaveCount(3);
  await expect(items.nth(0)).toHaveAttribute('data-state', 'next');
  await expect(items.nth(1)).toHaveAttribute('data-state', 'waiting');
  await expect(items.nth(2)).toHaveAttribute('data-member', leader);
  const first = await items.nth(0).getAttribute('data-member');
  const steps = items.nth(0).getByRole('list', { name: 'Steps for this member' });
  await expect(steps).toContainText(`Stop etcd on ${first}`);
  await expect(steps).toContainText('Replace its etcd binary with 3.5.32');
  await expect(steps).toContainText('registry.k8s.io/etcd:3.5.32-0');
  await page.screenshot({ path: path.join(SCREENS, 'upgrade-desk.png'), fullPage: true });

  // The flag changes 3.5 makes, for members whose flags Ringside cannot read.
  await page.getByText(/^Flag changes 3\.4\.23 → 3\.5\.32/).click();
  await expect(page.getByRole('list', { name: 'Flag changes' })).toContainText('--logger=capnslog');

  // A member down: the next step is withheld, naming it; back, the plan goes on.
  const victim = state.members.find((m) => m.name !== leader && m.name !== first)!.name;
  await ring.kill(victim);
  await expect(page.getByRole('list', { name: 'Preflight checks' }).locator('[data-check="healthy"]')).toContainText(`${victim} is not a healthy voter`);
  await expect(items.nth(0).getByText('Withheld until the blocking checks above pass.')).toBeVisible();
  await expect(steps).toHaveCount(0);
  await page.screenshot({ path: path.join(SCREENS, 'upgrade-desk-withheld.png'), fullPage: true });
  await ring.restart(victim);
  await expect(items.nth(0).getByRole('list', { name: 'Steps for this member' })).toBeVisible({ timeout: 30_000 });
});

test.describe('on a phone (390x844)', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('the upgrade page: no sideways scrolling, no text squeezed into a column', async ({ page, ringside }) => {
    test.setTimeout(120_000);
    await planWithSnapshot(page, ringside.url);
    await expect(page.getByRole('list', { name: 'Steps for this member' })).toBeVisible();
    const layout = await measurePhoneLayout(page);
    expect(layout.pageScrollWidth, 'the page scrolls sideways').toBeLessThanOrEqual(390);
    expect(layout.narrow, 'text squeezed into columns narrower than 120 px').toEqual([]);
    await page.screenshot({ path: path.join(SCREENS, 'upgrade-phone.png'), fullPage: true });
  });
});
