/**
 * The HTTP API, declared once. Each endpoint names its method and path, the zod schemas of its
 * path parameters, query and body, and the type of its answer. The server builds every route
 * around its entry (lib/http/route.ts: validation, the cluster, the operator guard); the browser
 * calls it through lib/api/client.ts, so no path or query string is spelled by hand anywhere.
 *
 * Browser code imports this module, so it uses zod/mini (a few kB, tree-shaken) and imports only
 * types from the server's modules.
 */
import * as z from 'zod/mini';
import { quoteInput } from '../errors';
export { pathOf, queryString } from './paths';
import type { RuleDef } from '../alerts/rules';
import type { Alert } from '../alerts/tracker';
import type { AuditEntry } from '../audit/types';
import type { KeyspaceView, ScanState } from '../capacity/service';
import type { CertificatesView } from '../certs/view';
import type { HistoryRange } from '../model/ranges';
import type { Aggregate, SeriesDef, SeriesKey } from '../model/series';
import type { HistoryResult } from '../history/store';
import type { LogCategory, LogLine } from '../logs/types';
import type { PodState } from '../monitor/log-collector';
import type { DeliveryView, TestReport } from '../notify/delivery';
import type { BackupsView } from '../ops/backups';
import type { RestoreView } from '../ops/restore-plan';
import type { AccessView, Operation, ReplacementView, UpgradeView } from '../ops/types';
import type { CorruptionAudit } from '../ring/corruption-audit';
import type { HashCheck } from '../ring/hashkv';
import type { ClusterSummary } from '../ring/summary';
import type { RingEvent, RingState } from '../ring/types';
import type { TimelineEntry, TimelineKind } from '../timeline/types';

// ---------------------------------------------------------------- shared pieces

/** Cluster names appear in URLs, so they are restricted to a URL-safe alphabet (the config's rule). */
export const CLUSTER_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Member IDs in lower-case hex, as etcdctl prints them. */
export const MEMBER_ID = /^[0-9a-f]{1,16}$/;
/** A member name a person may give a new member (etcd takes any string; we take a sane one). */
export const NEW_MEMBER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$/;
/** A stored backup's ID: one file name ending in .db or .db.enc, as the listing gives it (lib/backups/object-names.ts). */
export const BACKUP_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,250}\.db(?:\.enc)?$/;
/** One of a cluster's backup stores, as the backups listing names it: `local-1`, `s3-1`. */
export const STORE_KEY = /^(local|s3)-\d{1,3}$/;

const clusterName = z.string().check(z.regex(CLUSTER_NAME, { error: 'is not a cluster name (lower-case letters, digits and "-")' }));
const memberId = z.string().check(z.regex(MEMBER_ID, { error: 'is not a member ID in hex as etcdctl prints it' }));
const text = (max: number) => z.string().check(z.maxLength(max, { error: `at most ${max} characters` }));
/** A whole number in a query string, within bounds. */
const wholeNumber = (min: number, max: number) =>
  z.string().check(z.regex(/^\d{1,9}$/, { error: `expected a whole number from ${min} to ${max}` }), z.refine((s) => Number(s) >= min && Number(s) <= max, { error: `expected a whole number from ${min} to ${max}` }));
/** `a,b,c` where each item is one of `values`. */
const listOf = (values: readonly string[], what: string) =>
  z.string().check(z.maxLength(1000, { error: 'at most 1000 characters' }), z.refine((s) => s.split(',').every((v) => values.includes(v)), { error: `expected ${what}: ${values.join(', ')} (comma-separated)` }));
const oneOf = <T extends string>(values: readonly T[]) => z.enum(values as [T, ...T[]], { error: `expected one of ${values.join(', ')}` });
const url = (example: string) =>
  z.string().check(
    z.maxLength(300, { error: 'at most 300 characters' }),
    z.refine(
      (s) => {
        try {
          const u = new URL(s);
          return (u.protocol === 'http:' || u.protocol === 'https:') && Boolean(u.port) && u.pathname === '/' && !u.search && !u.hash && !u.username && !u.password;
        } catch {
          return false;
        }
      },
      { error: `expected http(s)://host:port, e.g. ${example}` },
    ),
  );

