import { queryOptions, skipToken } from '@tanstack/react-query';
import type { Alert } from '../alerts/tracker';
import { call } from '../api/client';
import type {
  AlertRule,
  AlertsResponse,
  BackupsResponse,
  CertificatesView,
  HistoryResponse,
  KeyspaceResponse,
  LogsResponse,
  NotificationsResponse,
  TimelineResponse,
} from '../api/contract';
import { HISTORY_RANGES, type HistoryRange } from '../model/ranges';
import type { SeriesKey } from '../model/series';
import type { BackupStatus } from '../backups/types';
import type { RingEvent } from '../ring/types';

export type { AlertRule, AlertsResponse, BackupsResponse, CertificatesView, HistoryResponse, KeyspaceResponse, LogsResponse, NotificationsResponse, TimelineResponse };

/** The one place query keys are built. */
export const ringKeys = {
  all: ['ringside'] as const,
  clusters: () => [...ringKeys.all, 'clusters'] as const,
  ring: (cluster: string) => [...ringKeys.all, 'cluster', cluster, 'ring'] as const,
  events: (cluster: string) => [...ringKeys.all, 'cluster', cluster, 'events'] as const,
  hashkv: (cluster: string) => [...ringKeys.all, 'cluster', cluster, 'hashkv'] as const,
  alerts: (cluster: string) => [...ringKeys.all, 'cluster', cluster, 'alerts'] as const,
  certificates: (cluster: string) => [...ringKeys.all, 'cluster', cluster, 'certificates'] as const,
  /** The keyspace report of a source ('' for the newest of either), capacity and the defragment dry run. */
  keyspace: (cluster: string, source: '' | 'live' | 'backup' = '') => [...ringKeys.all, 'cluster', cluster, 'keyspace', ...(source ? [source] : [])] as const,
  notifications: () => [...ringKeys.all, 'notifications'] as const,
  /** Freshness and the last drill; owned by the stream's `backups` messages. */
  backupStatus: (cluster: string) => [...ringKeys.all, 'cluster', cluster, 'backup-status'] as const,
  /** One filtered view of a cluster's live log lines (the log panel). */
  logLines: (cluster: string, filter: string) => [...ringKeys.all, 'cluster', cluster, 'log-lines', filter] as const,
  /** Every range's history of one cluster; `history(c, r)` narrows to a range, `history(c, r, keys)` to one query. */
  history: (cluster: string, range?: HistoryRange, keys?: readonly SeriesKey[]) =>
    [...ringKeys.all, 'cluster', cluster, 'history', ...(range ? [range] : []), ...(keys ? [keys.join(',')] : [])] as const,
};

const name = (cluster: string) => ({ params: { name: cluster } });

/**
 * Every cluster's summary. The fleet stream (useFleetStream) keeps it live after the first
 * answer, as the cluster stream does for one cluster; this never polls.
 */
export const clustersQuery = () =>
  queryOptions({
    queryKey: ringKeys.clusters(),
    queryFn: () => call('clusters').then((r) => r.clusters),
    staleTime: Infinity,
  });

