import { z } from 'zod';
import { ALERT_RULES, type AlertRuleName } from '../alerts/rules';
import { isHostPattern } from '../http/hosts';
import { parseCidr } from '../auth/peer';
import { CERTIFICATE_DEFAULTS, certificatesSchema, notificationsSchema } from '../notify/config';
import { backupsSchema } from '../backups/config';
import { capacitySchema } from '../capacity/config';

/** Cluster names appear in URLs, so they are restricted to a URL-safe alphabet. */
export const clusterNamePattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A value from the file echoed in a message: bounded, and never a URL's password. */
export function echo(value: string, max = 100): string {
  const shown = value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1<credentials>@');
  return JSON.stringify(shown.length > max ? `${shown.slice(0, max)}…` : shown);
}

const endpoint = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `${echo(value)} is not a URL; expected e.g. https://10.0.0.1:2379` });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `${echo(value)} must start with http:// or https://` });
  } else if (url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: `${echo(value)} must not hold a user name or password (etcd clients authenticate with tls.cert and tls.key)` });
  } else if (!url.port) {
    ctx.addIssue({ code: 'custom', message: `${echo(value)} has no port; etcd clients usually use :2379` });
  } else if (url.pathname !== '/' || url.search || url.hash) {
    ctx.addIssue({ code: 'custom', message: `${echo(value)} must be scheme://host:port with no path` });
  }
});

/** The launcher starts processes: it must really be on this machine, judged on the parsed URL. */
const loopbackEndpoint = endpoint.refine((u) => {
  try {
    const url = new URL(u);
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  } catch {
    return true; // endpoint already reported it
  }
}, 'must be a loopback http:// URL (the launcher is for demo rings)');

const tls = z
  .object({
    ca: z.string().min(1).optional(),
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (Boolean(t.cert) !== Boolean(t.key)) {
      ctx.addIssue({ code: 'custom', message: 'cert and key must be given together', path: [t.cert ? 'key' : 'cert'] });
    }
  });

const logFile = z
  .object({
    path: z.string().min(1),
    /** The member this file belongs to (its name); inferred from the lines when left out. */
    member: z.string().min(1).optional(),
  })
  .strict();

const kubernetesLogs = z
  .object({
    namespace: z.string().min(1).default('kube-system'),
    labelSelector: z.string().min(1).default('component=etcd'),
    /** A kubeconfig file; without it, in-cluster credentials or $KUBECONFIG. */
    kubeconfig: z.string().min(1).optional(),
    context: z.string().min(1).optional(),
  })
  .strict();

const logs = z
  .object({
    files: z.array(logFile).default([]),
    /**
     * How much of each file's end is read when Ringside starts (then it follows): a multi-GB log
     * is never read from its start. About 3,500 etcd lines per MiB.
     */
    backlogBytes: z.number().int().min(0).max(1024 ** 3).default(1024 * 1024),
    kubernetes: kubernetesLogs.optional(),
  })
  .strict();

const metrics = z
  .object({
    /** false: do not scrape /metrics (no disk, peer or proposal figures, and their alerts stay quiet). */
    enabled: z.boolean().default(true),
    /** A member's metrics listener by member name (its --listen-metrics-urls), e.g. m1: http://10.0.0.1:2381 */
    urls: z.record(z.string().min(1), endpoint).default({}),
    /** Else: the member's client host on this port... */
    port: z.number().int().min(1).max(65535).optional(),
    /** ...over this scheme (etcd's metrics listener is plain HTTP unless given https://). */
    scheme: z.enum(['http', 'https']).default('http'),
    /** How often this cluster's members are scraped; default: the top-level metricsIntervalMs. */
    intervalMs: z.number().int().min(1000).max(600_000).optional(),
  })
  .strict();

const cluster = z
  .object({
    name: z
      .string()
      .regex(clusterNamePattern, 'must be lower-case letters, digits and "-" (it is used in URLs), e.g. "prod-eu1"'),
    endpoints: z.array(endpoint).min(1, 'needs at least one client URL of a member'),
    tls: tls.optional(),
    /** Where the members' logs are read from, for corruption evidence and the log panel. */
    logs: logs.optional(),
    /** Where members' /metrics are scraped; default: each member's client URL with the cluster's TLS. */
    metrics: metrics.default({ enabled: true, urls: {}, scheme: 'http' }),
    /**
     * Demo and test rings only: a loopback service that starts a member Ringside just added
     * (the replacement wizard's "Start it" button). Production members are started by people.
     */
    launcher: loopbackEndpoint.optional(),
  })
  .strict();