/** An etcd release, X.Y.Z. */
const etcdVersion = z.string().check(z.regex(/^\d{1,2}\.\d{1,3}\.\d{1,4}$/, { error: 'is not an etcd version X.Y.Z, e.g. 3.5.21' }));

const clusterParams = z.strictObject({ name: clusterName });
const memberParams = z.strictObject({ name: clusterName, id: memberId });
const backupId = z.string().check(z.regex(BACKUP_ID, { error: 'is not a backup ID (a file name ending in .db or .db.enc, from the backups list)' }));
const storeKey = z.string().check(z.regex(STORE_KEY, { error: 'is not a backup store of the cluster (e.g. local-1 or s3-1, from the backups list)' }));
const noQuery = z.strictObject({});

// ---------------------------------------------------------------- query vocabularies

/** Compile-time: `values` lists every member of the union T (a new kind cannot be forgotten here). */
const every =
  <T extends string>() =>
  <const V extends readonly T[]>(values: V & ([T] extends [V[number]] ? unknown : never)): V =>
    values;

export const LOG_CATEGORIES = every<LogCategory>()(['corruption', 'corruption-check', 'alarm', 'disk', 'leader-election', 'membership', 'version', 'other']);
export const HISTORY_RANGE_KEYS = every<HistoryRange>()(['5m', '15m', '1h', '6h', '24h']);
export const AGGREGATES = every<Aggregate>()(['min', 'max', 'mean']);
export const TIMELINE_KINDS = every<TimelineKind>()([
  'member-down', 'member-up', 'leader-changed', 'quorum-lost', 'quorum-regained', 'member-added', 'member-removed', 'member-promoted',
  'alarm-raised', 'alarm-cleared', 'alert-firing', 'alert-resolved', 'cluster-id-changed', 'hashkv-mismatch', 'hashkv-agree', 'log-corruption', 'log-alarm', 'log-check', 'log-check-config', 'action',
]);

const logQuery = z.strictObject({
  member: z.optional(text(256)),
  category: z.optional(listOf(LOG_CATEGORIES, 'categories')),
  text: z.optional(text(200)),
  limit: z.optional(wholeNumber(1, 5000)),
  since: z.optional(text(64)),
});

// ---------------------------------------------------------------- answers

/** A phantom marker carrying an endpoint's answer type; never read at run time. */
export type Reply<T> = { readonly __reply?: T };
const reply = <T>(): Reply<T> => ({});

export interface LogsResponse {
  cluster: string;
  sources: string[];
  lines: LogLine[];
  audits: CorruptionAudit[];
  kubernetes: { pods: PodState[]; error: string | null };
}

export type AlertRule = RuleDef & { name: string; forMs: number; disabled: boolean };
export interface AlertsResponse {
  cluster: string;
  alerts: Alert[];
  rules: AlertRule[];
}

export interface HistoryResponse extends HistoryResult {
  cluster: string;
  range: HistoryRange;
  units: Partial<Record<SeriesKey, SeriesDef['unit']>>;
  /** Ring events in the range, to mark on the time axis. */
  events: RingEvent[];
}

/** Stored backups with `freshness` and, per backup, its `store` and last `drill`. */
export type BackupsResponse = BackupsView;
export type { RestoreView };

export interface TimelineResponse {
  from: string;
  to: string;
  total: number;
  entries: TimelineEntry[];
}

export interface NotificationsResponse extends DeliveryView {
  /** Delivery failures, recoveries and drops (rate-limited) and test alerts, from the audit log, newest first. */
  recent: AuditEntry[];
}

export type { CertificatesView, TestReport };
/** The newest keyspace report, its change since the one before, quota and growth, and the defragment rules' dry run. */
export type KeyspaceResponse = KeyspaceView;


/**
 * The probes answer anyone who reaches the port (kubelet comes with no session), so they say
 * nothing beyond themselves: no cluster names, no times, no paths.
 */
