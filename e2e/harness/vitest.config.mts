// Stand-alone config for the harness self-test (the root config's projects do not include it).
// Run from the repo root: npx vitest run --config e2e/harness/vitest.config.mts
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)), // repo root, so caches land in its node_modules
    include: ['e2e/harness/ring.selftest.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
