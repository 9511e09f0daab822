// Issue 14: backups as a person sees them. A backup taken from the Backups panel, a drill that
// proves it restorable, the same backup altered on disk failing its next drill in words (and
// alerting), and freshness on the cluster page, the overview and the NOC tile.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import type { BackupsResponse } from '@/lib/api/contract';
import { hashPassword } from '@/lib/auth/password';
import { expect, test as ringTest } from './fixtures';
import { RingsideServer } from './support/ringside-server';

const PASSWORD = 'correct horse battery staple';
const SCREENS = path.join('test-results', 'screens');
const ETCD = process.env.RINGSIDE_ETCD_BIN || '/usr/bin/etcd';
const ETCDCTL = process.env.RINGSIDE_ETCDCTL_BIN || '/usr/bin/etcdctl';

const test = ringTest.extend<{ backupsDir: string }>({
  backupsDir: async ({}, use) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-backups-e2e-'));
    try {
      await use(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  ringside: async ({ ring, backupsDir, browserErrors }, use) => {
    const server = await RingsideServer.start({
      clusters: [{ name: 'demo', endpoints: ring.endpoints(), metrics: { enabled: false } }],
      dataDir: path.join(backupsDir, 'data'),
      extraYaml: [
        'auth:',
        '  users:',
        `    - { name: alice, role: operator, passwordHash: "${await hashPassword(PASSWORD)}" }`,
        'backups:',
        `  dir: ${path.join(backupsDir, 'store')}`,
        '  staleAfter: 20s',
        `  drill: { etcd: ${ETCD}, etcdctl: ${ETCDCTL} }`,
      ].join('\n'),
    });
    try {
      await use(server);
    } finally {
      browserErrors.settle();
      await server.stop();
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

test('a backup proven restorable, then altered on disk: its drill fails in words and alerts; no verified backup is left, said on every screen', async ({ page, ring, ringside, backupsDir }) => {
  test.setTimeout(180_000);
  for (let i = 0; i < 20; i++) expect((await ring.etcdctl(['put', `/registry/configmaps/default/c${i}`, `v${i}`])).code).toBe(0);
  await page.goto(`${ringside.url}/clusters/demo`);
  await signIn(page);
  const panel = page.getByRole('region', { name: 'Backups' });
  await panel.getByRole('button', { name: 'Back up now' }).click();
  const row = panel.getByRole('table', { name: 'Stored backups' }).locator('tbody tr');
  await expect(row).toHaveCount(1, { timeout: 30_000 });
  await expect(row).toContainText('never drilled');
  await expect(page.locator('a[href="#backups"]')).toContainText(/backup .* ago/);

  // Drilled: restored into a throwaway etcd and compared with the ring at backup time.
  await row.getByRole('button', { name: /^Drill / }).click();
  await expect(row.locator('[data-drill="passed"]')).toContainText('proven restorable at', { timeout: 60_000 });
  await expect(panel.getByLabel('Backups').first()).toContainText('proven restorable');
  await panel.screenshot({ path: path.join(SCREENS, 'backups-proven.png') });

  // One byte flipped in the stored file, behind Ringside's back.
  const [b] = (await ringside.json<BackupsResponse>('/api/clusters/demo/backups')).body.snapshots;
  const file = path.join(backupsDir, 'store', 'demo', b.id);
  const bytes = readFileSync(file);
  bytes[8192] ^= 0x01;
  writeFileSync(file, bytes);
  await row.getByRole('button', { name: /^Drill / }).click();
  await expect(row.locator('[data-drill="failed"]')).toContainText("the stored object's SHA-256", { timeout: 60_000 });
  await expect(panel.getByRole('alert').filter({ hasText: `The restore drill of ${b.id} failed` })).toBeVisible();
  // The alert, through the rule.
  await expect(page.getByRole('region', { name: 'Alerts' })).toContainText('ringsideDrillFailed', { timeout: 10_000 });
  await panel.screenshot({ path: path.join(SCREENS, 'backups-drill-failed.png') });

  // The overview: the only backup failed its drill, so none is verified (and freshness says so).
  await page.goto(ringside.url);
  const overview = page.getByRole('table', { name: 'Clusters' }).getByRole('row', { name: 'demo' });
  await expect(overview).toContainText('drill FAILED');
  await expect(overview).toContainText('NO VERIFIED BACKUP');
  await expect(overview).toContainText('Critical · 2 firing');
  await page.screenshot({ path: path.join(SCREENS, 'overview-backups.png') });

  // The wall screen says it across the room.
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto(`${ringside.url}/noc`);
  const tile = page.getByRole('list', { name: 'Clusters' }).getByRole('listitem').first();
  await expect(tile.locator('[data-backup]')).toHaveText('backup DRILL FAILED');
  await expect(tile).toHaveAttribute('data-state', 'CRITICAL');
  await page.screenshot({ path: path.join(SCREENS, 'noc-backups.png') });
});