export interface HealthResponse {
  status: 'ok';
}
export type ReadyResponse = { status: 'ready' } | { status: 'not-ready'; reason: 'no-config' | 'config-error' | 'first-poll' };

// ---------------------------------------------------------------- endpoints

type Schema = z.ZodMiniType;

export interface Endpoint {
  method: 'GET' | 'POST';
  /** With `[param]` segments, as the app/api folder names them. */
  path: string;
  params: Schema;
  query: Schema;
  /** POST bodies: a JSON object (an empty body is `{}`). */
  body?: Schema;
  /** Actions: operators only, checked before a byte of the body is read; the words for "only operators can ...". */
  action?: string;
  /** The snapshot download also takes a native form POST (fields `csrf` and the body's). */
  form?: boolean;
  /** Server-Sent Events instead of JSON. */
  stream?: boolean;
  /** Success status (202 for actions that start an operation). */
  status?: number;
  /** The most body bytes read (default 16 KiB; sign-in and the snapshot form 4 KiB). */
  maxBody?: number;
  reply: Reply<unknown>;
}

const get = <P extends Schema, Q extends Schema, T>(path: string, params: P, query: Q, r: Reply<T>) => ({ method: 'GET' as const, path, params, query, reply: r });
const act = <P extends Schema, B extends Schema, T = { operation: Operation }>(path: string, params: P, body: B, action: string, r?: Reply<T>) => ({
  method: 'POST' as const,
  path,
  params,
  query: noQuery,
  body,
  action,
  status: 202,
  reply: (r ?? reply<{ operation: Operation }>()) as Reply<T>,
});

