import { test as base, expect, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { EtcdRing } from './harness/ring';
import { RingsideServer } from './support/ringside-server';

/** The cluster page, by what a person sees: roles, labels and text. */
export class ClusterPage {
  readonly members: Locator;
  readonly quorum: Locator;
  readonly events: Locator;
  readonly ring: Locator;

  constructor(readonly page: Page) {
    this.members = page.getByRole('table', { name: 'Members' });
    this.quorum = page.getByRole('status', { name: 'Quorum' });
    this.events = page.getByRole('list', { name: 'Events' });
    this.ring = page.getByRole('img', { name: /^Ring of/ });
  }

  async goto(baseURL: string, cluster: string) {
    await this.page.goto(`${baseURL}/clusters/${cluster}`);
    await expect(this.members).toBeVisible();
  }

  row(name: string): Locator {
    return this.members.getByRole('row', { name, exact: true });
  }

  /** The status cell of a member: Leader, Follower, Learner, Down or Not started. */
  status(name: string): Locator {
    return this.row(name).getByRole('cell').nth(1);
  }

  live(): Locator {
    return this.page.getByRole('status', { name: 'Live', exact: true });
  }

  stale(): Locator {
    return this.page.getByRole('status', { name: 'Stale', exact: true });
  }

  staleBanner(): Locator {
    return this.page.getByRole('alert').filter({ hasText: 'Not live.' });
  }
}

/**
 * The base of every spec: collects console errors and uncaught page errors from every page the
 * test opens (the `page` fixture's, `context.newPage()`, `browser.newContext()`), and fails the
 * test if there was any. A hydration mismatch, a failed render or a 500 behind a fetch shows up
 * here even when the assertions pass. `expectedConsoleErrors` lets a test that breaks something
 * on purpose (stops the server under an open page) name exactly what that causes.
 */
interface BrowserErrors {
  errors: string[];
  /** Starts collecting from a context (contexts the browser opens are watched already). */
  watch(ctx: BrowserContext): void;
  /**
   * Stops collecting: the test is over and its fixtures are tearing down. A fixture that stops a
   * server calls this first, since pages still open on it would report the server going away.
   */
  settle(): void;
}

export const browserTest = base.extend<{ browserErrors: BrowserErrors; expectedConsoleErrors: RegExp | null }>({
  // One pattern (an alternation for several): test.use() reads an array as [value, options].
  expectedConsoleErrors: [null, { option: true }],
  browserErrors: [
    async ({ browser, expectedConsoleErrors }, use) => {
      const errors: string[] = [];
      let settled = false;
      const watched = new WeakSet<BrowserContext>();
      const watch = (ctx: BrowserContext) => {
        if (watched.has(ctx)) return;
        watched.add(ctx);
        ctx.on('console', (m) => {
          if (settled || m.type() !== 'error') return;
          const text = `console.error at ${m.location().url || m.page()?.url() || '?'}: ${m.text()}`;
          if (!expectedConsoleErrors?.test(text)) errors.push(text);
        });
        ctx.on('weberror', (e) => {
          if (!settled) errors.push(`uncaught in ${e.page()?.url() ?? '?'}: ${e.error().stack ?? e.error().message}`);
        });
      };
      browser.contexts().forEach(watch);
      browser.on('context', watch);
      await use({ errors, watch, settle: () => void (settled = true) });
      browser.off('context', watch);
      expect(errors, 'console errors and uncaught page errors in the browser').toEqual([]);
    },
    { auto: true },
  ],
  // The default page's context too, however Playwright made it.
  context: async ({ context, browserErrors }, use) => {
    browserErrors.watch(context);
    await use(context);
  },
});

interface Fixtures {
  ring: EtcdRing;
  ringside: RingsideServer;
  clusterPage: ClusterPage;
}

/**
 * A fresh 3-member ring of real etcd and a Ringside server watching it, per test: tests kill
 * members, so none shares a ring. Both are stopped by PID even when the test fails.
 */
export const test = browserTest.extend<Fixtures>({
  ring: async ({}, use) => {
    const ring = await EtcdRing.start({ size: 3 });
    try {
      await use(ring);
    } finally {
      await ring.close();
    }
  },
  ringside: async ({ ring, browserErrors }, use) => {
    const logFiles = ring.members.map((m) => ({ path: m.logFile, member: m.name }));
    const server = await RingsideServer.start({ clusters: [{ name: 'demo', endpoints: [ring.endpoints()[0]], logFiles }] });
    try {
      await use(server);
    } finally {
      browserErrors.settle();
      await server.stop();
    }
  },
  clusterPage: async ({ page }, use) => {
    await use(new ClusterPage(page));
  },
});

export { expect };
