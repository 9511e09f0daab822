import { z } from 'zod';
import type { AlertSeverity } from '../alerts/rules';

/**
 * The `notifications:` and `certificates:` keys of ringside.yaml (issue 15), as zod fragments
 * the main schema mounts (`notifications: notificationsSchema.optional()`,
 * `certificates: certificatesSchema.default(CERTIFICATE_DEFAULTS)`), and the step that turns the
 * parsed file into settings: secrets come from the environment variables the file names, never
 * from the file, and no message ever holds a secret or a URL's path (a Slack webhook URL is a
 * secret too). Pure: the environment is passed in.
 *
 * ```yaml
 * notifications:
 *   externalURL: https://ringside.example.com   # Ringside's own URL, for links in alerts
 *   resendIntervalMs: 60000                     # firing alerts re-sent to Alertmanager this often
 *   alertmanagers: [{ url: http://am-a:9093 }, { url: http://am-b:9093 }]
 *   webhooks:
 *     - { name: ops, url: https://hooks.example/ringside, secretEnv: RINGSIDE_OPS_SECRET }
 *     - { name: chat, urlEnv: RINGSIDE_SLACK_URL, format: slack, severities: [critical], clusters: [prod] }
 * certificates: { warnDays: 30, criticalDays: 7 }
 * ```
 *
 * Mounting (lib/config): `notifications: notificationsSchema.optional()` and
 * `certificates: certificatesSchema.default(CERTIFICATE_DEFAULTS)` in configSchema; then in
 * parseConfig `toNotifySettings(cfg.notifications, { env, clusterNames, fail })` with its own
 * `fail`, and `toCertificateSettings(cfg.certificates)`. Zod's issues carry their paths
 * (`notifications.webhooks[0].url`), so the main parser's messages name the key as for any other.
 */

/** Receiver names appear in metrics labels, the state file and the UI. */
const receiverName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_" or "-", e.g. "ops-pager"');
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name, e.g. RINGSIDE_WEBHOOK_SECRET');

/** http(s) with no credentials: a password in the YAML is what secretEnv and urlEnv are for. */
const httpURL = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a URL; expected e.g. https://alertmanager.example:9093' });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'must start with http:// or https://' });
  else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not hold a user name or password; put a secret URL in the environment (urlEnv)' });
  else if (url.hash) ctx.addIssue({ code: 'custom', message: 'must not have a #fragment' });
});

const alertmanager = z
  .object({
    /** Shown in the status and metrics; default alertmanager-<n>. */
    name: receiverName.optional(),
    /** Its base URL (alerts go to <url>/api/v2/alerts), a path prefix allowed. */
    url: httpURL,
  })
  .strict();

const webhook = z
  .object({
    name: receiverName,
    url: httpURL.optional(),
    /** The URL from this environment variable instead, when the URL itself is a secret (Slack's are). */
    urlEnv: envName.optional(),
    format: z.enum(['json', 'slack']).default('json'),
    /** JSON bodies are signed (HMAC-SHA256) with the secret in this environment variable. */
    secretEnv: envName.optional(),
    /** Only these severities (default: all). */
    severities: z.array(z.enum(['warning', 'critical'])).min(1, 'needs at least one severity, or leave it out for all').optional(),
    /** Only these clusters (default: all). */
    clusters: z.array(z.string().min(1)).min(1, 'needs at least one cluster, or leave it out for all').optional(),
  })
  .strict()
  .superRefine((w, ctx) => {
    if (Boolean(w.url) === Boolean(w.urlEnv)) ctx.addIssue({ code: 'custom', path: ['url'], message: 'give exactly one of url and urlEnv' });
    if (w.format === 'slack' && w.secretEnv) {
      ctx.addIssue({ code: 'custom', path: ['secretEnv'], message: 'Slack incoming webhooks are not signed (the URL is the secret): use urlEnv and drop secretEnv' });
    }
  });

export const notificationsSchema = z
  .object({
    /** Ringside's own URL as the people paged reach it: the base of every link in an alert. */
    externalURL: httpURL.refine((u) => !u.includes('?'), 'must have no ?query: links are built under it'),
    /**
     * Firing alerts are re-sent to every Alertmanager this often, each time valid for four
     * intervals (as Prometheus does), so an alert Ringside stops sending resolves by itself. At
     * most 4 minutes: below Alertmanager's default resolve_timeout of 5.
     */
    resendIntervalMs: z.number().int().min(5_000).max(240_000).default(60_000),
    /** One delivery attempt's deadline. */
    timeoutMs: z.number().int().min(1_000).max(60_000).default(10_000),
    /** Deliveries waiting per receiver; past it the oldest is dropped (counted and reported). */
    queueLimit: z.number().int().min(10).max(100_000).default(1_000),
    alertmanagers: z.array(alertmanager).default([]),
    webhooks: z.array(webhook).default([]),
  })
  .strict()
  .superRefine((n, ctx) => {
    const seen = new Set<string>();
    const check = (name: string, path: (string | number)[]) => {
      if (seen.has(name)) ctx.addIssue({ code: 'custom', path, message: `duplicate receiver name "${name}"` });
      seen.add(name);
    };
    n.alertmanagers.forEach((a, i) => check(a.name ?? alertmanagerName(i), ['alertmanagers', i, 'name']));
    n.webhooks.forEach((w, i) => check(w.name, ['webhooks', i, 'name']));
  });

