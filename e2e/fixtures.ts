import { test as base, expect, type Locator, type Page } from '@playwright/test';
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
    return this.page.getByRole('status', { name: 'Live' });
  }

  stale(): Locator {
    return this.page.getByRole('status', { name: 'Stale' });
  }

  staleBanner(): Locator {
    return this.page.getByRole('alert').filter({ hasText: 'Not live.' });
  }
}

interface Fixtures {
  ring: EtcdRing;
  ringside: RingsideServer;
  clusterPage: ClusterPage;
}

/**
 * A fresh 3-member ring of real etcd and a Ringside server watching it, per test: tests kill
 * members, so none shares a ring. Both are stopped by PID even when the test fails.
 */
export const test = base.extend<Fixtures>({
  ring: async ({}, use) => {
    const ring = await EtcdRing.start({ size: 3 });
    try {
      await use(ring);
    } finally {
      await ring.close();
    }
  },
  ringside: async ({ ring }, use) => {
    const logFiles = ring.members.map((m) => ({ path: m.logFile, member: m.name }));
    const server = await RingsideServer.start({ clusters: [{ name: 'demo', endpoints: [ring.endpoints()[0]], logFiles }] });
    try {
      await use(server);
    } finally {
      await server.stop();
    }
  },
  clusterPage: async ({ page }, use) => {
    await use(new ClusterPage(page));
  },
});

export { expect };
