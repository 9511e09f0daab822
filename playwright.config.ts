import { defineConfig } from '@playwright/test';

/**
 * Each spec starts its own real etcd ring and its own Ringside server (see e2e/fixtures.ts), so
 * there is no shared webServer here. Browsers are Debian's Chromium: Playwright cannot download
 * its own on these machines.
 */
export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  timeout: 120_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  // Two spec files at a time, each with its own ring, server and browser: 5.4 min instead of 9.4
  // for the 40 tests here, none retried. Tests within a file stay in order.
  workers: 2,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  outputDir: 'test-results/playwright',
  use: {
    browserName: 'chromium',
    viewport: { width: 1440, height: 900 },
    colorScheme: 'dark',
    screenshot: 'only-on-failure',
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
  },
});
