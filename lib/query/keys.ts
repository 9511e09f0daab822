import { queryOptions, skipToken } from '@tanstack/react-query';
import type { RuleDef } from '../alerts/rules';
import type { Alert } from '../alerts/tracker';
import { HISTORY_RANGES, type HistoryRange } from '../history/ranges';
import type { SeriesDef, SeriesKey } from '../history/series';
import type { HistoryResult } from '../history/store';
import type { LogLine } from '../logs/types';
import type { PodState } from '../monitor/log-collector';
import type { CorruptionAudit } from '../ring/corruption-audit';
import type { HashCheck } from '../ring/hashkv';
import type { RingEvent, RingState } from '../ring/types';
import type { ClusterSummary } from '../ring/summary';
import type { AuditEntry } from '../audit/types';
import type { TimelineEntry } from '../timeline/types';
import type { AccessView, Operation, ReplacementView, StoredSnapshot } from '../ops/types';

/** The one place query keys are built. */
export const ringKeys = {
  all: ['ringside'] as const,
  clusters: () => [...ringKeys.all, 'clusters'] as const,
  ring: (cluster: string) => [...ringKeys.all, 'cluster', cluster, 'ring'] as const,
  events: (cluster: string) => [...ringKeys.all, 'cluster', cluster, 'events'] as const,
  hashkv: (cluster: string) => [...ringKeys.all, 'cluster', cluster, 'hashkv'] as const,
  alerts: (cluster: string) => [...ringKeys.all, 'cluster', cluster, 'alerts'] as const,
  /** Every range's history of one cluster; `history(c, r)` narrows to a range, `history(c, r, keys)` to one query. */
  history: (cluster: string, range?: HistoryRange, keys?: readonly SeriesKey[]) =>
    [...ringKeys.all, 'cluster', cluster, 'history', ...(range ? [range] : []), ...(keys ? [keys.join(',')] : [])] as const,
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { cache: 'no-store' });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new ApiError(res.status, body?.error?.message ?? `${url} answered ${res.status}`);
  }
  return (await res.json()) as T;
}

export const clustersQuery = () =>
  queryOptions({
    queryKey: ringKeys.clusters(),
    queryFn: () => getJson<{ clusters: ClusterSummary[] }>('/api/clusters').then((r) => r.clusters),
    refetchInterval: 1000,
  });

export const ringQuery = (cluster: string) =>
  queryOptions({
    queryKey: ringKeys.ring(cluster),
    queryFn: () => getJson<RingState>(`/api/clusters/${cluster}/ring`),
    // The stream keeps this fresh; refetching would race it.
    staleTime: Infinity,
  });

/**
 * Recent events. The stream hook owns this cache entry: it merges the server's list on every
 * (re)connect and each live event, so a slow fetch can never replace events that arrived
 * meanwhile. Components read it with `eventsQuery`, which never fetches on its own.
 */
export const eventsQuery = (cluster: string) =>
  queryOptions<RingEvent[]>({
    queryKey: ringKeys.events(cluster),
    queryFn: skipToken,
    staleTime: Infinity,
  });

export const fetchEvents = (cluster: string) =>
  getJson<{ events: RingEvent[] }>(`/api/clusters/${cluster}/events`).then((r) => r.events);

export const hashkvQuery = (cluster: string) =>
  queryOptions({
    queryKey: ringKeys.hashkv(cluster),
    queryFn: () => getJson<HashCheck>(`/api/clusters/${cluster}/hashkv`),
    staleTime: Infinity,
  });

export interface LogsResponse {
  cluster: string;
  sources: string[];
  lines: LogLine[];
  audits: CorruptionAudit[];
  kubernetes: { pods: PodState[]; error: string | null };
}

/**
 * The latest corruption evidence and alarm lines and each member's check settings, for the
 * consistency panel. The checks' own rounds (corruption-check) are asked apart, so a check that
 * fails every 5 s can never push evidence out of the dozen lines shown.
 */
export const corruptionLogsQuery = (cluster: string) =>
  queryOptions({
    queryKey: [...ringKeys.all, 'cluster', cluster, 'logs', 'corruption'] as const,
    queryFn: () => getJson<LogsResponse>(`/api/clusters/${cluster}/logs?category=corruption,alarm&limit=12`),
    refetchInterval: 2000,
  });

/** The members' latest corruption-check rounds (ran, passed, could not reach a peer), for the consistency panel. */
export const checkLogsQuery = (cluster: string) =>
  queryOptions({
    queryKey: [...ringKeys.all, 'cluster', cluster, 'logs', 'corruption-check'] as const,
    queryFn: () => getJson<LogsResponse>(`/api/clusters/${cluster}/logs?category=corruption-check&limit=6`),
    refetchInterval: 2000,
  });

export interface AlertsResponse {
  cluster: string;
  alerts: Alert[];
  rules: AlertRule[];
}

export type AlertRule = RuleDef & { name: string; forMs: number; disabled: boolean };

/**
 * Pending and firing alerts. Owned by the stream, which sends the whole list on connect and
 * whenever it changes; this never fetches on its own.
 */
