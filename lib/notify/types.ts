import type { AlertText, Labels } from './alert';
import type { DeliveryEvent } from './formats';

/** Delivery's shapes shared by the notifier, its lanes and (as types) the UI. Pure data. */

export type ReceiverKind = 'alertmanager' | 'webhook';

/** One alert Ringside has told (or is telling) its receivers about. Persisted. */
export interface AlertRecord {
  fingerprint: string;
  /** The producer whose `sync()` owns it, e.g. `alerts/prod`. */
  feed: string;
  /** The producer's alert id, for the UI. */
  alertId: string;
  labels: Labels;
  text: AlertText;
  startsAt: string;
  /** Set when it resolved. */
  endsAt: string | null;
  /** Resolved: the Alertmanagers still to accept the resolve. */
  alertmanagers: string[];
  /** The webhooks that were sent its firing, and so are owed its resolve. */
  webhooks: string[];
}

export interface ReceiverCounters {
  /** Deliveries accepted (an Alertmanager POST holds every alert due). */
  sent: number;
  /** Attempts that failed. */
  failed: number;
  /** Deliveries given up: the queue overflowed, the receiver rejected the body, or it left the config. */
  dropped: number;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  /** Secret-free: never a URL's path. */
  lastError: string | null;
  /** Start of the current run of failures; null while healthy. */
  failingSince: string | null;
}

/** A receiver's state for the Notifications page and /api/metrics. */
export interface ReceiverStatus extends ReceiverCounters {
  name: string;
  kind: ReceiverKind;
  format: 'alertmanager' | 'json' | 'slack';
  /** scheme://host[:port] only: a webhook URL's path can be its secret. */
  target: string;
  /** Alerts or events waiting to be delivered. */
  queued: number;
  nextAttemptAt: string | null;
}

/**
 * Something a person should know about delivery: every failed attempt, a recovery, every drop,
 * and state-file trouble. Messages are secret-free and name what was affected.
 */
export interface DeliveryReport {
  at: string;
  /** Absent for state-file reports. */
  receiver?: string;
  kind?: ReceiverKind;
  event: 'failed' | 'recovered' | 'rejected' | 'dropped' | 'state';
  message: string;
  /** The alerts concerned (labels that name them). */
  alerts: { alertname: string; cluster?: string; member?: string; status: 'firing' | 'resolved' }[];
  /** Failed: the run's attempt count and when the next one is due. */
  attempt?: number;
  retryAt?: string;
}

export interface TestResult {
  receiver: string;
  kind: ReceiverKind;
  ok: boolean;
  error: string | null;
}

/** The state file: everything needed to resume after a restart, and nothing secret. */
export interface StoredState {
  version: 1;
  alerts: AlertRecord[];
  /** Each webhook's queue, oldest first. */
  queues: Record<string, DeliveryEvent[]>;
  counters: Record<string, ReceiverCounters>;
  /**
   * The latest alerts that resolved (newest last, bounded): fingerprint and `startsAt` of each, so
   * that an alert the tracker carried over a crash, already closed downstream, is not reopened.
   * Absent in files written before it existed.
   */
  ended?: EndedAlert[];
}

export interface EndedAlert {
  fingerprint: string;
  startsAt: string;
  endsAt: string;
}