export const api = {
  // -- the ring
  clusters: get('/api/clusters', z.strictObject({}), noQuery, reply<{ clusters: ClusterSummary[] }>()),
  ring: get('/api/clusters/[name]/ring', clusterParams, noQuery, reply<RingState>()),
  ringStream: { ...get('/api/clusters/[name]/stream', clusterParams, noQuery, reply<never>()), stream: true },
  events: get('/api/clusters/[name]/events', clusterParams, noQuery, reply<{ cluster: string; events: RingEvent[] }>()),
  hashkv: get('/api/clusters/[name]/hashkv', clusterParams, noQuery, reply<HashCheck & { history: Pick<HashCheck, 'checkedAt' | 'revision' | 'consistent' | 'summary'>[] }>()),
  fleetStream: { ...get('/api/fleet/stream', z.strictObject({}), noQuery, reply<never>()), stream: true },
  // -- logs, history, alerts, timeline
  logs: get('/api/clusters/[name]/logs', clusterParams, logQuery, reply<LogsResponse>()),
  logStream: { ...get('/api/clusters/[name]/logs/stream', clusterParams, logQuery, reply<never>()), stream: true },
  history: get(
    '/api/clusters/[name]/history',
    clusterParams,
    z.strictObject({ metric: text(1000), range: z.optional(oneOf(HISTORY_RANGE_KEYS)), agg: z.optional(oneOf(AGGREGATES)) }),
    reply<HistoryResponse>(),
  ),
  alerts: get('/api/clusters/[name]/alerts', clusterParams, noQuery, reply<AlertsResponse>()),
  allAlerts: get('/api/alerts', z.strictObject({}), z.strictObject({ state: z.optional(oneOf(['firing', 'all'] as const)) }), reply<{ alerts: Alert[] }>()),
  /** Ringside's rules over its own /api/metrics series, as a Prometheus rule file (YAML, not JSON). */
  alertRuleFile: get(
    '/api/alerts/rules.yaml',
    z.strictObject({}),
    z.strictObject({
      format: z.optional(oneOf(['rules', 'PrometheusRule'] as const)),
      /** The scrape job of Ringside's /api/metrics, for RingsideDown. */
      job: z.optional(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/, { error: 'expected a Prometheus job name, e.g. ringside' }))),
    }),
    reply<string>(),
  ),
  certificates: get('/api/clusters/[name]/certificates', clusterParams, noQuery, reply<CertificatesView>()),
  keyspace: get('/api/clusters/[name]/keyspace', clusterParams, z.strictObject({ source: z.optional(oneOf(['live', 'backup'] as const)) }), reply<KeyspaceResponse>()),
  // -- alert delivery
  notifications: get('/api/notifications', z.strictObject({}), noQuery, reply<NotificationsResponse>()),
  timeline: get(
    '/api/timeline',
    z.strictObject({}),
    z.strictObject({
      cluster: z.optional(text(2000)),
      member: z.optional(text(2000)),
      kind: z.optional(text(1000)),
      from: z.optional(text(40)),
      to: z.optional(text(40)),
      last: z.optional(text(20)),
      limit: z.optional(wholeNumber(1, 10_000)),
      collapse: z.optional(oneOf(['true', 'false'] as const)),
    }),
    reply<TimelineResponse>(),
  ),
  // -- Ringside itself
  /** Liveness: the process answers. */
  healthz: get('/api/healthz', z.strictObject({}), noQuery, reply<HealthResponse>()),
  /** Readiness: the config is loaded and every cluster has had its first poll (503 until then). */
  readyz: get('/api/readyz', z.strictObject({}), noQuery, reply<ReadyResponse>()),
  metrics: get('/api/metrics', z.strictObject({}), noQuery, reply<string>()),
  // -- access
  session: get('/api/auth/session', z.strictObject({}), noQuery, reply<AccessView>()),
  login: {
    method: 'POST' as const,
    path: '/api/auth/login',
    params: z.strictObject({}),
    query: noQuery,
    body: z.strictObject({
      user: z.optional(z.string().check(z.minLength(1, { error: 'expected a user name (a non-empty string)' }), z.maxLength(256, { error: 'at most 256 characters' }))),
      password: z.optional(z.string().check(z.minLength(1, { error: 'expected a non-empty string of at most 1024 characters' }), z.maxLength(1024, { error: 'expected a non-empty string of at most 1024 characters' }))),
      token: z.optional(z.string().check(z.minLength(1, { error: 'expected the API token as a non-empty string' }), z.maxLength(1024, { error: 'expected the API token as a non-empty string' }))),
    }),
    maxBody: 4096,
    reply: reply<{ user: { name: string; role: 'operator' | 'viewer' }; csrfToken: string; expiresAt: string }>(),
  },
  logout: { method: 'POST' as const, path: '/api/auth/logout', params: z.strictObject({}), query: noQuery, reply: reply<{ user: null }>() },
  // -- guided operations: what is there
  replacement: get('/api/clusters/[name]/replacement', clusterParams, z.strictObject({ member: z.optional(memberId) }), reply<ReplacementView>()),
  upgrade: get('/api/clusters/[name]/upgrade', clusterParams, z.strictObject({ to: etcdVersion }), reply<UpgradeView>()),
  operations: get('/api/clusters/[name]/operations', clusterParams, noQuery, reply<{ cluster: string; operations: Operation[] }>()),
  operation: get('/api/clusters/[name]/operations/[id]', z.strictObject({ name: clusterName, id: z.string().check(z.regex(/^[0-9a-f-]{36}$/, { error: 'expected an operation ID' })) }), noQuery, reply<Operation>()),
  audit: get('/api/clusters/[name]/audit', clusterParams, z.strictObject({ limit: z.optional(wholeNumber(1, 1000)) }), reply<{ cluster: string; entries: AuditEntry[] }>()),
  backups: get('/api/clusters/[name]/backups', clusterParams, noQuery, reply<BackupsResponse>()),
  restore: get(
    '/api/clusters/[name]/restore',
    clusterParams,
    z.strictObject({ backup: z.optional(backupId), store: z.optional(storeKey), kubernetes: z.optional(oneOf(['true', 'false'] as const)) }),
    reply<RestoreView>(),
  ),
  // -- guided operations: actions
  removeMember: act('/api/clusters/[name]/members/[id]/remove', memberParams, z.strictObject({ confirm: text(256) }), 'remove members'),
  addLearner: act(
    '/api/clusters/[name]/members',
    clusterParams,
    z.strictObject({
      name: z.string().check(z.regex(NEW_MEMBER_NAME, { error: 'expected a member name (letters, digits, ".", "_", "-"), e.g. the replaced member\'s' })),
      peerURL: url('https://10.0.0.3:2380'),
      clientURL: url('https://10.0.0.3:2379'),
    }),
    'add members',
  ),
  launchMember: act('/api/clusters/[name]/members/[id]/launch', memberParams, z.strictObject({}), 'start members'),
  promoteMember: act('/api/clusters/[name]/members/[id]/promote', memberParams, z.strictObject({}), 'promote learners'),
  defragment: act(
    '/api/clusters/[name]/defragment',
    clusterParams,
    z.strictObject({ memberIds: z.optional(z.array(memberId).check(z.minLength(1, { error: 'expected a list of member IDs (or none for every member)' }), z.maxLength(100, { error: 'at most 100 members' }))) }),
    'defragment members',
  ),
  moveLeader: act('/api/clusters/[name]/move-leader', clusterParams, z.strictObject({ to: memberId }), 'move the leader'),
  disarmAlarm: act('/api/clusters/[name]/alarms/disarm', clusterParams, z.strictObject({ alarm: oneOf(['NOSPACE', 'CORRUPT'] as const), confirm: text(256) }), 'disarm alarms'),
  keyspaceScan: act('/api/clusters/[name]/keyspace', clusterParams, z.strictObject({ source: oneOf(['live', 'backup'] as const) }), 'scan the keyspace', reply<{ scan: ScanState }>()),
  backup: act('/api/clusters/[name]/backups', clusterParams, z.strictObject({ member: z.optional(memberId) }), 'take snapshots'),
  notificationTest: { ...act('/api/notifications/test', z.strictObject({}), z.strictObject({}), 'send test alerts', reply<TestReport>()), status: 200 },
  drill: act('/api/clusters/[name]/backups/[backup]/drill', z.strictObject({ name: clusterName, backup: backupId }), z.strictObject({ store: z.optional(storeKey) }), 'run restore drills'),
  restoreRing: act(
    '/api/clusters/[name]/restore',
    clusterParams,
    z.strictObject({ backup: backupId, store: z.optional(storeKey), confirm: text(256), kubernetes: z.optional(z.boolean()) }),
    'restore clusters',
  ),
  snapshot: {
    ...act('/api/clusters/[name]/snapshot', clusterParams, z.strictObject({ member: z.optional(z.union([memberId, z.literal('')])), csrf: z.optional(text(256)) }), 'take snapshots', reply<Blob>()),
    form: true,
    status: 200,
    maxBody: 4096,
  },
} satisfies Record<string, Endpoint>;

