import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { toCertificateSettings, toNotifySettings } from '../notify/config';
import { backupSettings } from '../backups/config';
import { capacitySettings } from '../capacity/config';
import { isRingsideError } from '../errors';
import { configSchema } from './schema';
import type { RingsideConfig, TlsMaterial } from './types';

/** A configuration problem; `message` is meant for a human at a terminal, no stack needed. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type ReadFile = (file: string) => Buffer;

/** `clusters[0].tls.ca`: the key as a person reads it in the YAML file. */
export function keyPath(parts: readonly PropertyKey[]): string {
  return parts.reduce<string>((acc, p) => {
    if (typeof p === 'number') return `${acc}[${p}]`;
    return acc ? `${acc}.${String(p)}` : String(p);
  }, '');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = keyPath(issue.path) || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  if (issue.code === 'invalid_type') {
    const received = /received (\w+)/.exec(issue.message)?.[1];
    return received === 'undefined'
      ? `${where}: is required (expected ${issue.expected})`
      : `${where}: expected ${issue.expected}${received ? `, got ${received}` : ''}`;
  }
  return `${where}: ${issue.message}`;
}

/**
 * Parses a config file's text into settings. Pure apart from `readFile`, which loads the TLS
 * files the config names (so tests can run without touching the disk).
 */
export function parseConfig(file: string, readFile: ReadFile, env: Record<string, string | undefined> = process.env): RingsideConfig {
  const fail = (what: string) => new ConfigError(`Ringside config ${file}: ${what}`);

  let text: string;
  try {
    text = readFile(file).toString('utf8');
  } catch (e) {
    throw fail(`cannot read the file (${errnoText(e)})`);
  }

  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const pos = e.linePos?.[0];
      throw fail(`not valid YAML${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${e.message.split('\n')[0]}`);
    }
    throw fail(`not valid YAML: ${(e as Error).message}`);
  }
  if (raw === null || raw === undefined) throw fail('the file is empty; it needs at least a "clusters" list');
  if (typeof raw !== 'object' || Array.isArray(raw)) throw fail('expected a mapping with a "clusters" key at the top level');

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(describeIssue);
    throw fail(lines.length === 1 ? lines[0] : `\n  - ${lines.join('\n  - ')}`);
  }
  const cfg = parsed.data;

  const base = path.dirname(file);
  const clusters = cfg.clusters.map((c, i) => {
    let tls: TlsMaterial | undefined;
    if (c.tls) {
      tls = {};
      for (const k of ['ca', 'cert', 'key'] as const) {
        const p = c.tls[k];
        if (!p) continue;
        const key = `clusters[${i}].tls.${k}`;
        let pem: Buffer;
        try {
          pem = readFile(path.resolve(base, p));
        } catch (e) {
          throw fail(`${key}: cannot read "${p}" (${errnoText(e)})`);
        }
        if (!pem.toString('latin1').includes('-----BEGIN ')) {
          throw fail(`${key}: "${p}" is not a PEM file (no "-----BEGIN" line)`);
        }
        tls[k] = pem;
      }
    }
    const logs = c.logs && {
      files: c.logs.files.map((f) => ({ ...f, path: path.resolve(base, f.path) })),
      backlogBytes: c.logs.backlogBytes,
      kubernetes: c.logs.kubernetes && {
        ...c.logs.kubernetes,
        kubeconfig: c.logs.kubernetes.kubeconfig && path.resolve(base, c.logs.kubernetes.kubeconfig),
      },
    };
    const metrics = { ...c.metrics, urls: Object.fromEntries(Object.entries(c.metrics.urls).map(([m, u]) => [m, normalizeEndpoint(u)])) };
    return {
      name: c.name,
      endpoints: c.endpoints.map(normalizeEndpoint),
      tls,
      ...(logs ? { logs } : {}),
      metrics,
      ...(c.launcher ? { launcher: normalizeEndpoint(c.launcher) } : {}),
    };
  });

  const dataDir = path.resolve(base, cfg.dataDir);
  let backups: RingsideConfig['backups'];
  if (cfg.backups) {
    try {
      backups = backupSettings(cfg.backups, { baseDir: base, dataDir, clusters: clusters.map((c) => c.name), env });
    } catch (e) {
      // Its messages start with the key at fault and never hold a value (the key, a secret).
      if (isRingsideError(e)) throw fail(e.message);
      throw e;
    }
  }
  let capacity: RingsideConfig['capacity'];
  try {
    capacity = capacitySettings(cfg.capacity, { baseDir: base, dataDir, clusters: clusters.map((c) => c.name) });
  } catch (e) {
    if (isRingsideError(e)) throw fail(e.message);
    throw e;
  }
  // Secrets come from the variables the file names; a message names the key, never the value.
  const notifications = cfg.notifications && toNotifySettings(cfg.notifications, { env, clusterNames: clusters.map((c) => c.name), fail });

  let store: RingsideConfig['store'];
  if (cfg.store) {
    const { urlEnv, leaseMs } = cfg.store.postgres;
    const url = env[urlEnv];
    if (!url) throw fail(`store.postgres.urlEnv: the environment variable ${urlEnv} is not set (it must hold the PostgreSQL URL, e.g. postgres://ringside:…@db:5432/ringside)`);
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      // reported below
    }
    if (!parsed || (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')) {
      throw fail(`store.postgres.urlEnv: ${urlEnv} is not a postgres:// URL`);
    }
    store = { postgres: { url, urlEnv, leaseMs } };
  }

  return {
    source: file,
    pollIntervalMs: cfg.pollIntervalMs,
    hashCheckIntervalMs: cfg.hashCheckIntervalMs,
    metricsIntervalMs: cfg.metricsIntervalMs,
    requestTimeoutMs: cfg.requestTimeoutMs ?? Math.min(800, Math.round(cfg.pollIntervalMs * 0.8)),
    alerts: cfg.alerts as RingsideConfig['alerts'],
    readOnly: cfg.readOnly,
    ...(cfg.auth
      ? {
          auth: {
            users: cfg.auth.users,
            ...(cfg.auth.proxy ? { proxy: cfg.auth.proxy } : {}),
            anonymous: cfg.auth.anonymous,
            sessionIdleMs: cfg.auth.sessionIdleMinutes * 60_000,
            sessionMaxMs: cfg.auth.sessionMaxHours * 3_600_000,
            allowedOrigins: cfg.auth.allowedOrigins.map((o) => new URL(o).origin),
          },
        }
      : {}),
    http: cfg.http,
    dataDir,
    auditFile: path.join(dataDir, 'audit.jsonl'),
    ...(store ? { store } : {}),
    ...(backups ? { backups } : {}),
    capacity,
    ops: { snapshotMaxAgeMs: cfg.ops.snapshotMaxAgeMinutes * 60_000, promoteTimeoutMs: cfg.ops.promoteTimeoutMs },
    ...(notifications ? { notifications } : {}),
    certificates: toCertificateSettings(cfg.certificates),
    clusters,
  };
}

function normalizeEndpoint(e: string): string {
  const u = new URL(e);
  return `${u.protocol}//${u.host}`;
}

function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return 'no such file';
  if (err?.code === 'EACCES') return 'permission denied';
  if (err?.code === 'EISDIR') return 'is a directory';
  return err?.code ?? err?.message ?? String(e);
}