/** Who may act. Passwords and tokens are stored as hashes only (`npm run hash-password`). */
const user = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_", "@" or "-"'),
    role: z.enum(['operator', 'viewer']),
    /** scrypt$N$r$p$salt$hash, from `npm run hash-password`. */
    passwordHash: z.string().regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/, 'must be a hash from `npm run hash-password` (scrypt$N$r$p$salt$hash), never a plain password').optional(),
    /** sha256$<hex> of an API token (Authorization: Bearer <token>), from `npm run hash-password -- --token`. */
    tokenHash: z.string().regex(/^sha256\$[0-9a-f]{64}$/, 'must be sha256$<64 hex digits> from `npm run hash-password -- --token`').optional(),
  })
  .strict()
  .refine((u) => u.passwordHash || u.tokenHash, 'needs a passwordHash or a tokenHash (or both)');

const trustedProxy = z.string().refine((e) => parseCidr(e) !== undefined, 'must be an IP address or CIDR, e.g. 10.0.0.0/8, fd00::/8 or 127.0.0.1');

const proxyAuth = z
  .object({
    /**
     * The reverse proxies in front of Ringside, by address or CIDR. Only requests whose socket is
     * one of these may carry X-Forwarded-* or the user header; from anyone else they are dropped.
     */
    trustedProxies: z.array(trustedProxy).min(1, 'needs at least one address or CIDR of the proxy'),
    /** The header the proxy sets to the signed-in user, e.g. X-Forwarded-User; without it the proxy only forwards addresses. */
    userHeader: z.string().regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name').optional(),
    /** Users the proxy names who may act; everyone else it names is a viewer. */
    operators: z.array(z.string().min(1)).default([]),
  })
  .strict();

const auth = z
  .object({
    users: z.array(user).default([]),
    proxy: proxyAuth.optional(),
    /** viewer: anyone who can reach Ringside may read (a NOC screen); none: every read needs a signed-in user or a token. */
    anonymous: z.enum(['viewer', 'none']).default('viewer'),
    /** A session ends after this long without a request... */
    sessionIdleMinutes: z.number().int().min(1).max(24 * 60).default(30),
    /** ...and this long after sign-in, whatever happens. */
    sessionMaxHours: z.number().int().min(1).max(7 * 24).default(12),
    /** Origins allowed to send actions besides Ringside's own (e.g. the URL a proxy serves it under). */
    allowedOrigins: z.array(z.string().url()).default([]),
  })
  .strict()
  .superRefine((a, ctx) => {
    const seen = new Set<string>();
    a.users.forEach((u, i) => {
      if (seen.has(u.name)) ctx.addIssue({ code: 'custom', message: `duplicate user "${u.name}"`, path: ['users', i, 'name'] });
      seen.add(u.name);
    });
    if (a.proxy && a.proxy.operators.length && !a.proxy.userHeader) {
      ctx.addIssue({ code: 'custom', message: 'operators need userHeader: the header that names the signed-in user', path: ['proxy', 'userHeader'] });
    }
  });

const httpSettings = z
  .object({
    /** Host names Ringside answers to besides IP addresses, localhost and this machine's name (e.g. ringside.example.com, *.example.com). */
    allowedHosts: z.array(z.string().refine(isHostPattern, 'must be a host name, e.g. ringside.example.com or *.example.com')).default([]),
    /** Live streams (SSE) open at once, in all... */
    maxStreams: z.number().int().min(1).max(100_000).default(1000),
    /** ...and from one client address. */
    maxStreamsPerClient: z.number().int().min(1).max(10_000).default(32),
  })
  .strict();

const ops = z
  .object({
    /** The replacement wizard wants a snapshot at most this old before removing a member. */
    snapshotMaxAgeMinutes: z.number().int().min(1).max(7 * 24 * 60).default(60),
    /** How long promoting a learner keeps retrying while it catches up. */
    promoteTimeoutMs: z.number().int().min(1000).max(3_600_000).default(120_000),
  })
  .strict();

const alertOverride = z
  .object({
    /** How long the condition must hold before the alert fires (default: etcd-mixin's, scaled to the poll interval). */
    forMs: z.number().int().min(0).max(86_400_000).optional(),
    disabled: z.boolean().optional(),
  })
  .strict();

