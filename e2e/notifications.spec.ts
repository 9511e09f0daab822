import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { hashPassword } from '@/lib/auth/password';
import { browserTest, expect } from './fixtures';
import { EtcdRing } from './harness/ring';
import { measurePhoneLayout } from './support/layout';
import { RingsideServer } from './support/ringside-server';
import { WebhookReceiver } from './support/webhook-receiver';

// Issue 15 in the browser: the Notifications page (each receiver's state, the operator's test
// alert, viewers reading only), and the cluster page's certificates on a TLS ring whose
// certificates expire in 3 days. Real etcd, a real Ringside, receivers of the test's own.

const PASSWORD = 'correct horse battery staple';
const SCREENS = path.join('test-results', 'screens');

interface World {
  ring: EtcdRing;
  receiver: WebhookReceiver;
  ringside: RingsideServer;
}

/** A TLS ring whose certificates (CA, servers, client) openssl made with -days 3, watched by a Ringside that delivers to two webhooks: one that works, one that answers 500. */
const test = browserTest.extend<World>({
  ring: async ({}, use) => {
    const ring = await EtcdRing.start({ size: 3, name: 'c', tls: true, tlsOptions: { days: 3 } });
    try {
      await use(ring);
    } finally {
      await ring.close();
    }
  },
  receiver: async ({}, use) => {
    const r = await WebhookReceiver.start();
    r.answer = (p) => (p === '/broken' ? 500 : 200);
    try {
      await use(r);
    } finally {
      await r.stop();
    }
  },
  ringside: async ({ ring, receiver, browserErrors }, use) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-notify-e2e-'));
    const hash = await hashPassword(PASSWORD);
    const server = await RingsideServer.start({
      clusters: [{ name: 'tls', endpoints: [ring.endpoints()[0]], tls: { ca: ring.tls!.ca, cert: ring.tls!.cert, key: ring.tls!.key }, metrics: { enabled: false } }],
      dataDir: path.join(dir, 'data'),
      env: { RINGSIDE_E2E_HOOK_SECRET: 'a-signing-secret-for-the-e2e-test' },
      extraYaml: [
        'auth:',
        '  users:',
        `    - { name: alice, role: operator, passwordHash: "${hash}" }`,
        `    - { name: victor, role: viewer, passwordHash: "${hash}" }`,
        'notifications:',
        '  externalURL: https://ringside.example.test',
        '  webhooks:',
        `    - { name: ops, url: "${receiver.url('/ops')}", secretEnv: RINGSIDE_E2E_HOOK_SECRET, severities: [critical] }`,
        `    - { name: broken, url: "${receiver.url('/broken')}" }`,
      ].join('\n'),
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

const receivers = (page: Page) => page.getByRole('list', { name: 'Receivers' });

test('the Notifications page: each receiver’s state; a viewer reads only; an operator’s test alert gives each receiver’s result and is recorded', async ({ page, ringside, receiver }) => {
  test.setTimeout(120_000);
  await page.goto(ringside.url);
  await page.getByRole('link', { name: 'Notifications' }).click();
  await expect(page.getByRole('heading', { name: 'Notifications' })).toBeVisible();
  await expect(page.getByText('Alerts go to 2 webhooks; links in them open https://ringside.example.test.')).toBeVisible();
  // Certificates expiring in 3 days fire at once: ops (critical only) gets them, broken fails.
  await expect(receivers(page).getByRole('listitem', { name: 'ops' })).toHaveAttribute('data-state', 'Delivering', { timeout: 30_000 });
  const broken = receivers(page).getByRole('listitem', { name: 'broken' });
  await expect(broken).toHaveAttribute('data-state', 'Failing');
  await expect(broken).toContainText(/Failing since \d\d:\d\d:\d\d/);
  await expect(broken).toContainText('Last error: HTTP 500: receiver says no');
  await expect(receivers(page).getByRole('listitem', { name: 'ops' })).toContainText('Webhook (JSON), signed · critical only');
  // Only the origin: a webhook URL's path can be its secret.
  await expect(broken).toContainText(`http://127.0.0.1:${receiver.port}`);
  await expect(page.getByRole('main')).not.toContainText('/broken');
  const log = page.getByRole('list', { name: 'Delivery log' });
  await expect(log.locator('[data-action="notify-failed"]').first()).toContainText('broken: HTTP 500: receiver says no');

  // Nobody signed in: the button is there, off, with the reason.
  const send = page.getByRole('button', { name: 'Send test alert' });
  await expect(send).toBeDisabled();
  await expect(page.getByText('Sign in as an operator to act.')).toBeVisible();
  await signIn(page, 'victor');
  await expect(send).toBeDisabled();
  await expect(page.getByText('victor is a viewer; only operators can act.')).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();

  await signIn(page, 'alice');
  const before = receiver.received.length;
  await send.click();
  const results = page.getByRole('status', { name: 'Test alert results' });
  await expect(results).toContainText('1 of 2 receivers got it.');
  await expect(results.locator('[data-ok="true"]')).toHaveText('ops: delivered');
  await expect(results.locator('[data-ok="false"]')).toHaveText('broken: HTTP 500: receiver says no');
  // Whatever its filters: ops takes critical alerts only, and still got the test.
  const tests = receiver.received.slice(before).filter((r) => JSON.parse(r.body.toString()).test === true);
  expect(tests.map((r) => r.path).sort()).toEqual(['/broken', '/ops']);
  await expect(log.locator('[data-action="notify-test"][data-result="failed"]')).toContainText('by alice: 1 of 2 receivers got it (broken: HTTP 500: receiver says no)');
  await page.screenshot({ path: path.join(SCREENS, 'notifications.png'), fullPage: true });
});

test('a TLS ring whose certificates expire in 3 days: each member’s certificate with its days left, and the critical alert naming it and the date', async ({ page, ringside, ring }) => {
  test.setTimeout(120_000);
  await page.goto(`${ringside.url}/clusters/tls`);
  const table = page.getByRole('table', { name: 'Certificates' });
  for (const m of ['c1', 'c2', 'c3']) {
    const row = table.getByRole('row', { name: m, exact: true });
    await expect(row).toContainText('Critical · 2 days left', { timeout: 30_000 });
    await expect(row).toContainText('Yes (localhost)');
    await expect(row).toContainText('IP Address:127.0.0.1, DNS:localhost');
  }
  await expect(table.getByRole('row', { name: 'CA (tls.ca)' })).toContainText('Critical · 2 days left');
  await expect(table.getByRole('row', { name: 'Ringside (tls.cert)' })).toContainText('CN=ringside-client');
  const day = (await ringside.json<{ members: { endpoints: { chain: { notAfter: string }[] }[] }[] }>('/api/clusters/tls/certificates')).body.members[0].endpoints[0].chain[0].notAfter.slice(0, 10);
  const alerts = page.getByRole('region', { name: 'Alerts' });
  for (const m of ['c1', 'c2', 'c3']) {
    // The member's soonest certificate: its server certificate, or the CA in its chain (made a moment earlier).
    const named = new RegExp(`${m}: (server certificate CN=localhost|CA certificate in the chain CN=ringside-test-ca) on ${ring.member(m).clientURL.replace(/[.]/g, '\\.')} expires on ${day}`);
    await expect(alerts.getByRole('listitem', { name: 'ringsideCertificateExpiry firing' }).filter({ hasText: named })).toContainText('Critical');
  }
  // Triage points at the certificates.
  await expect(page.getByRole('region', { name: 'Triage' }).getByRole('link', { name: 'See the certificates' }).first()).toBeVisible();
  await page.getByRole('region', { name: 'Certificates' }).screenshot({ path: path.join(SCREENS, 'certificates.png') });
  await page.screenshot({ path: path.join(SCREENS, 'cluster-certificates.png'), fullPage: true });
});

test.describe('on a phone (390x844)', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  async function expectReadable(page: Page, what: string) {
    const layout = await measurePhoneLayout(page);
    expect(layout.pageScrollWidth, `${what}: the page scrolls sideways`).toBeLessThanOrEqual(390);
    expect(layout.narrow, `${what}: text squeezed into columns narrower than 120 px`).toEqual([]);
  }

  test('the Notifications page and the certificates read without sideways scrolling or squeezed text', async ({ page, ringside }) => {
    test.setTimeout(120_000);
    await page.goto(`${ringside.url}/notifications`);
    await expect(receivers(page).getByRole('listitem', { name: 'broken' })).toHaveAttribute('data-state', 'Failing', { timeout: 30_000 });
    await expectReadable(page, 'notifications');
    await page.screenshot({ path: path.join(SCREENS, 'notifications-phone.png'), fullPage: true });
    await page.goto(`${ringside.url}/clusters/tls`);
    await expect(page.getByRole('table', { name: 'Certificates' }).getByRole('row', { name: 'c1', exact: true })).toContainText('2 days left', { timeout: 30_000 });
    await expectReadable(page, 'cluster page with certificates');
    await page.getByRole('region', { name: 'Certificates' }).screenshot({ path: path.join(SCREENS, 'certificates-phone.png') });
  });
});
