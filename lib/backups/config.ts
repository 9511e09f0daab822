import path from 'node:path';
import { z } from 'zod';
import { RingsideError } from '../errors';
import { parseBackupKey } from '../snapshot/encryption';
import { formatDuration, parseDuration } from './durations';
import type { RetentionPolicy } from './retention';

/**
 * The `backups:` block of the config: where backups go, how often, how long they are kept, and
 * how they are drilled. Mount it in lib/config/schema.ts as `backups: backupsSchema.optional()`
 * and turn the parsed block into settings once at start with `backupSettings()`:
 *
 *   backups:
 *     encrypt: true                      # AES-256-GCM at rest, key in $RINGSIDE_BACKUP_KEY, every store
 *     stores:                            # every backup goes to each store in the list
 *       - local: { dir: /var/backups/ringside }
 *       - s3: { region: eu-west-1, bucket: etcd-backups, prefix: ringside/ }
 *     every: 30m                         # scheduled backups; without it, backups are taken on demand only
 *     staleAfter: 1h                     # freshness alert; default 2 x every
 *     keep: 10                           # the newest 10 verified backups...
 *     generations: { all: 24h, hourly: 7d, daily: 90d }   # ...and every one for 24 h, one an hour for 7 d, one a day for 90 d
 *     drill: { every: 24h, etcd: /usr/bin/etcd, etcdctl: /usr/bin/etcdctl }
 *     clusters:                          # per-cluster overrides of any of the keys above but encrypt
 *       prod: { every: 15m, stores: [ { s3: { region: eu-west-1, bucket: prod-etcd } } ] }
 *
 * Today's `backups: { dir, keep, encrypt }` stays valid: `dir` is one local store.
 * S3 credentials are never read from this file: the AWS SDK's default chain finds them
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity, instance roles).
 */

const DURATION_HINT = 'expected a duration such as 30m, 24h or 7d';

