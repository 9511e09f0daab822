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
  { ignores: ['.next/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.ringside/**', 'next-env.d.ts', '*.tmp.mjs'] },
];

export default config;
