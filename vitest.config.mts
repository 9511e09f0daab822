import { defineConfig } from 'vitest/config';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));

// `server-only` throws outside React's server condition; tests run lib code directly.
const alias = {
  'server-only': path.resolve(root, 'e2e/support/empty.ts'),
  '@': root,
};

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: 'unit', include: ['lib/**/*.test.ts', 'components/**/*.test.ts'], environment: 'node' },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['e2e/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 90_000,
          hookTimeout: 120_000,
          // Two files at a time: most of an integration test is waiting on etcd, timers and a server
          // (381 s instead of 800 s here, every test passing); more would crowd two cores.
          maxWorkers: 2,
        },
      },
    ],
  },
});