/** A duration string in milliseconds, at least `min`. Custom issues, so the message survives lib/config/parse.ts. */
const duration = (min: number) =>
  z.unknown().transform((v, ctx) => {
    const ms = typeof v === 'string' ? parseDuration(v) : null;
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `${DURATION_HINT}${typeof v === 'number' ? ' (a bare number has no unit)' : ''}` });
      return z.NEVER;
    }
    if (ms < min) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${formatDuration(min)}` });
      return z.NEVER;
    }
    return ms;
  });

/**
 * The shortest schedule: 10 s, so tests and the demo can watch a schedule, retention and a stale
 * backup happen; production schedules are minutes to hours, and a run never overlaps the last.
 */
const MIN_PERIOD = 10_000;

const localStore = z
  .object({
    /** Created if missing; relative to the config file. */
    dir: z.string().min(1),
  })
  .strict();

/** Rules for bucket names that every S3 implementation accepts. */
const bucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name: 3-63 lower-case letters, digits, "." and "-", starting and ending with a letter or digit')
  .refine((b) => !b.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(b), 'must be an S3 bucket name: no "..", not an IP address');

const s3Endpoint = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a URL; expected e.g. https://s3.eu-west-1.amazonaws.com or http://127.0.0.1:9000' });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'must start with http:// or https://' });
  else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not hold credentials: the AWS SDK reads them from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or its default chain' });
  else if (url.pathname !== '/' || url.search || url.hash) ctx.addIssue({ code: 'custom', message: 'must be scheme://host[:port] with no path (the bucket goes in bucket:)' });
});

/** Keys people reach for that must never hold secrets in this file. */
const CREDENTIAL_KEYS = ['accessKeyId', 'secretAccessKey', 'sessionToken', 'credentials', 'accessKey', 'secretKey', 'profile'];
const S3_KEYS = ['endpoint', 'region', 'bucket', 'prefix', 'forcePathStyle'];

const s3Store = z
  .object({
    /** Another S3-compatible service (MinIO, Ceph, ...); default: AWS for the region. */
    endpoint: s3Endpoint.optional(),
    region: z.string().regex(/^[a-z0-9-]{1,40}$/, 'must be a region name such as eu-west-1 (any name for most S3-compatible services, e.g. us-east-1)'),
    bucket: bucketName,
    /** Object keys start with it: <prefix><cluster>/<backup>. */
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9._\-/]{0,200}$/, 'may hold letters, digits, ".", "_", "-" and "/" only')
      .refine((p) => !p.startsWith('/') && !p.includes('//') && !p.split('/').some((s) => s === '.' || s === '..'), 'must not start with "/", hold "//", or a "." or ".." segment')
      .optional(),
    /** bucket in the path (http://host/bucket/key) instead of the host name: MinIO and most self-hosted services need it. */
    forcePathStyle: z.boolean().optional(),
  })
  .catchall(z.unknown())
  .superRefine((o, ctx) => {
    for (const k of Object.keys(o)) {
      if (S3_KEYS.includes(k)) continue;
      ctx.addIssue({
        code: 'custom',
        path: [k],
        message: CREDENTIAL_KEYS.includes(k)
          ? 'credentials never go in the config file: give Ringside AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, a web identity or an instance role) in its environment'
          : `unknown key "${k}"; an s3 store takes ${S3_KEYS.join(', ')}`,
      });
    }
  });

const store = z
  .object({ local: localStore.optional(), s3: s3Store.optional() })
  .strict()
  .superRefine((s, ctx) => {
    if (Boolean(s.local) === Boolean(s.s3)) ctx.addIssue({ code: 'custom', message: 'a store is either local: { dir } or s3: { region, bucket, ... } (one per list entry)' });
  });

const generations = z
  .object({
    /** Keep every backup this recent. */
    all: duration(0).optional(),
    /** Keep one backup per hour this recent. */
    hourly: duration(0).optional(),
    /** Keep one backup per day this recent. */
    daily: duration(0).optional(),
  })
  .strict();

const binary = z.string().min(1);

const drill = z
  .object({
    /** How often a scheduled drill restores the newest verified backup; without it, drills run on demand only. */
    every: duration(MIN_PERIOD).optional(),
    /** The etcd that runs the throwaway member; without it, drills say so and do not run. */
    etcd: binary.optional(),
    /** Restores 3.4 backups (`etcdctl snapshot restore`); default: etcdctl beside etcd. */
    etcdctl: binary.optional(),
    /** Restores 3.5+ backups (`etcdutl snapshot restore`); default: etcdutl beside etcd. */
    etcdutl: binary.optional(),
  })
  .strict();

/** What can be set for all clusters and overridden per cluster. */
const perCluster = {
  stores: z.array(store).min(1, 'needs at least one store').optional(),
  every: duration(MIN_PERIOD).optional(),
  staleAfter: duration(MIN_PERIOD).optional(),
  /** Verified backups kept, newest first (with generations: kept in addition). */
  keep: z.number().int().min(1).max(10_000).optional(),
  generations: generations.optional(),
  drill: drill.optional(),
};

const clusterBackups = z.object(perCluster).strict();

export const backupsSchema = z
  .object({
    /** Today's form: one local store in this directory. Use `stores` for more. */
    dir: z.string().min(1).optional(),
    /** AES-256-GCM at rest in every store, with the key in $RINGSIDE_BACKUP_KEY (32 bytes, base64 or hex). */
    encrypt: z.boolean().default(false),
    /** Where a backup is spooled before it goes to its stores, and drills restore; default <dataDir>/backups-work. Needs room for the largest db. */
    workDir: z.string().min(1).optional(),
    ...perCluster,
    /** Overrides by cluster name. */
    clusters: z.record(z.string(), clusterBackups).default({}),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.dir !== undefined && b.stores !== undefined) ctx.addIssue({ code: 'custom', path: ['dir'], message: 'use either dir (one local store) or stores, not both' });
    if (b.dir === undefined && b.stores === undefined && !Object.values(b.clusters).some((c) => c.stores)) {
      ctx.addIssue({ code: 'custom', path: ['stores'], message: 'is required: where backups go, e.g. stores: [ { local: { dir: /var/backups/ringside } } ] (or dir: for one local directory)' });
    }
  });

export type BackupsConfig = z.infer<typeof backupsSchema>;
type ClusterBackupsConfig = z.infer<typeof clusterBackups>;

export type StoreSettings =
  | { kind: 'local'; dir: string }
  | { kind: 's3'; endpoint?: string; region: string; bucket: string; prefix: string; forcePathStyle: boolean };

export interface DrillSettings {
  /** null: no scheduled drills. */
  everyMs: number | null;
  /** null: no etcd binary configured, drills report "not run" and why. */
  etcd: string | null;
  etcdctl: string | null;
  etcdutl: string | null;
}

/** One cluster's backups, every default applied. */
export interface ClusterBackupSettings {
  stores: StoreSettings[];
  /** null: backups on demand only. */
  everyMs: number | null;
  /** The newest verified backup is stale after this; null: no freshness alert (no schedule and no staleAfter). */
  staleAfterMs: number | null;
  retention: RetentionPolicy;
  drill: DrillSettings;
}

export interface BackupSettings {
  /** AES-256-GCM key when `encrypt: true`. Never logged or served. */
  key?: Buffer;
  /** Absolute; spool files and drill directories. */
  workDir: string;
  /** By cluster name; a cluster missing here has no backups. */
  clusters: Record<string, ClusterBackupSettings>;
}

/** The legacy default of `keep` when no retention is given. */
const DEFAULT_KEEP = 10;

/**
 * Settings from a parsed `backups:` block. Paths are resolved against the config file's
 * directory. Throws an INVALID RingsideError whose message starts with the key at fault
 * (`backups.clusters.prod.staleAfter: ...`); the key's value never appears in a message.
 */
export function backupSettings(
  cfg: BackupsConfig,
  ctx: { baseDir: string; dataDir: string; clusters: string[]; env: Record<string, string | undefined> },
): BackupSettings {
  const fail = (key: string, what: string) => new RingsideError('INVALID', `backups${key ? `.${key}` : ''}: ${what}`, `backups${key ? `.${key}` : ''}`);
  for (const name of Object.keys(cfg.clusters)) {
    if (!ctx.clusters.includes(name)) throw fail(`clusters.${name}`, `no cluster named "${name}" in clusters (have ${ctx.clusters.join(', ')})`);
  }
  let key: Buffer | undefined;
  if (cfg.encrypt) {
    try {
      key = parseBackupKey(ctx.env.RINGSIDE_BACKUP_KEY);
    } catch (e) {
      throw fail('encrypt', `is true but ${(e as Error).message}`);
    }
  }
  const resolve = (p: string) => path.resolve(ctx.baseDir, p);
  const top: ClusterBackupsConfig = cfg.dir !== undefined ? { ...pick(cfg), stores: [{ local: { dir: cfg.dir } }] } : pick(cfg);

  const clusters: Record<string, ClusterBackupSettings> = {};
  for (const name of ctx.clusters) {
    const own = cfg.clusters[name] ?? {};
    const c: ClusterBackupsConfig = { ...top, ...definedOnly(own) };
    const where = (k: string) => (own[k as keyof ClusterBackupsConfig] !== undefined ? `clusters.${name}.${k}` : k);
    if (!c.stores) continue;
    const everyMs = c.every ?? null;
    const staleAfterMs = c.staleAfter ?? (everyMs !== null ? 2 * everyMs : null);
    if (everyMs !== null && staleAfterMs !== null && staleAfterMs <= everyMs) {
      // Only an explicit staleAfter can be this short: the default is two periods.
      const every = own.every !== undefined ? `clusters.${name}.every` : 'every';
      throw fail(where('staleAfter'), `${formatDuration(staleAfterMs)} must be longer than ${every} (${formatDuration(everyMs)}), or every backup goes stale before the next one`);
    }
    const g = c.generations;
    const etcd = c.drill?.etcd ? resolve(c.drill.etcd) : null;
    clusters[name] = {
      stores: c.stores.map((s) =>
        s.local
          ? { kind: 'local' as const, dir: resolve(s.local.dir) }
          : {
              kind: 's3' as const,
              ...(s.s3!.endpoint ? { endpoint: s.s3!.endpoint.replace(/\/$/, '') } : {}),
              region: s.s3!.region,
              bucket: s.s3!.bucket,
              prefix: normalizePrefix(s.s3!.prefix ?? ''),
              forcePathStyle: s.s3!.forcePathStyle ?? false,
            },
      ),
      everyMs,
      staleAfterMs,
      retention: {
        keep: c.keep ?? (g ? null : DEFAULT_KEEP),
        generations: g ? { allMs: g.all ?? 0, hourlyMs: g.hourly ?? 0, dailyMs: g.daily ?? 0 } : null,
      },
      drill: {
        everyMs: c.drill?.every ?? null,
        etcd,
        etcdctl: c.drill?.etcdctl ? resolve(c.drill.etcdctl) : etcd && path.join(path.dirname(etcd), 'etcdctl'),
        etcdutl: c.drill?.etcdutl ? resolve(c.drill.etcdutl) : etcd && path.join(path.dirname(etcd), 'etcdutl'),
      },
    };
  }
  return { ...(key ? { key } : {}), workDir: cfg.workDir ? resolve(cfg.workDir) : path.join(ctx.dataDir, 'backups-work'), clusters };
}

/** The per-cluster keys of the top level. */
function pick(cfg: BackupsConfig): ClusterBackupsConfig {
  const { stores, every, staleAfter, keep, generations, drill } = cfg;
  return definedOnly({ stores, every, staleAfter, keep, generations, drill });
}

function definedOnly<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** `ringside` -> `ringside/`; empty stays empty, so keys are <prefix><cluster>/<id> either way. */
function normalizePrefix(p: string): string {
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}