const alerts = z.record(z.string(), alertOverride).superRefine((rules, ctx) => {
  for (const name of Object.keys(rules)) {
    if (!ALERT_RULES.includes(name as AlertRuleName)) {
      ctx.addIssue({ code: 'custom', path: [name], message: `unknown alert rule; the rules are ${ALERT_RULES.join(', ')}` });
    }
  }
});

/** The URL comes from the environment (it holds a password): the file names the variable. */
const storeSchema = z
  .object({
    postgres: z
      .object({
        urlEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must name an environment variable, e.g. RINGSIDE_POSTGRES_URL'),
        /** An operation's lock and the schedule's lease end this long after their holder last renewed them. */
        leaseMs: z.number().int().min(2000).max(120_000).default(10_000),
      })
      .strict(),
  })
  .strict();

export const configSchema = z
  .object({
    pollIntervalMs: z.number().int().min(200).max(60_000).default(1000),
    hashCheckIntervalMs: z.number().int().min(1000).max(3_600_000).default(10_000),
    /**
     * How often each member's /metrics is scraped, apart from the status poll: a scrape is ~150 kB
     * to parse per member, the status a few hundred bytes (etcd-mixin assumes 30 s).
     */
    metricsIntervalMs: z.number().int().min(1000).max(600_000).default(15_000),
    /** Deadline of every call to a member; a hung member costs at most this much. */
    requestTimeoutMs: z.number().int().min(50).max(30_000).optional(),
    /** Per-rule overrides, by rule name: { forMs, disabled }. */
    alerts: alerts.default({}),
    /** true: no action exists at all (a NOC screen); nobody can sign in. */
    readOnly: z.boolean().default(false),
    /** Operators and viewers. Without any operator Ringside is read-only. */
    auth: auth.optional(),
    /** The HTTP edge: host names, stream limits. */
    http: httpSettings.default({ allowedHosts: [], maxStreams: 1000, maxStreamsPerClient: 32 }),
    /** Ringside's own files (the audit log), relative to the config file. */
    dataDir: z.string().min(1).default('ringside-data'),
    /** Backup stores, schedules, retention and drills (lib/backups/config.ts). */
    backups: backupsSchema.optional(),
    /** Keyspace scans, the NOSPACE forecast and rule-driven defragmentation (lib/capacity/config.ts). */
    capacity: capacitySchema.optional(),
    /** A shared store for several replicas; without it everything stays in dataDir. */
    store: storeSchema.optional(),
    ops: ops.default({ snapshotMaxAgeMinutes: 60, promoteTimeoutMs: 120_000 }),
    /** Alert delivery to Alertmanagers and webhooks; without it alerts stay on Ringside's screens. */
    notifications: notificationsSchema.optional(),
    /** When the members' certificates are read, and how close to expiry a warning and a critical alert come. */
    certificates: certificatesSchema.default(CERTIFICATE_DEFAULTS),
    clusters: z
      .array(cluster)
      .min(1, 'needs at least one cluster')
      .superRefine((clusters, ctx) => {
        const seen = new Set<string>();
        clusters.forEach((c, i) => {
          if (seen.has(c.name)) ctx.addIssue({ code: 'custom', message: `duplicate cluster name "${c.name}"`, path: [i, 'name'] });
          seen.add(c.name);
        });
      }),
  })
  .strict()
  .superRefine((c, ctx) => {
    // A scrape more often than the poll would never be seen: its figures reach the ring with a poll.
    if (c.metricsIntervalMs < c.pollIntervalMs) ctx.addIssue({ code: 'custom', path: ['metricsIntervalMs'], message: `must be at least pollIntervalMs (${c.pollIntervalMs})` });
    c.clusters.forEach((cl, i) => {
      const ms = cl.metrics.intervalMs;
      if (ms !== undefined && ms < c.pollIntervalMs) ctx.addIssue({ code: 'custom', path: ['clusters', i, 'metrics', 'intervalMs'], message: `must be at least pollIntervalMs (${c.pollIntervalMs})` });
    });
    if (c.auth?.anonymous !== 'none') return;
    // Nothing would be readable by anyone: refuse the file rather than serve a locked door.
    if (c.readOnly) ctx.addIssue({ code: 'custom', path: ['auth', 'anonymous'], message: 'none needs a way to sign in, and readOnly: true has none (use a viewer token with readOnly: false and no operators instead)' });
    else if (!c.auth.users.length && !c.auth.proxy?.userHeader) ctx.addIssue({ code: 'custom', path: ['auth', 'anonymous'], message: 'none needs someone who can sign in: users, or proxy.userHeader' });
  });

export type ConfigFile = z.infer<typeof configSchema>;
