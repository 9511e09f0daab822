import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { keyPath } from '../config/parse';
import { CERTIFICATE_DEFAULTS, certificatesSchema, notificationsSchema, toCertificateSettings, toNotifySettings } from './config';

/** The fragments mounted as lib/config/schema.ts will mount them, with its messages. */
const schema = z.object({ notifications: notificationsSchema.optional(), certificates: certificatesSchema.default(CERTIFICATE_DEFAULTS) }).strict();

function parse(raw: unknown, env: Record<string, string> = {}) {
  const fail = (what: string) => new Error(what);
  const r = schema.safeParse(raw);
  if (!r.success) throw fail(r.error.issues.map((i) => `${keyPath(i.path)}: ${i.message}`).join('\n'));
  return {
    notifications: r.data.notifications && toNotifySettings(r.data.notifications, { env, clusterNames: ['prod', 'staging'], fail }),
    certificates: toCertificateSettings(r.data.certificates),
  };
}

const SECRET = 'a-secret-of-24-characters';

describe('notifications', () => {
  test('a full block: defaults, names, secrets and URLs from the environment', () => {
    const s = parse(
      {
        notifications: {
          externalURL: 'https://ringside.example.com/',
          alertmanagers: [{ url: 'http://am-a:9093/' }, { name: 'am-b', url: 'http://am-b:9093/prefix' }],
          webhooks: [
            { name: 'ops', url: 'https://hooks.example/ringside', secretEnv: 'OPS_SECRET' },
            { name: 'chat', urlEnv: 'SLACK_URL', format: 'slack', severities: ['critical'], clusters: ['prod'] },
          ],
        },
      },
      { OPS_SECRET: SECRET, SLACK_URL: 'https://hooks.slack.com/services/T/B/X' },
    );
    expect(s.notifications).toEqual({
      externalURL: 'https://ringside.example.com',
      resendIntervalMs: 60_000,
      timeoutMs: 10_000,
      queueLimit: 1000,
      alertmanagers: [
        { name: 'alertmanager-1', url: 'http://am-a:9093' },
        { name: 'am-b', url: 'http://am-b:9093/prefix' },
      ],
      webhooks: [
        { name: 'ops', url: 'https://hooks.example/ringside', format: 'json', secret: Buffer.from(SECRET), severities: null, clusters: null },
        { name: 'chat', url: 'https://hooks.slack.com/services/T/B/X', format: 'slack', severities: ['critical'], clusters: ['prod'] },
      ],
    });
    expect(s.certificates).toEqual({ warnDays: 30, criticalDays: 7, checkIntervalMs: 3_600_000 });
  });

  test('without the block there is no delivery, and certificates keep their defaults', () => {
    expect(parse({})).toEqual({ notifications: undefined, certificates: { warnDays: 30, criticalDays: 7, checkIntervalMs: 3_600_000 } });
  });

  const bad: [string, unknown, Record<string, string>, RegExp][] = [
    ['no externalURL', { alertmanagers: [] }, {}, /^notifications\.externalURL: /],
    ['a password in a URL', { externalURL: 'https://r.example', alertmanagers: [{ url: 'http://u:p@am:9093' }] }, {}, /^notifications\.alertmanagers\[0\]\.url: must not hold a user name or password/],
    ['a query on externalURL', { externalURL: 'https://r.example/?x=1' }, {}, /^notifications\.externalURL: must have no \?query/],
    ['not a URL', { externalURL: 'https://r.example', webhooks: [{ name: 'a', url: 'hooks' }] }, {}, /^notifications\.webhooks\[0\]\.url: is not a URL/],
    ['both url and urlEnv', { externalURL: 'https://r.example', webhooks: [{ name: 'a', url: 'https://h', urlEnv: 'X' }] }, {}, /^notifications\.webhooks\[0\]\.url: give exactly one of url and urlEnv/],
    ['neither', { externalURL: 'https://r.example', webhooks: [{ name: 'a' }] }, {}, /give exactly one of url and urlEnv/],
    ['a signed Slack hook', { externalURL: 'https://r.example', webhooks: [{ name: 'a', urlEnv: 'X', format: 'slack', secretEnv: 'S' }] }, {}, /^notifications\.webhooks\[0\]\.secretEnv: Slack incoming webhooks are not signed/],
    ['an unknown format', { externalURL: 'https://r.example', webhooks: [{ name: 'a', url: 'https://h', format: 'teams' }] }, {}, /^notifications\.webhooks\[0\]\.format: /],
    ['an unknown severity', { externalURL: 'https://r.example', webhooks: [{ name: 'a', url: 'https://h', severities: ['page'] }] }, {}, /^notifications\.webhooks\[0\]\.severities\[0\]: /],
    ['duplicate names', { externalURL: 'https://r.example', alertmanagers: [{ url: 'http://a:1' }], webhooks: [{ name: 'alertmanager-1', url: 'https://h' }] }, {}, /^notifications\.webhooks\[0\]\.name: duplicate receiver name "alertmanager-1"/],
    ['a resend interval above Alertmanager’s resolve timeout', { externalURL: 'https://r.example', resendIntervalMs: 300_000 }, {}, /^notifications\.resendIntervalMs: /],
    ['an unknown key', { externalURL: 'https://r.example', webhook: [] }, {}, /^notifications: .*"webhook"/],
    ['an unset secret', { externalURL: 'https://r.example', webhooks: [{ name: 'a', url: 'https://h', secretEnv: 'OPS_SECRET' }] }, {}, /^notifications\.webhooks\[0\]\.secretEnv: \$OPS_SECRET is not set; it must hold the signing secret/],
    ['a short secret', { externalURL: 'https://r.example', webhooks: [{ name: 'a', url: 'https://h', secretEnv: 'OPS_SECRET' }] }, { OPS_SECRET: 'short' }, /^notifications\.webhooks\[0\]\.secretEnv: \$OPS_SECRET is shorter than 16 characters$/],
    ['an unset URL', { externalURL: 'https://r.example', webhooks: [{ name: 'a', urlEnv: 'HOOK' }] }, {}, /^notifications\.webhooks\[0\]\.urlEnv: \$HOOK is not set/],
    ['a URL variable holding no URL', { externalURL: 'https://r.example', webhooks: [{ name: 'a', urlEnv: 'HOOK' }] }, { HOOK: 'hooks.slack.com/x' }, /^notifications\.webhooks\[0\]\.urlEnv: \$HOOK does not hold an http\(s\) URL$/],
    ['an unknown cluster', { externalURL: 'https://r.example', webhooks: [{ name: 'a', url: 'https://h', clusters: ['prod', 'prd'] }] }, {}, /^notifications\.webhooks\[0\]\.clusters\[1\]: no cluster is named "prd"$/],
  ];

  test.each(bad)('%s: one message naming the key', (_, notifications, env, message) => {
    expect(() => parse({ notifications }, env)).toThrow(message);
  });

  test('no message ever holds a secret or a secret URL', () => {
    const secretURL = 'https://hooks.slack.com/services/T0/B0/SECRETPATH';
    for (const [notifications, env] of [
      [{ externalURL: 'https://r.example', webhooks: [{ name: 'a', url: 'https://h', secretEnv: 'S' }] }, { S: 'tiny-secret' }],
      [{ externalURL: 'https://r.example', webhooks: [{ name: 'a', urlEnv: 'U', clusters: ['nope'] }] }, { U: secretURL }],
    ] as const) {
      let message = '';
      try {
        parse({ notifications }, env);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain('tiny-secret');
      expect(message).not.toContain('SECRETPATH');
    }
  });
});

describe('certificates', () => {
  test('thresholds are configurable; critical must come before warning', () => {
    expect(parse({ certificates: { warnDays: 60, criticalDays: 14, checkIntervalMinutes: 10 } }).certificates).toEqual({ warnDays: 60, criticalDays: 14, checkIntervalMs: 600_000 });
    expect(() => parse({ certificates: { warnDays: 7, criticalDays: 7 } })).toThrow(/^certificates\.criticalDays: must be less than warnDays$/);
    expect(() => parse({ certificates: { warn: 7 } })).toThrow(/^certificates: .*"warn"/);
  });
});
