import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { RingsideServer, runUntilExit } from '../support/ringside-server';

/** The built server with a bad config must stop with one readable line, not a stack trace. */
describe('Ringside refuses to start on a bad config', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-cfg-'));
  const notPem = path.join(dir, 'ca.txt');
  writeFileSync(notPem, 'hello');

  test.each([
    ['a malformed URL', 'clusters:\n  - name: a\n    endpoints: [10.0.0.1:2379]\n', 'clusters[0].endpoints[0]: "10.0.0.1:2379"'],
    ['an unknown key', 'clusters:\n  - name: a\n    endpoints: [http://127.0.0.1:2379]\npollIntervalMS: 5\n', 'unknown key "pollIntervalMS"'],
    ['an unreadable certificate', 'clusters:\n  - name: a\n    endpoints: [https://127.0.0.1:2379]\n    tls: {ca: /nonexistent/ca.crt}\n', 'clusters[0].tls.ca: cannot read "/nonexistent/ca.crt" (no such file)'],
    ['a file that is not a certificate', `clusters:\n  - name: a\n    endpoints: [https://127.0.0.1:2379]\n    tls: {ca: ${notPem}}\n`, 'is not a PEM file'],
    ['broken YAML', 'clusters: [\n', 'not valid YAML'],
    [
      'a webhook secret whose variable is not set',
      'clusters:\n  - name: a\n    endpoints: [http://127.0.0.1:2379]\nnotifications:\n  externalURL: https://ringside.example\n  webhooks: [{ name: ops, url: "https://hooks.example/x", secretEnv: RINGSIDE_TEST_UNSET_SECRET }]\n',
      'notifications.webhooks[0].secretEnv: $RINGSIDE_TEST_UNSET_SECRET is not set',
    ],
    ['certificate thresholds the wrong way round', 'clusters:\n  - name: a\n    endpoints: [http://127.0.0.1:2379]\ncertificates: { warnDays: 7, criticalDays: 30 }\n', 'certificates.criticalDays: must be less than warnDays'],
  ])('%s', async (_what, yaml, expected) => {
    const { code, output } = await runUntilExit(yaml);
    expect(code).toBe(1);
    expect(output).toContain(expected);
    expect(output).not.toMatch(/^\s+at /m);
  });

  test('a missing config file', async () => {
    const { code, output } = await runUntilExit(null);
    expect(code).toBe(1);
    expect(output).toContain('cannot read the file (no such file)');
  });

  test('without any config the UI explains how to configure it or start the demo', async () => {
    const server = await RingsideServer.start({ clusters: [], configVia: 'none' });
    try {
      const html = await (await fetch(server.url)).text();
      expect(html).toContain('Ringside is not configured yet');
      expect(html).toContain('RINGSIDE_CONFIG');
      expect(html).toContain('npm run demo');
    } finally {
      await server.stop();
    }
  });

  test('./ringside.yaml in the working directory is used when RINGSIDE_CONFIG is unset', async () => {
    const server = await RingsideServer.start({ clusters: [{ name: 'from-cwd', endpoints: ['http://127.0.0.1:1'] }], configVia: 'cwd' });
    try {
      const { body } = await server.json<{ clusters: { name: string }[] }>('/api/clusters');
      expect(body.clusters.map((c) => c.name)).toEqual(['from-cwd']);
    } finally {
      await server.stop();
    }
  });
});