export const alertsQuery = (cluster: string) =>
  queryOptions<Alert[]>({
    queryKey: ringKeys.alerts(cluster),
    queryFn: skipToken,
    staleTime: Infinity,
  });

/** The rules alerts come from, with their `for` at this deployment's poll interval. */
export const alertRulesQuery = (cluster: string) =>
  queryOptions({
    queryKey: [...ringKeys.all, 'cluster', cluster, 'alert-rules'] as const,
    queryFn: () => getJson<AlertsResponse>(`/api/clusters/${cluster}/alerts`).then((r) => r.rules),
    staleTime: Infinity,
  });

export interface HistoryResponse extends HistoryResult {
  cluster: string;
  range: HistoryRange;
  units: Partial<Record<SeriesKey, SeriesDef['unit']>>;
  /** Ring events in the range, to mark on the time axis. */
  events: RingEvent[];
}

/**
 * History of the charted figures over a range. The 5 min view is kept live by appending each
 * streamed poll (appendSample); longer ranges refetch once per point width.
 */
export const historyQuery = (cluster: string, range: HistoryRange, keys: readonly SeriesKey[]) =>
  queryOptions({
    queryKey: ringKeys.history(cluster, range, keys),
    queryFn: () => getJson<HistoryResponse>(`/api/clusters/${cluster}/history?metric=${keys.join(',')}&range=${range}`),
    staleTime: range === '5m' ? Infinity : HISTORY_RANGES[range].stepMs,
    refetchInterval: range === '5m' ? false : Math.max(HISTORY_RANGES[range].stepMs, 10_000),
  });

// ---------------------------------------------------------------- access and guided operations

export const accessQuery = () =>
  queryOptions({
    queryKey: [...ringKeys.all, 'access'] as const,
    queryFn: () => getJson<AccessView>('/api/auth/session'),
    // No polling: asking keeps a session alive, and an open tab is not an operator at work.
    // It refreshes on focus, and after any action the server refused for want of a session.
    staleTime: 60_000,
  });

export const opsKeys = {
  operations: (cluster: string) => [...ringKeys.all, 'cluster', cluster, 'operations'] as const,
  audit: (cluster: string) => [...ringKeys.all, 'cluster', cluster, 'audit'] as const,
  backups: (cluster: string) => [...ringKeys.all, 'cluster', cluster, 'backups'] as const,
  replacement: (cluster: string, member?: string | null) => [...ringKeys.all, 'cluster', cluster, 'replacement', ...(member ? [member] : [])] as const,
};

/** Running and recent operations; the stream's `operation` messages keep it current. */
export const operationsQuery = (cluster: string) =>
  queryOptions({
    queryKey: opsKeys.operations(cluster),
    queryFn: () => getJson<{ operations: Operation[] }>(`/api/clusters/${cluster}/operations`).then((r) => r.operations),
    staleTime: Infinity,
  });

export const auditQuery = (cluster: string) =>
  queryOptions({
    queryKey: opsKeys.audit(cluster),
    queryFn: () => getJson<{ entries: AuditEntry[] }>(`/api/clusters/${cluster}/audit?limit=100`).then((r) => r.entries),
    staleTime: 30_000,
  });

export interface BackupsResponse {
  dir: string | null;
  encrypted: boolean;
  keep: number | null;
  snapshots: StoredSnapshot[];
}

export const backupsQuery = (cluster: string) =>
  queryOptions({
    queryKey: opsKeys.backups(cluster),
    queryFn: () => getJson<BackupsResponse>(`/api/clusters/${cluster}/backups`),
    staleTime: 30_000,
  });

/** Where a replacement stands; derived on the server from the live membership, so it is refetched every second. */
export const replacementQuery = (cluster: string, member: string | null) =>
  queryOptions({
    queryKey: opsKeys.replacement(cluster, member),
    queryFn: () => getJson<ReplacementView>(`/api/clusters/${cluster}/replacement${member ? `?member=${member}` : ''}`),
    refetchInterval: 1000,
  });

/** Starts an action: JSON with the session's CSRF token. Rejects with the server's message. */
export async function postAction<T = { operation: Operation }>(url: string, body: unknown, csrfToken: string | undefined): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(csrfToken ? { 'x-ringside-csrf': csrfToken } : {}) },
    body: JSON.stringify(body ?? {}),
  });
  const json = (await res.json().catch(() => null)) as ({ error?: { message?: string } } & T) | null;
  if (!res.ok) throw new ApiError(res.status, json?.error?.message ?? `${url} answered ${res.status}`);
  return json as T;
}

export interface TimelineResponse {
  from: string;
  to: string;
  total: number;
  entries: TimelineEntry[];
}

/** The timeline for a URL query (the page's own search string); a relative window refreshes itself. */
export const timelineQuery = (search: string) =>
  queryOptions({
    queryKey: [...ringKeys.all, 'timeline', search] as const,
    queryFn: () => getJson<TimelineResponse>(`/api/timeline?${search}`),
    refetchInterval: search.includes('last=') ? 5000 : false,
    placeholderData: (prev) => prev,
  });
