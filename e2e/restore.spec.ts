// Issue 14: the guided disaster restore, end to end on a real 3-member demo ring. Data, a backup
// through the UI, more writes (to be lost), then two members killed and their data dirs deleted:
// quorum gone for good. The wizard restores every member from the chosen backup with the
// launcher; the ring ends with 3 healthy voters under a new cluster ID, exactly the keys of the
// snapshot's revision, agreeing hashes, and the audit log holding every step.
import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import type { BackupsResponse } from '@/lib/api/contract';
import { hashPassword } from '@/lib/auth/password';
import type { AuditEntry } from '@/lib/audit/types';
import type { HashCheck } from '@/lib/ring/hashkv';
import type { RingState } from '@/lib/ring/types';
import { startLauncher, type Launcher } from './harness/launcher';
import { parseJsonBig } from './harness/ring';
import { expect, test as ringTest } from './fixtures';
import { measurePhoneLayout } from './support/layout';
import { RingsideServer } from './support/ringside-server';

const PASSWORD = 'correct horse battery staple';
const SCREENS = path.join('test-results', 'screens');

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
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-restore-e2e-'));
    const server = await RingsideServer.start({
      clusters: [{ name: 'demo', endpoints: ring.endpoints(), launcher: launcher.url, metrics: { enabled: false } }],
      hashCheckIntervalMs: 2000,
      dataDir: path.join(dir, 'data'),
      extraYaml: ['auth:', '  users:', `    - { name: alice, role: operator, passwordHash: "${await hashPassword(PASSWORD)}" }`, 'backups:', `  dir: ${path.join(dir, 'backups')}`, '  staleAfter: 1h'].join('\n'),
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

const step = (page: Page) => page.getByRole('list', { name: 'Steps' }).locator('[aria-current="step"]');

test('quorum lost for good: the wizard restores every member from the chosen backup; 3 healthy voters, the snapshot\'s keys, agreeing hashes, every step audited', async ({ page, ring, ringside }) => {
  test.setTimeout(300_000);
  for (let i = 0; i < 50; i++) expect((await ring.etcdctl(['put', `/demo/k${String(i).padStart(2, '0')}`, `v${i}`])).code).toBe(0);

  await page.goto(`${ringside.url}/clusters/demo`);
  await signIn(page);
  const panel = page.getByRole('region', { name: 'Backups' });
  await expect(panel.getByLabel('Backups').first()).toContainText('NO VERIFIED BACKUP');
  await panel.getByRole('button', { name: 'Back up now' }).click();
  const rows = panel.getByRole('table', { name: 'Stored backups' }).locator('tbody tr');
  await expect(rows).toHaveCount(1, { timeout: 30_000 });
  await expect(page.locator('a[href="#backups"]')).toContainText(/backup .* ago/);
  const [backup] = (await ringside.json<BackupsResponse>('/api/clusters/demo/backups')).body.snapshots;
  expect(backup.keys).toBe(50);
  await panel.screenshot({ path: path.join(SCREENS, 'backups-panel.png') });

  // Written after the backup: a restore loses these.
  for (let i = 0; i < 5; i++) expect((await ring.etcdctl(['put', `/after/${i}`, 'x'])).code).toBe(0);
  const before = (await ringside.json<RingState>('/api/clusters/demo/ring')).body;

  // Two of three members gone with their data: quorum cannot come back.
  for (const name of ['m2', 'm3']) {
    await ring.kill(name);
    await rm(ring.member(name).dataDir, { recursive: true, force: true });
  }
  await expect(page.getByRole('status', { name: 'Quorum' })).toContainText('NO QUORUM', { timeout: 20_000 });
  await page.getByRole('link', { name: 'Disaster restore from a stored backup (the wizard)' }).first().click();

  await expect(step(page)).toContainText('Choose a backup');
  await page.getByRole('link', { name: /^Choose the backup of/ }).first().click();
  await expect(step(page)).toContainText('Preflight');
  const checks = page.getByRole('list', { name: 'Preflight checks' });
  await expect(checks.locator('[data-check="quorum"]')).toContainText('lost quorum');
  await expect(checks.locator('[data-check="members"]')).toContainText('3 voters to restore: m1, m2, m3');
  await expect(page.getByLabel('What is lost')).toContainText(/5 revisions written since the backup/);
  await page.screenshot({ path: path.join(SCREENS, 'restore-preflight.png'), fullPage: true });

  await page.getByRole('button', { name: /^Next: Restore each member/ }).click();
  for (const m of ['m1', 'm2', 'm3']) {
    const cmd = page.locator(`pre[aria-label="Restore ${m}"]`);
    // The tool for etcd 3.4, on the backup's file (a local store: the file on the Ringside machine).
    await expect(cmd).toContainText(new RegExp(`^ETCDCTL_API=3 etcdctl snapshot restore \\S*/demo/${backup.id.replace(/\./g, '\\.')} \\\\`));
    await expect(cmd).toContainText(`--name=${m}`);
    await expect(cmd).toContainText('--initial-cluster-token=demo-restore-');
  }
  await page.screenshot({ path: path.join(SCREENS, 'restore-commands.png'), fullPage: true });

  await page.getByRole('button', { name: /^Next: Start the members/ }).click();
  await expect(page.locator('pre[aria-label="Start m1"]')).toContainText('--data-dir=/var/lib/etcd-restored-m1');
  await page.getByRole('button', { name: 'Restore the demo ring…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Restore demo' });
  await dialog.getByLabel('Type demo to confirm').fill('demo');
  await dialog.getByRole('button', { name: 'Restore the ring' }).click();

  await expect(step(page)).toContainText('Verify');
  await expect(page.getByRole('status').filter({ hasText: 'The restored ring is up' })).toBeVisible({ timeout: 150_000 });
  const verification = page.getByRole('list', { name: 'Verification' });
  await expect(verification.locator('[data-check="cluster-id"]')).toContainText(`(was ${before.clusterId})`);
  await expect(page.getByRole('region', { name: 'Operation Disaster restore' })).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  await page.screenshot({ path: path.join(SCREENS, 'restore-verified.png'), fullPage: true });

  // The ring, as etcd itself tells it: three voters, the snapshot's keys and none written after.
  const list = parseJsonBig((await ring.etcdctl(['member', 'list', '-w', 'json'])).stdout) as { members: { name: string; isLearner?: boolean }[] };
  expect(list.members.map((m) => m.name).sort()).toEqual(['m1', 'm2', 'm3']);
  expect(list.members.some((m) => m.isLearner)).toBe(false);
  expect((await ring.etcdctl(['endpoint', 'health'])).code).toBe(0);
  const keys = (await ring.etcdctl(['get', '/demo/', '--prefix', '--keys-only'])).stdout.split('\n').filter(Boolean);
  expect(keys).toHaveLength(50);
  expect((await ring.etcdctl(['get', '/after/', '--prefix', '--count-only', '-w', 'json'])).stdout).not.toMatch(/"count":[1-9]/);
  const after = (await ringside.json<RingState>('/api/clusters/demo/ring')).body;
  expect(after.clusterId).not.toBe(before.clusterId);
  expect(after.quorum).toMatchObject({ voters: 3, healthy: 3, hasQuorum: true });
  const hash = (await ringside.json<HashCheck>('/api/clusters/demo/hashkv')).body;
  expect(hash.consistent).toBe(true);
  expect(hash.members.filter((m) => m.verdict === 'agree')).toHaveLength(3);

  // Ringside says the cluster changed instead of showing a mix of two clusters' members.
  await page.goto(`${ringside.url}/clusters/demo`);
  await expect(page.getByRole('list', { name: 'Warnings' })).toContainText(`The cluster ID changed from ${before.clusterId} to ${after.clusterId}`);
  await expect(page.getByRole('list', { name: 'Events' })).toContainText(`The cluster ID changed from ${before.clusterId} to ${after.clusterId}`);
  await expect(page.getByRole('table', { name: 'Members' }).locator('tbody tr')).toHaveCount(3);

  // The audit log holds the restore and every step of it.
  const audit = (await ringside.json<{ entries: AuditEntry[] }>('/api/clusters/demo/audit')).body.entries;
  const done = audit.find((e) => e.action === 'disaster-restore' && e.result === 'ok')!;
  expect(done).toMatchObject({ user: 'alice', params: { backup: backup.id, store: 'local-1' }, details: { previousClusterId: before.clusterId, clusterId: after.clusterId } });
  const steps = (done.details!.steps as { name: string; state: string }[]).map((s) => `${s.state}: ${s.name}`);
  expect(steps).toEqual([
    expect.stringMatching(/^done: Fetch .* and check it/),
    'done: Stop m1 (demo launcher)',
    'done: Stop m2 (demo launcher)',
    'done: Stop m3 (demo launcher)',
    expect.stringMatching(/^done: Restore m1 with etcdctl snapshot restore into a new data dir \(token demo-restore-[0-9a-f]{8}\)$/),
    expect.stringMatching(/^done: Restore m2 with etcdctl/),
    expect.stringMatching(/^done: Restore m3 with etcdctl/),
    'done: Start m1 on its restored data dir',
    'done: Start m2 on its restored data dir',
    'done: Start m3 on its restored data dir',
    'done: Wait for the new ring: 3 healthy voters under a new cluster ID',
    'done: HashKV: every voter agrees at one revision',
    `done: The backup's data: revision and keys as recorded at revision ${backup.revision}`,
  ]);
});

test('the wizard on a phone: no sideways scroll, no squeezed text', async ({ page, ring, ringside }) => {
  test.setTimeout(120_000);
  expect((await ring.etcdctl(['put', '/demo/a', 'b'])).code).toBe(0);
  await page.goto(`${ringside.url}/clusters/demo`);
  await signIn(page);
  await page.getByRole('region', { name: 'Backups' }).getByRole('button', { name: 'Back up now' }).click();
  await expect.poll(async () => (await ringside.json<BackupsResponse>('/api/clusters/demo/backups')).body.snapshots.length, { timeout: 30_000 }).toBe(1);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${ringside.url}/clusters/demo`);
  await expect(page.getByRole('region', { name: 'Backups' }).getByRole('list', { name: 'Stored backups' })).toBeVisible();
  await page.getByRole('region', { name: 'Backups' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SCREENS, 'backups-phone.png') });
  const cluster = await measurePhoneLayout(page);
  expect(cluster.pageScrollWidth).toBeLessThanOrEqual(cluster.viewportWidth);
  expect(cluster.narrow).toEqual([]);

  await page.goto(`${ringside.url}/clusters/demo/restore`);
  await page.getByRole('link', { name: /^Choose the backup of/ }).first().click();
  await expect(page.getByRole('list', { name: 'Preflight checks' })).toBeVisible();
  for (const label of ['Preflight', 'Restore each member', 'Start the members']) {
    if (label !== 'Preflight') await page.getByRole('button', { name: new RegExp(`^Next: ${label}`) }).click();
    await page.screenshot({ path: path.join(SCREENS, `restore-phone-${label.split(' ')[0].toLowerCase()}.png`), fullPage: true });
    const layout = await measurePhoneLayout(page);
    expect(layout.pageScrollWidth, label).toBeLessThanOrEqual(layout.viewportWidth);
    expect(layout.narrow, label).toEqual([]);
  }
});