export type Api = typeof api;
export type EndpointName = keyof Api;
export type ParamsOf<E extends Endpoint> = z.infer<E['params']>;
export type QueryOf<E extends Endpoint> = z.infer<E['query']>;
export type BodyOf<E extends Endpoint> = E['body'] extends Schema ? z.infer<E['body']> : undefined;
export type ReplyOf<E extends Endpoint> = E['reply'] extends Reply<infer T> ? T : never;

/** The first problem a schema found, as the API reports it: the field and what was expected. */
export function describeIssue(issue: z.core.$ZodIssue, where: 'path' | 'query' | 'body'): { field: string; message: string } {
  const field = issue.path.map(String).join('.') || where;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => quoteInput(k, 40)).join(', ');
    return { field: issue.keys[0]?.slice(0, 40) || field, message: `${where === 'query' ? 'unknown query parameter' : 'unknown field'}${issue.keys.length > 1 ? 's' : ''} ${keys}` };
  }
  if (issue.code === 'invalid_type') {
    return { field, message: issue.input === undefined ? `required (${issue.expected})` : `expected ${issue.expected}` };
  }
  const message = issue.message === 'Invalid input' ? 'is not valid' : issue.message;
  // "name: "Bad_Name" is not a cluster name": the value, bounded, where it helps to see it.
  const value = (issue as { input?: unknown }).input;
  if (typeof value === 'string' && /^(is|must) /.test(message)) return { field, message: `${quoteInput(value)} ${message}` };
  return { field, message };
}
