import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { hashPassword } from '@/lib/auth/password';
import type { HashCheck } from '@/lib/ring/hashkv';
import type { RingState } from '@/lib/ring/types';
import { startLauncher, type Launcher } from './harness/launcher';
import { expect, test as ringTest } from './fixtures';
import { RingsideServer } from './support/ringside-server';

const PASSWORD = 'correct horse battery staple';
const SCREENS = path.join('test-results', 'screens');

/** The shared ring fixture, plus a launcher, and a Ringside with an operator (alice), a viewer and a backup directory. */
const test = ringTest.extend<{ launcher: Launcher }>({
  launcher: async ({ ring }, use) => {
    const l = await startLauncher(ring);
    try {
      await use(l);
    } finally {
      await l.close();
    }
  },
  ringside: async ({ ring, launcher, browserErrors }, use) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-ops-e2e-'));
    const hash = await hashPassword(PASSWORD);
    const server = await RingsideServer.start({
      clusters: [{ name: 'demo', endpoints: [ring.endpoints()[0]], launcher: launcher.url, metrics: { urls: Object.fromEntries(ring.members.map((m) => [m.name, m.metricsURL])) } }],
      hashCheckIntervalMs: 2000,
      dataDir: path.join(dir, 'data'),
      extraYaml: ['auth:', '  users:', `    - { name: alice, role: operator, passwordHash: "${hash}" }`, `    - { name: victor, role: viewer, passwordHash: "${hash}" }`, 'backups:', `  dir: ${path.join(dir, 'backups')}`].join('\n'),
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

async function signIn(page: Page, user: string) {
  await page.getByRole('button', { name: 'Sign in' }).click();
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.getByLabel('User').fill(user);
  await form.getByLabel('Password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByLabel('Signed in')).toContainText(user);
}

const step = (page: Page) => page.getByRole('list', { name: 'Steps' }).locator('[aria-current="step"]');

test('replace a killed member through the wizard, with a reload mid-way, ending healthy and consistent', async ({ page, ring, ringside }) => {
  test.setTimeout(180_000);
  await page.goto(`${ringside.url}/clusters/demo`);
  await expect(page.getByRole('table', { name: 'Members' })).toBeVisible();
  // Before signing in, the actions say why they are off.
  await expect(page.getByText('Sign in as an operator to act.').first()).toBeVisible();
  await signIn(page, 'alice');

  const ids = Object.fromEntries((await ringside.json<RingState>('/api/clusters/demo/ring')).body.members.map((m) => [m.name, m.id]));
  await ring.kill('m3');
  await expect(page.getByRole('table', { name: 'Members' }).getByRole('row', { name: 'm3', exact: true }).getByRole('cell').nth(1)).toHaveText(/Down/);

  // The healthy m2 cannot be removed while m3 is down, and the wizard says why.
  await page.goto(`${ringside.url}/clusters/demo/replace?member=${ids.m2}`);
  const checks = page.getByRole('list', { name: 'Preflight checks' });
  await expect(checks.locator('[data-check="others-healthy"]')).toContainText('m2 is healthy while m3 is down');
  await expect(page.getByRole('button', { name: /Remove m2 from the ring/ })).toBeDisabled();
  await page.screenshot({ path: path.join(SCREENS, 'wizard-refused.png'), fullPage: true });

  // The down member, picked from the cluster page.
  await page.goto(`${ringside.url}/clusters/demo`);
  await page.getByLabel('Member to replace').selectOption(ids.m3);
  await page.getByRole('link', { name: 'Open the wizard' }).click();
  await expect(step(page)).toContainText('Preflight');
  await expect(checks.locator('[data-check="snapshot"]')).toHaveAttribute('data-ok', 'false');
  await page.getByRole('button', { name: 'Back up now' }).click();
  await expect(checks.locator('[data-check="snapshot"]')).toHaveAttribute('data-ok', 'true', { timeout: 30_000 });
  await page.screenshot({ path: path.join(SCREENS, 'wizard-preflight.png'), fullPage: true });

  await page.getByRole('button', { name: /Remove m3 from the ring/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove m3' });
  await expect(dialog.getByRole('button', { name: 'Remove member' })).toBeDisabled();
  await dialog.getByLabel('Type m3 to confirm').fill('m3');
  await dialog.getByRole('button', { name: 'Remove member' }).click();
  await expect(step(page)).toContainText('Add learner', { timeout: 30_000 });

  // Reload mid-way: the wizard comes back at the same step, from the ring's membership.
  await page.reload();
  await expect(step(page)).toContainText('Add learner');
  await expect(page.getByLabel('Name')).toHaveValue('m3');
  await page.getByRole('button', { name: 'Add as learner' }).click();
  await expect(step(page)).toContainText('Start it', { timeout: 30_000 });
  await expect(page.getByRole('tabpanel')).toContainText('--initial-cluster-state=existing');
  await page.getByRole('tab', { name: 'etcd-config.yml' }).click();
  await expect(page.getByRole('tabpanel')).toContainText('initial-cluster-state: existing');
  await page.screenshot({ path: path.join(SCREENS, 'wizard-start.png'), fullPage: true });

  await page.reload();
  await expect(step(page)).toContainText('Start it');
  await page.getByRole('button', { name: 'Start m3 (demo ring)' }).click();
  await expect(page.getByRole('button', { name: 'Promote m3 to voter' })).toBeVisible({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Promote m3 to voter' }).click();
  await expect(step(page)).toContainText('Update API servers', { timeout: 90_000 });
  await expect(page.getByLabel('etcd-servers')).toContainText('--etcd-servers=');
  await page.screenshot({ path: path.join(SCREENS, 'wizard-done.png'), fullPage: true });

  const state = (await ringside.json<RingState>('/api/clusters/demo/ring')).body;
  expect(state.members.filter((m) => !m.isLearner && m.reachable).map((m) => m.name).sort()).toEqual(['m1', 'm2', 'm3']);
  await expect
    .poll(async () => {
      const h = (await ringside.json<HashCheck>('/api/clusters/demo/hashkv')).body;
      return h.consistent === true && h.members.filter((m) => m.verdict === 'agree').length;
    }, { timeout: 20_000 })
    .toBe(3);

  // The audit log on the cluster page names every step.
  await page.goto(`${ringside.url}/clusters/demo`);
  const audit = page.getByRole('table', { name: 'Audit log' });
  for (const action of ['member-remove', 'member-add', 'member-launch', 'member-promote', 'snapshot-backup']) {
    await expect(audit.locator(`tr[data-action="${action}"][data-result="ok"]`)).toHaveCount(1);
  }
  await page.getByRole('region', { name: 'Operations' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SCREENS, 'operations.png'), fullPage: true });
});

test('a snapshot downloaded through the UI passes etcdctl snapshot status and restores', async ({ page, ring, ringside }) => {
  for (let i = 0; i < 50; i++) await ring.etcdctl(['put', `/k/${i}`, `v${i}`]);
  await page.goto(`${ringside.url}/clusters/demo`);
  await signIn(page, 'alice');
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download snapshot' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^demo-m\d-[0-9a-f]{1,16}-rev\d+-\d{8}T\d{6}Z\.db$/);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-dl-'));
  try {
    const file = path.join(dir, download.suggestedFilename());
    await download.saveAs(file);
    const status = JSON.parse(execFileSync('/usr/bin/etcdctl', ['snapshot', 'status', file, '-w', 'json'], { encoding: 'utf8' }));
    expect(status.totalKey).toBeGreaterThan(50);
    execFileSync('/usr/bin/etcdctl', ['snapshot', 'restore', file, '--name=r1', '--initial-cluster=r1=http://127.0.0.1:2380', '--initial-advertise-peer-urls=http://127.0.0.1:2380', `--data-dir=${path.join(dir, 'restored')}`], { env: { ...process.env, ETCDCTL_API: '3' }, stdio: 'pipe' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const audit = page.getByRole('table', { name: 'Audit log' });
  await page.reload();
  await expect(audit.locator('tr[data-action="snapshot-download"][data-result="ok"]')).toHaveCount(1);
});

test('a viewer sees the actions but cannot use them', async ({ page, ringside }) => {
  await page.goto(`${ringside.url}/clusters/demo`);
  await signIn(page, 'victor');
  await expect(page.getByText('victor is a viewer; only operators can act.').first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'Download snapshot' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Defragment all members…' })).toBeDisabled();
});
