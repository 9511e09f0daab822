import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashToken } from '@/lib/auth/password';
import { expect, test as ringTest } from './fixtures';
import { OpsClient } from './support/ops-client';
import { RingsideServer } from './support/ringside-server';

const TOKEN = 'timeline-e2e-token-0123456789abcdef0123';

const test = ringTest.extend<{ dataDir: string }>({
  dataDir: async ({}, use) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-timeline-e2e-'));
    try {
      await use(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
});

test('the timeline shows a kill, a leader change and a snapshot action in order, and still after Ringside restarts', async ({ page, ring, dataDir, browserErrors }) => {
  test.setTimeout(120_000);
  const options = {
    clusters: [{ name: 'demo', endpoints: ring.members.map((m) => m.clientURL), metrics: { enabled: false } }],
    dataDir: path.join(dataDir, 'data'),
    extraYaml: ['auth:', '  users:', `    - { name: alice, role: operator, tokenHash: "${hashToken(TOKEN)}" }`, 'backups:', `  dir: ${path.join(dataDir, 'backups')}`].join('\n'),
  };
  let server = await RingsideServer.start(options);
  try {
    await expect.poll(async () => (await server.json<{ leader: string | null }>('/api/clusters/demo/ring')).body.leader).not.toBeNull();
    const leader = (await ring.leaderName())!;
    const follower = ring.members.find((m) => m.name !== leader)!.name;
    await ring.kill(follower);
    await page.goto(`${server.url}/timeline?cluster=demo&last=1h`);
    const rows = page.getByRole('list', { name: 'Timeline' }).getByRole('listitem');
    await expect(rows.and(page.locator(`[data-kind="member-down"][data-member="${follower}"]`))).toHaveCount(1);
    await ring.kill(leader);
    await ring.restart(follower);
    await expect(rows.and(page.locator('[data-kind="leader-changed"]')).first()).toBeVisible({ timeout: 30_000 });
    expect((await new OpsClient(server.url, TOKEN).run('demo', '/backups')).state).toBe('succeeded');
    await expect(rows.and(page.locator('[data-kind="action"]'))).toContainText('alice saved a snapshot of');

    // Newest first on the page: the action above the leader change above the kill.
    const order = async () => (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).filter((k) => ['member-down', 'leader-changed', 'action'].includes(k!));
    const before = await order();
    expect(before.indexOf('action')).toBeLessThan(before.indexOf('leader-changed'));
    expect(before.lastIndexOf('leader-changed')).toBeLessThan(before.lastIndexOf('member-down'));
    await page.mouse.move(2, 2);
    await page.screenshot({ path: 'test-results/screens/timeline.png', fullPage: true });

    // A permalink pins the window to absolute times.
    await page.getByRole('button', { name: 'Permalink' }).click();
    await expect(page).toHaveURL(/from=.*&to=/);
    const permalink = page.url();

    // Ringside restarts; the same permalink shows the same history. The page is left first: a
    // page still open would keep asking the stopped server (its stream, its icon) and log refusals.
    await page.goto('about:blank');
    await server.stop();
    server = await RingsideServer.start({ ...options, port: Number(new URL(permalink).port) });
    await page.goto(permalink);
    await expect.poll(order, { timeout: 15_000 }).toEqual(before);

    // Filters: only actions.
    await page.getByRole('button', { name: 'Operator actions' }).click();
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toHaveAttribute('data-kind', 'action');
  } finally {
    browserErrors.settle();
    await server.stop();
  }
});