export const ringQuery = (cluster: string) =>
  queryOptions({
    queryKey: ringKeys.ring(cluster),
    queryFn: () => call('ring', name(cluster)),
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

export const fetchEvents = (cluster: string) => call('events', name(cluster)).then((r) => r.events);

export const hashkvQuery = (cluster: string) =>
  queryOptions({
    queryKey: ringKeys.hashkv(cluster),
    queryFn: () => call('hashkv', name(cluster)),
    staleTime: Infinity,
  });

/**
 * The latest corruption evidence and alarm lines and each member's check settings, for the
 * consistency panel. The checks' own rounds (corruption-check) are asked apart, so a check that
 * fails every 5 s can never push evidence out of the dozen lines shown.
 */
export const corruptionLogsQuery = (cluster: string) =>
  queryOptions({
    queryKey: [...ringKeys.all, 'cluster', cluster, 'logs', 'corruption'] as const,
    queryFn: () => call('logs', { ...name(cluster), query: { category: 'corruption,alarm', limit: 12 } }),
    refetchInterval: 2000,
  });

/** The members' latest corruption-check rounds (ran, passed, could not reach a peer), for the consistency panel. */
export const checkLogsQuery = (cluster: string) =>
  queryOptions({
    queryKey: [...ringKeys.all, 'cluster', cluster, 'logs', 'corruption-check'] as const,
    queryFn: () => call('logs', { ...name(cluster), query: { category: 'corruption-check', limit: 6 } }),
    refetchInterval: 2000,
  });

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

/** Freshness and the last restore drill: the first paint, then the stream's `backups` messages. Never fetches on its own. */
export const backupStatusQuery = (cluster: string) =>
  queryOptions<BackupStatus | null>({
    queryKey: ringKeys.backupStatus(cluster),
    queryFn: skipToken,
    staleTime: Infinity,
  });

/** The rules alerts come from, with their `for` at this deployment's poll interval. */
export const alertRulesQuery = (cluster: string) =>
  queryOptions({
    queryKey: [...ringKeys.all, 'cluster', cluster, 'alert-rules'] as const,
    queryFn: () => call('alerts', name(cluster)).then((r) => r.rules),
    staleTime: Infinity,
  });

/**
 * The members' certificates with their days left. Read by the server about hourly, so a minute's
 * refresh keeps "days left" and a re-read after a member restart current without a stream; until
 * the first read (just after the server's first poll) it asks every 2 s.
 */
export const certificatesQuery = (cluster: string) =>
  queryOptions({
    queryKey: ringKeys.certificates(cluster),
    queryFn: () => call('certificates', name(cluster)),
    refetchInterval: (q) => (q.state.data?.checkedAt ? 60_000 : 2000),
  });

/**
 * The newest keyspace report with its diff, quota and growth per member, and the defragment
 * rules' dry run. The figures move with every poll and a scan takes seconds to minutes: every
 * 2 s while a scan runs, else every 10 s.
 */
export const keyspaceQuery = (cluster: string, source: '' | 'live' | 'backup' = '') =>
  queryOptions({
    queryKey: ringKeys.keyspace(cluster, source),
    queryFn: () => call('keyspace', { ...name(cluster), query: { source: source || undefined } }),
    refetchInterval: (q) => (q.state.data?.scan.running ? 2000 : 10_000),
    placeholderData: (prev) => prev,
  });

/** Alert delivery per receiver and its recent audit lines; a receiver's state moves with its retries. */
export const notificationsQuery = () =>
  queryOptions({
    queryKey: ringKeys.notifications(),
    queryFn: () => call('notifications'),
    refetchInterval: 5000,
  });

/**
 * History of the charted figures over a range. The 5 min view is kept live by appending each
 * streamed poll (appendSample); longer ranges refetch once per point width.
 */
export const historyQuery = (cluster: string, range: HistoryRange, keys: readonly SeriesKey[]) =>
  queryOptions({
    queryKey: ringKeys.history(cluster, range, keys),
    queryFn: () => call('history', { ...name(cluster), query: { metric: keys.join(','), range } }),
    staleTime: range === '5m' ? Infinity : HISTORY_RANGES[range].stepMs,
    refetchInterval: range === '5m' ? false : Math.max(HISTORY_RANGES[range].stepMs, 10_000),
  });

// ---------------------------------------------------------------- access and guided operations

export const accessQuery = () =>
  queryOptions({
    queryKey: [...ringKeys.all, 'access'] as const,
    queryFn: () => call('session'),
    // No polling: asking keeps a session alive, and an open tab is not an operator at work.
    // It refreshes on focus, and after any action the server refused for want of a session. A
    // first paint that could not hand a proxy user its CSRF token asks at once.
    staleTime: (q) => (q.state.data?.user && !q.state.data.csrfToken && q.state.data.user.via !== 'token' ? 0 : 60_000),
  });

export const opsKeys = {
  operations: (cluster: string) => [...ringKeys.all, 'cluster', cluster, 'operations'] as const,
  audit: (cluster: string) => [...ringKeys.all, 'cluster', cluster, 'audit'] as const,
  backups: (cluster: string) => [...ringKeys.all, 'cluster', cluster, 'backups'] as const,
  replacement: (cluster: string, member?: string | null) => [...ringKeys.all, 'cluster', cluster, 'replacement', ...(member ? [member] : [])] as const,
  upgrade: (cluster: string, to: string) => [...ringKeys.all, 'cluster', cluster, 'upgrade', to] as const,
  restore: (cluster: string, backup?: string | null, store?: string | null, kubernetes?: boolean | null) =>
    [...ringKeys.all, 'cluster', cluster, 'restore', ...(backup ? [backup, store ?? '', String(kubernetes ?? '')] : [])] as const,
};

/** Running and recent operations; the stream's `operation` messages keep it current. */
export const operationsQuery = (cluster: string) =>
  queryOptions({
    queryKey: opsKeys.operations(cluster),
    queryFn: () => call('operations', name(cluster)).then((r) => r.operations),
    staleTime: Infinity,
  });

export const auditQuery = (cluster: string) =>
  queryOptions({
    queryKey: opsKeys.audit(cluster),
    queryFn: () => call('audit', { ...name(cluster), query: { limit: 100 } }).then((r) => r.entries),
    staleTime: 30_000,
  });

/** Stored backups with freshness; refreshed when an operation ends and every 30 s (another replica, a store changed by hand). */
export const backupsQuery = (cluster: string) =>
  queryOptions({
    queryKey: opsKeys.backups(cluster),
    queryFn: () => call('backups', name(cluster)),
    staleTime: 30_000,
    refetchInterval: 30_000,
  });

/** Where a replacement stands; derived on the server from the live membership, so it is refetched every second. */
export const replacementQuery = (cluster: string, member: string | null) =>
  queryOptions({
    queryKey: opsKeys.replacement(cluster, member),
    queryFn: () => call('replacement', { ...name(cluster), query: { member: member ?? undefined } }),
    refetchInterval: 1000,
  });

/**
 * A rolling upgrade's plan and where the ring stands in it; derived on the server from the live
 * ring, the members' /version and HashKV, so it is refetched every second while the page is open.
 */
export const upgradeQuery = (cluster: string, to: string | null) =>
  queryOptions({
    queryKey: opsKeys.upgrade(cluster, to ?? ''),
    queryFn: to ? () => call('upgrade', { ...name(cluster), query: { to } }) : skipToken,
    refetchInterval: 1000,
    // A target that the API refuses stays refused: no retry storm on a typo.
    retry: false,
  });

/**
 * The disaster restore wizard for a chosen backup: preflight, commands, and the verification of
 * the new ring, derived on the server from the live ring, so refetched every 2 seconds.
 */
export const restoreQuery = (cluster: string, backup: string | null, store: string | null, kubernetes: boolean | null) =>
  queryOptions({
    queryKey: opsKeys.restore(cluster, backup, store, kubernetes),
    queryFn: () =>
      call('restore', { ...name(cluster), query: { backup: backup ?? undefined, store: backup ? (store ?? undefined) : undefined, kubernetes: kubernetes === null ? undefined : String(kubernetes) } }),
    refetchInterval: 2000,
    placeholderData: (prev) => prev,
  });

/** The timeline for a URL query (the page's own search string); a relative window refreshes itself. */
export const timelineQuery = (search: string) =>
  queryOptions({
    queryKey: [...ringKeys.all, 'timeline', search] as const,
    queryFn: () => call('timeline', { query: Object.fromEntries(new URLSearchParams(search)) }),
    refetchInterval: search.includes('last=') ? 5000 : false,
    placeholderData: (prev) => prev,
  });
