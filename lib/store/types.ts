import type { AuditStore } from '../audit/types';
import type { MinuteBuckets } from '../history/store';
import type { HistorySample } from '../model/series';
import type { Operation } from '../ops/types';
import type { TimelineEntry } from '../timeline/types';

/**
 * Ringside's own state, behind small interfaces so one process on files (the default, in
 * `dataDir`) and several replicas on PostgreSQL (`store.postgres`) run the same code. Backup
 * records and drill sidecars are not here: they live beside the snapshots in the backup stores.
 */
export interface RingsideStore {
  readonly kind: 'files' | 'postgres';
  /** Who this process is to the other replicas: host/pid, e.g. `ringside-7d9f-abc12/1`. */
  readonly replica: string;
  readonly audit: AuditStore;
  /** Operations on one cluster are exclusive across replicas. */
  readonly locks: OperationLocks;
  /** Sessions shared between replicas; null on files (sessions stay in memory). */
  readonly sessions: SessionShare | null;
  /** The sign-in throttle's part shared between replicas; null on files (one process, in memory). */
  readonly signIns: SignInShare | null;
  /** A small named JSON state (alert delivery, the alert tracker's state). */
  cell<T>(name: string): StateCell<T>;
  /** A lease held by one replica at a time (the schedule's leader). */
  lease(name: string): Lease;
  readonly history: HistoryLog;
  /** The incident timeline shared between replicas; null on files (the timeline's own files in dataDir). */
  readonly timeline: TimelineLog | null;
  close(): Promise<void>;
}

/** The timeline as rows with an ever-growing sequence number, for replicas to follow. */
export interface TimelineLog {
  /** Entries already there (by id) are skipped. */
  append(entries: readonly TimelineEntry[]): Promise<void>;
  /** Entries after `seq`, oldest first, at most `limit`; `seq` is where to go on from. */
  since(seq: number, limit: number): Promise<{ entries: TimelineEntry[]; seq: number }>;
  /** The newest entries at or after `fromMs` (at most `limit`), and the sequence number to follow from. */
  recent(fromMs: number, limit: number): Promise<{ entries: TimelineEntry[]; seq: number }>;
  /** Forgets entries before `beforeMs`. */
  prune(beforeMs: number): Promise<void>;
}

export interface StateCell<T> {
  /** The saved state; null when there is none. `unreadable`: what was set aside instead. */
  load(now: number): Promise<{ state: T | null; unreadable?: string }>;
  /** Resolves once it (or a newer state) is durable. */
  save(state: T): Promise<void>;
}

/** One replica's hold on a name, renewed before it expires; see lease.ts. */
export interface Lease {
  /** Whether this replica holds it now (false once a renewal is overdue, before it could have expired). */
  held(): boolean;
  /** Calls back on every change of `held()`. */
  onChange(fn: (held: boolean) => void): () => void;
  start(): void;
  /** Stops renewing and gives the lease up at once, so another replica takes it without waiting. */
  stop(): Promise<void>;
}

export interface OperationLocks {
  /** Takes the cluster's lock for `op`, or throws CONFLICT naming the running operation and its replica. */
  acquire(op: Operation): Promise<void>;
  /** The operation changed (a step began or ended): others see it at the next renewal. */
  update(op: Operation): void;
  /** Its final state is stored and the lock is given up. */
  release(op: Operation): Promise<void>;
  /** Operations other replicas run or ran (interrupted ones included), newest first. */
  others(cluster: string): Operation[];
  /** Told of each change in another replica's operation, for this replica's live streams. */
  onChange: ((op: Operation) => void) | null;
  start(): void;
  stop(): Promise<void>;
}

/**
 * What the sign-in throttle shares between replicas (lib/auth/limiter.ts): each configured user's
 * failed password sign-ins from browsers not remembered for them, so the per-user budget holds
 * whichever replica a guess reaches; and the browsers each user is remembered in (by the SHA-256
 * of the device cookie), so a browser remembered by one replica is known to all.
 */
export interface SignInShare {
  /** The user's failures at or after `since` (epoch ms), newest first, at most `limit`. */
  failures(user: string, since: number, limit: number): Promise<number[]>;
  /** Records one failure, and forgets those older than `forgetBefore`. */
  recordFailure(user: string, at: number, forgetBefore: number): Promise<void>;
  knowsDevice(user: string, deviceKey: string): Promise<boolean>;
  /** Remembers a browser for the user; past `maxPerUser` their oldest is forgotten. */
  addDevice(user: string, deviceKey: string, at: number, maxPerUser: number): Promise<void>;
}

/** A session as the store keeps it, keyed by the SHA-256 of its id. */
export interface StoredSession {
  key: string;
  user: string;
  role: 'operator' | 'viewer';
  via: 'password' | 'token' | 'proxy';
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionShare {
  put(s: StoredSession): Promise<void>;
  remove(key: string): Promise<void>;
  /** Last-seen times, batched by the caller. */
  touch(seen: ReadonlyMap<string, number>): Promise<void>;
  get(key: string): Promise<StoredSession | null>;
  all(): Promise<StoredSession[]>;
  /** Deletes sessions idle since before `idleBefore` or made before `createdBefore`. */
  prune(idleBefore: number, createdBefore: number): Promise<void>;
  /** Calls back with the key of every session put or removed by any replica ('' after a reconnect: read them all). */
  listen(fn: (key: string) => void): Promise<() => Promise<void>>;
}

/** A minute's buckets of one cluster, as stored (the day; the last hour comes from raw samples). */
export type MinuteRow = MinuteBuckets;

export interface HistoryLog {
  appendSamples(cluster: string, samples: readonly HistorySample[]): Promise<void>;
  appendMinutes(cluster: string, rows: readonly MinuteRow[]): Promise<void>;
  /** Samples at or after `samplesFrom` and minutes at or after `minutesFrom`, oldest first. */
  load(cluster: string, samplesFrom: number, minutesFrom: number): Promise<{ samples: HistorySample[]; minutes: MinuteRow[] }>;
  /** Forgets samples before `samplesBefore` and minutes before `minutesBefore`. */
  prune(cluster: string, samplesBefore: number, minutesBefore: number): Promise<void>;
}
