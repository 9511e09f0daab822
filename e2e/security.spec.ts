import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { browserTest as base, expect } from './fixtures';
import { hashToken } from '@/lib/auth/password';
import { EtcdRing } from './harness/ring';
import { RingsideServer } from './support/ringside-server';

const VIEWER_TOKEN = 'noc-viewer-token-5f0c8f5e0b7a4c1e9d2b6a3f8e7d';

interface Fixtures {
  ring: EtcdRing;
  ringside: RingsideServer;
  /** A page on another origin (another loopback port), for clickjacking. */
  attacker: { url: string; serve: (html: string) => void };
}

const test = base.extend<Fixtures>({
  ring: async ({}, use) => {
    const ring = await EtcdRing.start({ size: 1 });
    try {
      await use(ring);
    } finally {
      await ring.close();
    }
  },
  ringside: async ({ ring, browserErrors }, use) => {
    const server = await RingsideServer.start({
      clusters: [{ name: 'demo', endpoints: ring.endpoints(), metrics: { enabled: false } }],
      extraYaml: ['auth:', '  anonymous: none', '  users:', `    - { name: noc, role: viewer, tokenHash: "${hashToken(VIEWER_TOKEN)}" }`].join('\n'),
    });
    try {
      await use(server);
    } finally {
      browserErrors.settle();
      await server.stop();
    }
  },
  attacker: async ({}, use) => {
    let html = '';
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(html);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await use({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, serve: (h) => (html = h) });
    } finally {
      await new Promise((r) => server.close(r));
    }
  },
});

base.describe('clickjacking', () => {
  // The refusals themselves are what Chromium reports, on the attacker's page.
  test.use({ expectedConsoleErrors: /Refused to (display|frame)|ERR_BLOCKED_BY_RESPONSE|violates the following Content Security Policy directive: "frame-ancestors 'none'"/ });

  test('a page on another origin cannot frame any Ringside page, signed in or not', async ({ page, ringside, attacker }) => {
    // Signed in first (the session cookie is SameSite=Strict, but framing must fail on its own).
    await page.goto(`${ringside.url}/signin`);
    await page.getByLabel('API token').fill(VIEWER_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(`${ringside.url}/`);

    const paths = ['/', '/clusters/demo', '/clusters/demo/replace', '/noc', '/timeline', '/signin', '/api/clusters'];
    attacker.serve(`<!doctype html><title>win a prize</title>${paths.map((p) => `<iframe src="${ringside.url}${p}" width="400" height="300"></iframe>`).join('')}`);
    await page.goto(attacker.url);
    await page.waitForLoadState('load');
    const frames = page.frames().filter((f) => f !== page.mainFrame());
    expect(frames).toHaveLength(paths.length);
    for (const frame of frames) {
      // A blocked frame is Chromium's error page: nothing of Ringside rendered, nothing to click.
      expect(frame.url(), frame.url()).toBe('chrome-error://chromewebdata/');
      expect(await frame.locator('text=Ringside').count()).toBe(0);
    }
    await page.screenshot({ path: 'test-results/screens/framing-blocked.png' });
  });
});

base.describe('anonymous: none', () => {
  // The wrong token's 401 is logged by Chromium as a failed resource load.
  test.use({ expectedConsoleErrors: /status of 401/ });

  test('anonymous: none: the wall screen signs in once with a viewer token, which never appears in a URL', async ({ page, ringside }) => {
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    await page.goto(`${ringside.url}/noc?cycle=20`);
    await expect(page).toHaveURL(`${ringside.url}/signin?next=%2Fnoc%3Fcycle%3D20`);
    await expect(page.getByRole('heading', { name: 'Sign in to Ringside' })).toBeVisible();
    await page.screenshot({ path: 'test-results/screens/signin.png' });
    await page.getByLabel('API token').fill(VIEWER_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(`${ringside.url}/noc?cycle=20`);
    await expect(page.getByRole('listitem', { name: /^demo: / })).toBeVisible();
    await expect(page.getByRole('status', { name: 'Live' })).toBeVisible();
    expect(urls.filter((u) => u.includes(VIEWER_TOKEN))).toEqual([]);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'ringside_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(JSON.stringify(cookies)).not.toContain(VIEWER_TOKEN);
    // A wrong token says so, in words.
    await page.context().clearCookies();
    await page.goto(`${ringside.url}/noc`);
    await page.getByLabel('API token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('form', { name: 'Sign in' }).getByRole('alert')).toHaveText('that API token is not valid');
  });
});