export const CERTIFICATE_DEFAULTS = { warnDays: 30, criticalDays: 7, checkIntervalMinutes: 60 } as const;

export const certificatesSchema = z
  .object({
    /** A certificate expiring within this many days is a warning... */
    warnDays: z.number().int().min(1).max(3650).default(CERTIFICATE_DEFAULTS.warnDays),
    /** ...and within this many, critical. */
    criticalDays: z.number().int().min(0).max(3650).default(CERTIFICATE_DEFAULTS.criticalDays),
    /** How often the members' certificates are read (one TLS handshake per endpoint). */
    checkIntervalMinutes: z.number().int().min(1).max(24 * 60).default(CERTIFICATE_DEFAULTS.checkIntervalMinutes),
  })
  .strict()
  .refine((c) => c.criticalDays < c.warnDays, { path: ['criticalDays'], message: 'must be less than warnDays' });

export type NotificationsFile = z.infer<typeof notificationsSchema>;
export type CertificatesFile = z.infer<typeof certificatesSchema>;

export interface AlertmanagerSettings {
  name: string;
  /** Base URL without a trailing slash. */
  url: string;
}

export interface WebhookSettings {
  name: string;
  /** Server-side only: may itself be a secret (urlEnv). */
  url: string;
  format: 'json' | 'slack';
  /** HMAC key for JSON bodies. Never logged or served. */
  secret?: Buffer;
  /** null: every severity / cluster. */
  severities: AlertSeverity[] | null;
  clusters: string[] | null;
}

export interface NotifySettings {
  externalURL: string;
  resendIntervalMs: number;
  timeoutMs: number;
  queueLimit: number;
  alertmanagers: AlertmanagerSettings[];
  webhooks: WebhookSettings[];
}

export interface CertificateSettings {
  warnDays: number;
  criticalDays: number;
  checkIntervalMs: number;
}

export function alertmanagerName(index: number): string {
  return `alertmanager-${index + 1}`;
}

/** HMAC keys shorter than this are guessable. */
const MIN_SECRET = 16;

type Env = Record<string, string | undefined>;
interface SettingsContext {
  env: Env;
  /** The configured clusters: a receiver naming another one is a typo. */
  clusterNames: readonly string[];
  /** Builds the error to throw from "<key>: <what>" (the main parser prefixes the file name). */
  fail: (what: string) => Error;
}

/** The parsed `notifications:` block as settings; throws `fail(...)` naming the key. */
export function toNotifySettings(file: NotificationsFile, ctx: SettingsContext): NotifySettings {
  const { env, fail } = ctx;
  const fromEnv = (key: string, name: string, what: string): string => {
    const value = env[name];
    if (!value) throw fail(`${key}: $${name} is not set; it must hold ${what}`);
    return value;
  };
  const webhooks = file.webhooks.map((w, i): WebhookSettings => {
    const key = `notifications.webhooks[${i}]`;
    const url = w.url ?? fromEnv(`${key}.urlEnv`, w.urlEnv!, 'the webhook URL');
    if (w.urlEnv && !isHttpURL(url)) throw fail(`${key}.urlEnv: $${w.urlEnv} does not hold an http(s) URL`);
    let secret: Buffer | undefined;
    if (w.secretEnv) {
      secret = Buffer.from(fromEnv(`${key}.secretEnv`, w.secretEnv, `the signing secret (at least ${MIN_SECRET} characters)`), 'utf8');
      if (secret.length < MIN_SECRET) throw fail(`${key}.secretEnv: $${w.secretEnv} is shorter than ${MIN_SECRET} characters`);
    }
    w.clusters?.forEach((c, j) => {
      if (!ctx.clusterNames.includes(c)) throw fail(`${key}.clusters[${j}]: no cluster is named ${JSON.stringify(c.slice(0, 64))}`);
    });
    return {
      name: w.name,
      url,
      format: w.format,
      ...(secret ? { secret } : {}),
      severities: w.severities ?? null,
      clusters: w.clusters ?? null,
    };
  });
  return {
    externalURL: file.externalURL.replace(/\/+$/, ''),
    resendIntervalMs: file.resendIntervalMs,
    timeoutMs: file.timeoutMs,
    queueLimit: file.queueLimit,
    alertmanagers: file.alertmanagers.map((a, i) => ({ name: a.name ?? alertmanagerName(i), url: a.url.replace(/\/+$/, '') })),
    webhooks,
  };
}

export function toCertificateSettings(file: CertificatesFile): CertificateSettings {
  return { warnDays: file.warnDays, criticalDays: file.criticalDays, checkIntervalMs: file.checkIntervalMinutes * 60_000 };
}

function isHttpURL(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
  } catch {
    return false;
  }
}
