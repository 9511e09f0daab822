import { describe, expect, test } from 'vitest';
import { ConfigError, parseConfig } from './parse';

const PEM = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

/** parseConfig against an in-memory file system. */
function parse(yaml: string, files: Record<string, Buffer> = {}) {
  const fs: Record<string, Buffer> = { '/etc/ringside/ringside.yaml': Buffer.from(yaml), ...files };
  return parseConfig('/etc/ringside/ringside.yaml', (p) => {
    const f = fs[p];
    if (!f) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return f;
  });
}

function errorOf(yaml: string, files?: Record<string, Buffer>): string {
  try {
    parse(yaml, files);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  test('the PRODUCT.md example with defaults filled in', () => {
    const c = parse(
      `clusters:\n  - name: prod\n    endpoints: [https://10.0.0.1:2379]\n    tls:\n      ca: ca.crt\n      cert: /abs/client.crt\n      key: /abs/client.key\n`,
      { '/etc/ringside/ca.crt': PEM, '/abs/client.crt': PEM, '/abs/client.key': Buffer.from('-----BEGIN PRIVATE KEY-----\n') },
    );
    expect(c.pollIntervalMs).toBe(1000);
    expect(c.hashCheckIntervalMs).toBe(10000);
    expect(c.requestTimeoutMs).toBe(800);
    expect(c.clusters[0].name).toBe('prod');
    expect(c.clusters[0].endpoints).toEqual(['https://10.0.0.1:2379']);
    // Relative TLS paths are relative to the config file.
    expect(c.clusters[0].tls?.ca?.toString()).toContain('BEGIN CERTIFICATE');
  });

  test('explicit intervals; the request deadline follows a short poll interval', () => {
    const c = parse(`pollIntervalMs: 500\nhashCheckIntervalMs: 5000\nclusters:\n  - name: a\n    endpoints: [http://127.0.0.1:2379/]\n`);
    expect(c.pollIntervalMs).toBe(500);
    expect(c.requestTimeoutMs).toBe(400);
    expect(c.clusters[0].endpoints).toEqual(['http://127.0.0.1:2379']);
  });

  test('log sources: files relative to the config, Kubernetes with its defaults', () => {
    const c = parse(
      `clusters:\n  - name: a\n    endpoints: [http://127.0.0.1:2379]\n    logs:\n      files:\n        - path: logs/m1.log\n          member: m1\n      kubernetes: {}\n`,
    );
    expect(c.clusters[0].logs).toEqual({
      files: [{ path: '/etc/ringside/logs/m1.log', member: 'm1' }],
      backlogBytes: 1024 * 1024,
      kubernetes: { namespace: 'kube-system', labelSelector: 'component=etcd', kubeconfig: undefined },
    });
    const small = parse(`clusters:\n  - name: a\n    endpoints: [http://127.0.0.1:2379]\n    logs:\n      backlogBytes: 0\n      files: [{ path: m1.log }]\n`);
    expect(small.clusters[0].logs?.backlogBytes).toBe(0);
  });

  test('metrics sources and alert overrides, with their defaults', () => {
    const c = parse(
      `alerts:\n  etcdMembersDown: { forMs: 60000 }\n  etcdHighCommitDurations: { disabled: true }\nclusters:\n  - name: a\n    endpoints: [http://127.0.0.1:2379]\n    metrics:\n      urls: { m1: "http://127.0.0.1:2381/" }\n  - name: b\n    endpoints: [http://127.0.0.1:2379]\n`,
    );
    expect(c.alerts).toEqual({ etcdMembersDown: { forMs: 60000 }, etcdHighCommitDurations: { disabled: true } });
    expect(c.clusters[0].metrics).toEqual({ enabled: true, urls: { m1: 'http://127.0.0.1:2381' }, scheme: 'http' });
    expect(c.clusters[1].metrics).toEqual({ enabled: true, urls: {}, scheme: 'http' });
    expect(c.metricsIntervalMs).toBe(15_000);
  });

  test('the /metrics scrape period: the deployment’s, and a cluster’s own', () => {
    const c = parse(`metricsIntervalMs: 30000\nclusters:\n  - name: a\n    endpoints: [http://127.0.0.1:2379]\n    metrics: { intervalMs: 5000 }\n  - name: b\n    endpoints: [http://127.0.0.1:2379]\n`);
    expect(c.metricsIntervalMs).toBe(30_000);
    expect(c.clusters[0].metrics?.intervalMs).toBe(5000);
    expect(c.clusters[1].metrics?.intervalMs).toBeUndefined();
  });

  test.each([
    ['an unknown log source', 'clusters: [{name: a, endpoints: ["http://127.0.0.1:2379"], logs: {journald: {}}}]\n', 'clusters[0].logs: unknown key "journald"'],
    ['a negative log backlog', 'clusters: [{name: a, endpoints: ["http://127.0.0.1:2379"], logs: {backlogBytes: -1, files: []}}]\n', 'clusters[0].logs.backlogBytes:'],
    ['a log file without a path', 'clusters: [{name: a, endpoints: ["http://127.0.0.1:2379"], logs: {files: [{member: m1}]}}]\n', 'clusters[0].logs.files[0].path: is required'],
    ['an empty file', '', 'the file is empty'],
    ['broken YAML', 'clusters: [\n', 'not valid YAML at line'],
    ['a list at the top', '- a\n', 'expected a mapping'],
    ['no clusters', 'pollIntervalMs: 1000\n', 'clusters: is required'],
    ['an unknown top-level key', 'clusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\npollInterval: 5\n', '(top level): unknown key "pollInterval"'],
    ['an unknown cluster key', 'clusters: [{name: a, endpoints: ["http://127.0.0.1:2379"], endpoint: x}]\n', 'clusters[0]: unknown key "endpoint"'],
    ['a malformed URL', 'clusters: [{name: a, endpoints: ["http://127.0.0.1:2379", "10.0.0.1:2379"]}]\n', 'clusters[0].endpoints[1]: "10.0.0.1:2379"'],
    ['a URL without a port', 'clusters: [{name: a, endpoints: ["http://10.0.0.1"]}]\n', 'has no port'],
    ['a URL with a path', 'clusters: [{name: a, endpoints: ["http://10.0.0.1:2379/v3"]}]\n', 'no path'],
    ['a name with capitals', 'clusters: [{name: Prod, endpoints: ["http://127.0.0.1:2379"]}]\n', 'clusters[0].name: must be lower-case'],
    ['duplicate names', 'clusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}, {name: a, endpoints: ["http://127.0.0.1:2379"]}]\n', 'clusters[1].name: duplicate cluster name "a"'],
    ['no endpoints', 'clusters: [{name: a, endpoints: []}]\n', 'clusters[0].endpoints: needs at least one'],
    ['a string poll interval', 'pollIntervalMs: fast\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n', 'pollIntervalMs: expected number, got string'],
    ['an unknown alert rule', 'alerts: {etcdMemberDown: {forMs: 1000}}\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n', 'alerts.etcdMemberDown: unknown alert rule; the rules are etcdNoLeader'],
    ['a negative alert for', 'alerts: {etcdMembersDown: {forMs: -5}}\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n', 'alerts.etcdMembersDown.forMs'],
    ['an unknown alert override key', 'alerts: {etcdMembersDown: {for: 5m}}\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n', 'alerts.etcdMembersDown: unknown key "for"'],
    ['a malformed metrics URL', 'clusters: [{name: a, endpoints: ["http://127.0.0.1:2379"], metrics: {urls: {m1: "127.0.0.1:2381"}}}]\n', 'clusters[0].metrics.urls.m1: "127.0.0.1:2381" is not a URL'],
    ['a scrape period below the poll interval', 'pollIntervalMs: 2000\nmetricsIntervalMs: 1000\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n', 'metricsIntervalMs: must be at least pollIntervalMs (2000)'],
    ['a cluster’s scrape period below the poll interval', 'clusters: [{name: a, endpoints: ["http://127.0.0.1:2379"], metrics: {intervalMs: 500}}]\n', 'clusters[0].metrics.intervalMs:'],
    ['a cluster’s scrape period under a poll', 'pollIntervalMs: 5000\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"], metrics: {intervalMs: 2000}}]\n', 'clusters[0].metrics.intervalMs: must be at least pollIntervalMs (5000)'],
    ['an unknown metrics key', 'clusters: [{name: a, endpoints: ["http://127.0.0.1:2379"], metrics: {interval: 5000}}]\n', 'clusters[0].metrics: unknown key "interval"'],
    ['a metrics scheme that is not http(s)', 'clusters: [{name: a, endpoints: ["http://127.0.0.1:2379"], metrics: {port: 2381, scheme: grpc}}]\n', 'clusters[0].metrics.scheme'],
    ['a plain password', 'auth: {users: [{name: alice, role: operator, passwordHash: hunter2hunter2}]}\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n', 'auth.users[0].passwordHash: must be a hash from `npm run hash-password`'],
    ['a user with no credential', 'auth: {users: [{name: alice, role: operator}]}\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n', 'needs a passwordHash or a tokenHash'],
    ['an unknown role', 'auth: {users: [{name: alice, role: admin, tokenHash: x}]}\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n', 'auth.users[0].role'],
    ['a duplicate user', 'auth: {users: [{name: a, role: viewer, tokenHash: "sha256$0000000000000000000000000000000000000000000000000000000000000000"}, {name: a, role: viewer, tokenHash: "sha256$1111111111111111111111111111111111111111111111111111111111111111"}]}\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n', 'auth.users[1].name: duplicate user "a"'],
    ['a launcher off loopback', 'clusters: [{name: a, endpoints: ["http://127.0.0.1:2379"], launcher: "http://10.0.0.1:9000"}]\n', 'clusters[0].launcher: must be a loopback http:// URL'],
    ['backups without a store', 'backups: {keep: 3}\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n', 'backups.stores: is required'],
    ['a backup schedule without a unit', 'backups: {dir: b, every: 30}\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n', 'backups.every: expected a duration such as 30m, 24h or 7d (a bare number has no unit)'],
    ['backups for a cluster that does not exist', 'backups: {dir: b, clusters: {prod: {every: 1h}}}\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n', 'backups.clusters.prod: no cluster named "prod" in clusters (have a)'],
    ['a scan schedule without a unit', 'capacity: {scan: {every: 60}}\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n', 'capacity.scan.every: expected a duration such as 30m, 6h or 1d (a bare number has no unit)'],
    ['a defrag rule etcd has no figure for', 'capacity: {defrag: {rules: ["fragmentation > 50%"]}}\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n', 'capacity.defrag.rules[0]: unknown figure "fragmentation"'],
    ['a share compared in bytes', 'capacity: {defrag: {rules: ["free > 1GiB", "inUse < 50MB"]}}\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n', 'capacity.defrag.rules[1]: inUse is a share, compared in % (e.g. inUse < 50%)'],
    ['a scheduled defragment without rules', 'capacity: {defrag: {every: 6h}}\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n', 'capacity.defrag.every: a scheduled defragment needs rules'],
    ['capacity for a cluster that does not exist', 'capacity: {clusters: {prod: {scan: {every: 1h}}}}\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n', 'capacity.clusters.prod: no cluster named "prod" in clusters (have a)'],
    ['an unknown capacity key', 'capacity: {scan: {evry: 1h}}\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n', 'capacity.scan: unknown key "evry"'],
    ['a cert without its key', 'clusters: [{name: a, endpoints: ["https://127.0.0.1:2379"], tls: {cert: /c.pem}}]\n', 'clusters[0].tls.key: cert and key must be given together'],
  ])('%s is rejected with a message naming the key', (_what, yaml, expected) => {
    const msg = errorOf(yaml);
    expect(msg).toContain('Ringside config /etc/ringside/ringside.yaml: ');
    expect(msg).toContain(expected);
  });

  test('access, backups and ops settings: defaults, paths relative to the config, and the key from the environment', () => {
    const c = parse(`auth: {users: [{name: alice, role: operator, tokenHash: "sha256$${'a'.repeat(64)}"}], sessionIdleMinutes: 5}\nbackups: {dir: b}\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n`);
    expect(c.readOnly).toBe(false);
    expect(c.auth).toMatchObject({ sessionIdleMs: 300_000, sessionMaxMs: 12 * 3_600_000, allowedOrigins: [] });
    expect(c.auditFile).toBe('/etc/ringside/ringside-data/audit.jsonl');
    // Today's `backups: { dir }` is one local store, relative to the config file, on demand only.
    expect(c.backups).toEqual({
      workDir: '/etc/ringside/ringside-data/backups-work',
      clusters: {
        a: {
          stores: [{ kind: 'local', dir: '/etc/ringside/b' }],
          everyMs: null,
          staleAfterMs: null,
          retention: { keep: 10, generations: null },
          drill: { everyMs: null, etcd: null, etcdctl: null, etcdutl: null },
        },
      },
    });
    expect(c.ops).toEqual({ snapshotMaxAgeMs: 3_600_000, promoteTimeoutMs: 120_000 });
  });

  test('capacity: every default without the block; per-cluster keys replace the top level’s; paths relative to the config', () => {
    const plain = parse('clusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n');
    expect(plain.capacity.workDir).toBe('/etc/ringside/ringside-data/capacity-work');
    expect(plain.capacity.clusters.a).toMatchObject({ scan: { everyMs: null, backups: true, pagesPerSecond: 20 }, defrag: { rules: [], everyMs: null }, forecastWindowMs: 4 * 3_600_000 });
    const c = parse(
      'capacity:\n  workDir: work\n  scan: {every: 1h, pageBytes: 512KiB}\n  defrag: {rules: ["free > 200MiB"], every: 6h}\n  clusters:\n    b: {defrag: {rules: ["inUse < 50% and dbSize > 100MB"]}, scan: {backups: false}}\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}, {name: b, endpoints: ["http://127.0.0.1:2479"]}]\n',
    );
    expect(c.capacity.workDir).toBe('/etc/ringside/work');
    expect(c.capacity.clusters.a.scan).toMatchObject({ everyMs: 3_600_000, pageBytes: 512 * 1024, backups: true });
    expect(c.capacity.clusters.a.defrag.rules.map((r) => r.text)).toEqual(['free > 200MiB']);
    expect(c.capacity.clusters.b.scan).toMatchObject({ everyMs: 3_600_000, backups: false });
    expect(c.capacity.clusters.b.defrag).toMatchObject({ everyMs: 6 * 3_600_000, rules: [{ text: 'inUse < 50% and dbSize > 100MB' }] });
  });

  test('encrypted backups need $RINGSIDE_BACKUP_KEY, and its value never shows in the error', () => {
    const yaml = 'backups: {dir: b, encrypt: true}\nclusters: [{name: a, endpoints: ["http://127.0.0.1:2379"]}]\n';
    const read = (p: string) => Buffer.from(p.endsWith('.yaml') ? yaml : '');
    expect(() => parseConfig('/etc/ringside/ringside.yaml', read, {})).toThrow(/RINGSIDE_BACKUP_KEY is not set/);
    expect(() => parseConfig('/etc/ringside/ringside.yaml', read, { RINGSIDE_BACKUP_KEY: 'not-a-key-secretvalue' })).toThrow(/must be 32 bytes/);
    try {
      parseConfig('/etc/ringside/ringside.yaml', read, { RINGSIDE_BACKUP_KEY: 'not-a-key-secretvalue' });
    } catch (e) {
      expect((e as Error).message).not.toContain('secretvalue');
    }
    const key = Buffer.alloc(32, 7);
    expect(parseConfig('/etc/ringside/ringside.yaml', read, { RINGSIDE_BACKUP_KEY: key.toString('base64') }).backups!.key).toEqual(key);
  });

  test('notifications and certificates: mounted with their defaults, secrets from the environment, messages that name the key and never a secret', () => {
    const file = (yaml: string) => (p: string) => Buffer.from(p.endsWith('.yaml') ? yaml : '');
    const cluster = 'clusters: [{name: prod, endpoints: ["http://127.0.0.1:2379"]}]\n';
    const plain = parseConfig('/etc/ringside/ringside.yaml', file(cluster), {});
    expect(plain.notifications).toBeUndefined();
    expect(plain.certificates).toEqual({ warnDays: 30, criticalDays: 7, checkIntervalMs: 3_600_000 });

    const yaml = [
      'notifications:',
      '  externalURL: https://ringside.example.com/',
      '  alertmanagers: [{ url: "http://127.0.0.1:9093" }]',
      '  webhooks:',
      '    - { name: ops, url: "https://hooks.example/ringside", secretEnv: OPS_SECRET, severities: [critical], clusters: [prod] }',
      '    - { name: chat, urlEnv: SLACK_URL, format: slack }',
      'certificates: { warnDays: 60, criticalDays: 14, checkIntervalMinutes: 5 }',
      cluster,
    ].join('\n');
    const env = { OPS_SECRET: 'a-signing-secret-of-the-test', SLACK_URL: 'https://hooks.slack.example/services/T0/B0/secretpath' };
    const c = parseConfig('/etc/ringside/ringside.yaml', file(yaml), env);
    expect(c.notifications).toMatchObject({
      externalURL: 'https://ringside.example.com',
      resendIntervalMs: 60_000,
      alertmanagers: [{ name: 'alertmanager-1', url: 'http://127.0.0.1:9093' }],
      webhooks: [
        { name: 'ops', url: 'https://hooks.example/ringside', format: 'json', severities: ['critical'], clusters: ['prod'] },
        { name: 'chat', url: env.SLACK_URL, format: 'slack', severities: null, clusters: null },
      ],
    });
    expect(c.notifications!.webhooks[0].secret).toEqual(Buffer.from(env.OPS_SECRET));
    expect(c.certificates).toEqual({ warnDays: 60, criticalDays: 14, checkIntervalMs: 300_000 });

    const fails = (text: string, e: Record<string, string>) => {
      try {
        parseConfig('/etc/ringside/ringside.yaml', file(text), e);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(fails(yaml, { SLACK_URL: env.SLACK_URL })).toContain('notifications.webhooks[0].secretEnv: $OPS_SECRET is not set');
    const short = fails(yaml, { ...env, OPS_SECRET: 'short-secret' });
    expect(short).toContain('notifications.webhooks[0].secretEnv: $OPS_SECRET is shorter than 16 characters');
    expect(short).not.toContain('short-secret');
    const notURL = fails(yaml, { ...env, SLACK_URL: 'ftp://hooks.slack.example/secretpath' });
    expect(notURL).toContain('notifications.webhooks[1].urlEnv: $SLACK_URL does not hold an http(s) URL');
    expect(notURL).not.toContain('secretpath');
    expect(fails(yaml.replace('clusters: [prod]', 'clusters: [prd]'), env)).toContain('notifications.webhooks[0].clusters[0]: no cluster is named "prd"');
    expect(fails(`notifications: { alertmanagers: [] }\n${cluster}`, env)).toContain('notifications.externalURL: is required');
    expect(fails(`notifications: { externalURL: "https://r.example", alertmanagers: [{ url: "http://user:pw@am:9093" }] }\n${cluster}`, env)).toContain(
      'notifications.alertmanagers[0].url: must not hold a user name or password',
    );
    expect(fails(`certificates: { warnDays: 7, criticalDays: 7 }\n${cluster}`, env)).toContain('certificates.criticalDays: must be less than warnDays');
    expect(fails(`certificates: { warnDay: 7 }\n${cluster}`, env)).toContain('certificates: unknown key "warnDay"');
  });

  test('several problems are listed one per line', () => {
    const msg = errorOf('clusters: [{name: A, endpoints: ["nope"]}]\n');
    expect(msg.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(2);
  });

  test('a missing config file', () => {
    expect(() => parseConfig('/nope.yaml', () => { throw Object.assign(new Error('x'), { code: 'ENOENT' }); })).toThrow(
      'Ringside config /nope.yaml: cannot read the file (no such file)',
    );
  });

  test('an unreadable or non-PEM certificate names its key', () => {
    const yaml = 'clusters: [{name: a, endpoints: ["https://127.0.0.1:2379"], tls: {ca: /missing/ca.crt}}]\n';
    expect(errorOf(yaml)).toContain('clusters[0].tls.ca: cannot read "/missing/ca.crt" (no such file)');
    expect(errorOf(yaml, { '/missing/ca.crt': Buffer.from('hello') })).toContain('clusters[0].tls.ca: "/missing/ca.crt" is not a PEM file');
  });
});

describe('store.postgres', () => {
  const yaml = (store: string) => `store:\n${store}\nclusters:\n  - name: prod\n    endpoints: [http://127.0.0.1:2379]\n`;
  const withEnv = (text: string, env: Record<string, string>) =>
    parseConfig('/etc/ringside/ringside.yaml', () => Buffer.from(text), env);

  test('the URL comes from the variable the file names, never the file', () => {
    const c = withEnv(yaml('  postgres: { urlEnv: RINGSIDE_POSTGRES_URL }'), { RINGSIDE_POSTGRES_URL: 'postgres://ringside:secret@db:5432/ringside' });
    expect(c.store).toEqual({ postgres: { url: 'postgres://ringside:secret@db:5432/ringside', urlEnv: 'RINGSIDE_POSTGRES_URL', leaseMs: 10_000 } });
  });

  test('an unset variable or a URL that is not postgres:// is an error naming the key and the variable, never the value', () => {
    const unset = (() => {
      try {
        withEnv(yaml('  postgres: { urlEnv: RINGSIDE_POSTGRES_URL }'), {});
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(unset).toMatch(/store\.postgres\.urlEnv: the environment variable RINGSIDE_POSTGRES_URL is not set/);
    const bad = (() => {
      try {
        withEnv(yaml('  postgres: { urlEnv: DB }'), { DB: 'mysql://root:hunter2@db/x' });
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(bad).toMatch(/store\.postgres\.urlEnv: DB is not a postgres:\/\/ URL/);
    expect(bad).not.toContain('hunter2');
  });

  test('without store, the files stay the default', () => {
    expect(parse(`clusters:\n  - name: prod\n    endpoints: [http://127.0.0.1:2379]\n`).store).toBeUndefined();
    expect(errorOf(yaml('  postgres: { url: "postgres://x" }'))).toMatch(/store\.postgres/);
  });
});
