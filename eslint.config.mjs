import nextVitals from 'eslint-config-next/core-web-vitals';
import nextTs from 'eslint-config-next/typescript';

const config = [
  ...nextVitals,
  ...nextTs,
  // Playwright fixtures call their callback `use`, which is not React's hook.
  { files: ['e2e/**/*.ts'], rules: { 'react-hooks/rules-of-hooks': 'off' } },
  // Specs take `test` from e2e/fixtures.ts, whose base fails a test on any console or page error.
  {
    files: ['e2e/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@playwright/test', importNames: ['test', 'chromium'], message: 'Use test or browserTest from ./fixtures: they fail a test on console errors and page errors.' }] },
      ],
    },
  },
  // The server/browser split. Browser code (components, the pages' client parts, and the shared
  // folders below) takes values only from the shared folders: lib/model (labels, thresholds, pure
  // view logic), lib/text (quoting and escaping), lib/api (the contract and its client),
  // lib/query (the cache and the streams) and lib/errors. Everything else in lib/ is the server's
  // engine, which browser code may know by its types alone.
  ...[
    { files: ['components/**/*.{ts,tsx}', 'app/providers.tsx', 'app/**/error.tsx'], regex: '^@/lib/(?!(model|text|api|query)/|errors$)' },
    { files: ['lib/model/**/*.ts', 'lib/text/**/*.ts', 'lib/api/**/*.ts', 'lib/query/**/*.ts'], regex: '^(@/lib/|\\.\\./)(?!(model|text|api|query)/|errors$)' },
  ].map(({ files, regex }) => ({
    files,
    ignores: ['**/*.test.ts', 'lib/text/testing.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex, allowTypeImports: true, message: 'Browser code takes values only from lib/model, lib/text, lib/api, lib/query and lib/errors; from the server engine, import types only (import type).' },
            { group: ['server-only', 'node:*'], message: 'Browser code cannot use server modules.' },
          ],
        },
      ],
    },
  })),
  { ignores: ['.next/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.ringside/**', 'next-env.d.ts', '*.tmp.mjs'] },
];

export default config;
