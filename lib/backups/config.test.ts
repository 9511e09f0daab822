import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { describe, expect, test } from 'vitest';
import { keyPath } from '../config/parse';
import { backupSettings, backupsSchema } from './config';

/** The block as lib/config/schema.ts mounts it, with issues worded as lib/config/parse.ts words them. */
const fileSchema = z.object({ backups: backupsSchema }).strict();
const KEY = Buffer.alloc(32, 7).toString('base64');
const ctx = { baseDir: '/etc/ringside', dataDir: '/var/lib/ringside', clusters: ['prod', 'dev'], env: { RINGSIDE_BACKUP_KEY: KEY } };

function settings(yaml: string, env: Record<string, string | undefined> = ctx.env) {
  const parsed = fileSchema.safeParse(parseYaml(yaml));
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${keyPath(i.path)}: ${i.message}`).join('\n'));
  return backupSettings(parsed.data.backups, { ...ctx, env });
}

function errorOf(yaml: string, env?: Record<string, string | undefined>): string {
  try {
    settings(yaml, env);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('backups config', () => {
  test("today's { dir, keep, encrypt } is one local store, keep N, on demand only", () => {
    const s = settings('backups:\n  dir: backups\n  keep: 5\n  encrypt: true\n');
    expect(s.key?.equals(Buffer.alloc(32, 7))).toBe(true);
    expect(s.workDir).toBe('/var/lib/ringside/backups-work');
    expect(s.clusters.prod).toEqual({
      stores: [{ kind: 'local', dir: '/etc/ringside/backups' }],
      everyMs: null,
      staleAfterMs: null,
      retention: { keep: 5, generations: null },
      drill: { everyMs: null, etcd: null, etcdctl: null, etcdutl: null },
    });
    expect(settings('backups:\n  dir: /b\n').clusters.dev.retention).toEqual({ keep: 10, generations: null });
  });

  test('stores for all, schedules, generations, drills, and a per-cluster override', () => {
    const s = settings(`
backups:
  workDir: /srv/ringside-work
  stores:
    - local: { dir: /var/backups/ringside }
    - s3: { endpoint: "http://127.0.0.1:9000/", region: us-east-1, bucket: etcd-backups, prefix: ringside, forcePathStyle: true }
  every: 30m
  generations: { all: 24h, hourly: 7d, daily: 90d }
  drill: { every: 24h, etcd: /usr/bin/etcd }
  clusters:
    prod:
      every: 15m
      keep: 3
      stores: [ { s3: { region: eu-west-1, bucket: prod-etcd } } ]
`);
    expect(s.workDir).toBe('/srv/ringside-work');
    expect(s.clusters.dev).toEqual({
      stores: [
        { kind: 'local', dir: '/var/backups/ringside' },
        { kind: 's3', endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', bucket: 'etcd-backups', prefix: 'ringside/', forcePathStyle: true },
      ],
      everyMs: 1_800_000,
      staleAfterMs: 3_600_000,
      retention: { keep: null, generations: { allMs: 86_400_000, hourlyMs: 604_800_000, dailyMs: 7_776_000_000 } },
      drill: { everyMs: 86_400_000, etcd: '/usr/bin/etcd', etcdctl: '/usr/bin/etcdctl', etcdutl: '/usr/bin/etcdutl' },
    });
    expect(s.clusters.prod.stores).toEqual([{ kind: 's3', region: 'eu-west-1', bucket: 'prod-etcd', prefix: '', forcePathStyle: false }]);
    expect(s.clusters.prod.everyMs).toBe(900_000);
    expect(s.clusters.prod.staleAfterMs).toBe(1_800_000);
    expect(s.clusters.prod.retention.keep).toBe(3);
  });

  test('stores for one cluster only: the other has no backups', () => {
    const s = settings('backups:\n  clusters:\n    prod:\n      stores: [ { local: { dir: /b } } ]\n');
    expect(Object.keys(s.clusters)).toEqual(['prod']);
  });

  test.each([
    ['a bare number as a duration', 'backups: { dir: /b, every: 30 }', 'backups.every: expected a duration such as 30m, 24h or 7d (a bare number has no unit)'],
    ['a made-up unit', 'backups: { dir: /b, every: 30min }', 'backups.every: expected a duration such as 30m, 24h or 7d'],
    ['a schedule shorter than 10 s', 'backups: { dir: /b, every: 5s }', 'backups.every: must be at least 10s'],
    ['a generation with a bad window', 'backups: { dir: /b, generations: { hourly: a week } }', 'backups.generations.hourly: expected a duration'],
    ['an unknown generation', 'backups: { dir: /b, generations: { weekly: 30d } }', 'backups.generations: Unrecognized key: "weekly"'],
    ['no store anywhere', 'backups: { every: 30m }', 'backups.stores: is required: where backups go'],
    ['dir and stores together', 'backups: { dir: /b, stores: [ { local: { dir: /c } } ] }', 'backups.dir: use either dir (one local store) or stores, not both'],
    ['an empty store list', 'backups: { stores: [] }', 'backups.stores: needs at least one store'],
    ['a store of two kinds', 'backups: { stores: [ { local: { dir: /c }, s3: { region: r, bucket: bkt } } ] }', 'backups.stores[0]: a store is either local: { dir } or s3'],
    ['an unknown store kind', 'backups: { stores: [ { gcs: { bucket: b } } ] }', 'backups.stores[0]: Unrecognized key: "gcs"'],
    ['credentials in the file', 'backups: { stores: [ { s3: { region: r, bucket: bkt, secretAccessKey: hunter2 } } ] }', 'backups.stores[0].s3.secretAccessKey: credentials never go in the config file'],
    ['an unknown s3 key', 'backups: { stores: [ { s3: { region: r, bucket: bkt, pathStyle: true } } ] }', 'backups.stores[0].s3.pathStyle: unknown key "pathStyle"; an s3 store takes endpoint, region, bucket, prefix, forcePathStyle'],
    ['a bad bucket name', 'backups: { stores: [ { s3: { region: r, bucket: My_Bucket } } ] }', 'backups.stores[0].s3.bucket: must be an S3 bucket name'],
    ['a bucket without a region', 'backups: { stores: [ { s3: { bucket: bkt } } ] }', 'backups.stores[0].s3.region:'],
    ['an endpoint with a password', 'backups: { stores: [ { s3: { region: r, bucket: bkt, endpoint: "http://u:p@127.0.0.1:9000" } } ] }', 'backups.stores[0].s3.endpoint: must not hold credentials'],
    ['an endpoint with a path', 'backups: { stores: [ { s3: { region: r, bucket: bkt, endpoint: "http://127.0.0.1:9000/bkt" } } ] }', 'backups.stores[0].s3.endpoint: must be scheme://host[:port] with no path'],
    ['a prefix climbing out', 'backups: { stores: [ { s3: { region: r, bucket: bkt, prefix: "a/../b" } } ] }', 'backups.stores[0].s3.prefix: must not start with "/", hold "//", or a "." or ".." segment'],
    ['a keep of zero', 'backups: { dir: /b, keep: 0 }', 'backups.keep: Too small'],
    ['an unknown drill key', 'backups: { dir: /b, drill: { etcdBin: /x } }', 'backups.drill: Unrecognized key: "etcdBin"'],
  ])('%s', (_what, yaml, message) => {
    expect(errorOf(`${yaml}\n`)).toContain(message);
  });

  test.each([
    ['staleAfter no longer than every', 'backups: { dir: /b, every: 30m, staleAfter: 30m }', 'backups.staleAfter: 30m must be longer than every (30m), or every backup goes stale before the next one'],
    ['a cluster`s faster schedule against the common staleAfter', 'backups: { dir: /b, every: 10m, staleAfter: 20m, clusters: { prod: { every: 30m } } }', 'backups.staleAfter: 20m must be longer than clusters.prod.every (30m)'],
    ['an override for an unknown cluster', 'backups: { dir: /b, clusters: { staging: { every: 5m } } }', 'backups.clusters.staging: no cluster named "staging" in clusters (have prod, dev)'],
  ])('%s', (_what, yaml, message) => {
    expect(errorOf(`${yaml}\n`)).toContain(message);
  });

  test('encrypt without a usable key names the key and never echoes it', () => {
    expect(errorOf('backups: { dir: /b, encrypt: true }\n', {})).toBe('backups.encrypt: is true but $RINGSIDE_BACKUP_KEY is not set (make one with: openssl rand -base64 32)');
    const wrong = errorOf('backups: { dir: /b, encrypt: true }\n', { RINGSIDE_BACKUP_KEY: 'c2hvcnQta2V5' });
    expect(wrong).toContain('backups.encrypt: is true but $RINGSIDE_BACKUP_KEY must be 32 bytes');
    expect(wrong).not.toContain('c2hvcnQta2V5');
  });
});
