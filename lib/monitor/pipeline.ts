import { evaluateRules } from '../alerts/rules';
import { AlertTracker, alertEvent, type Alert } from '../alerts/tracker';
import { certificateFindings, type CertificateFinding, type ExpiryThresholds } from '../certs/findings';
import type { ClusterCertificates } from '../certs/inventory';
import type { AlertOverrides } from '../config/types';
import type { BackupStatus } from '../backups/types';
import type { PollResult } from '../etcd/types';
import { sampleOf } from '../model/series';
import { RingHistory } from '../history/store';
import { deriveRing } from '../ring/derive';
import { diffRing } from '../ring/events';
import type { HashCheck } from '../ring/hashkv';
import type { RingEvent, RingState } from '../ring/types';
import { GrowthForecast } from './growth';

/** Checks kept for the history; at the default 10 s that is the last ~17 minutes. */
const HASH_HISTORY = 100;
/** Changes after which the hashes are compared at once rather than a full interval later. */
const HASH_NOW: ReadonlySet<RingEvent['kind']> = new Set(['member-up', 'member-added', 'member-removed', 'member-promoted']);

export interface PipelineSettings {
  cluster: string;
  bootId: string;
  pollIntervalMs: number;
  /** How often the /metrics figures the rules read change (the alert `for` of those rules spans one). */
  metricsIntervalMs?: number;
  /** How many derived events to keep for late subscribers. */
  eventBuffer?: number;
  alerts?: AlertOverrides;
  /** When a certificate's expiry is a warning and when critical (certificates.warnDays, criticalDays). */
  certificates?: ExpiryThresholds;
}

const CERTIFICATE_DEFAULTS: ExpiryThresholds = { warnDays: 30, criticalDays: 7 };

/** What one poll changed, for the monitor to publish. */
export interface Folded {
  ring: RingState;
  events: RingEvent[];
  /** The whole pending and firing list, when anything in it changed; else null. */
  alerts: Alert[] | null;
  /** The first poll, a member back or a membership change: compare hashes now. */
  checkHashesNow: boolean;
}

/**
 * Everything a poll turns into, with no network and no timers: the ring state derived from what
 * the members said, the events since the last poll, the history sample, and the alert rules on
 * the poll's own clock. Deterministic for a given sequence of polls and hash checks.
 */
export class RingPipeline {
  readonly history: RingHistory;
  private state: RingState | null = null;
  private events: RingEvent[] = [];
  private hashChecks: HashCheck[] = [];
  private certs: ClusterCertificates | null = null;
  private readonly tracker: AlertTracker;
  private readonly growth: GrowthForecast;
  private alertsJson = '[]';
  private backups: BackupStatus | null = null;

  constructor(private readonly settings: PipelineSettings) {
    this.history = new RingHistory({ intervalMs: settings.pollIntervalMs, scrapeMs: settings.metricsIntervalMs });
    this.tracker = new AlertTracker(settings.cluster, { pollIntervalMs: settings.pollIntervalMs, metricsIntervalMs: settings.metricsIntervalMs, overrides: settings.alerts });
    this.growth = new GrowthForecast(this.history);
  }

  get ring(): RingState | null {
    return this.state;
  }

  /** Recent derived events, oldest first. */
  recentEvents(): RingEvent[] {
    return [...this.events];
  }

  get hashCheck(): HashCheck | null {
    return this.hashChecks.at(-1) ?? null;
  }

  hashHistory(): HashCheck[] {
    return [...this.hashChecks];
  }

  alerts(): Alert[] {
    return this.tracker.list();
  }

  /** The alert state from before a restart (lib/history/journal.ts). */
  restoreAlerts(alerts: readonly Alert[], now: number, settleMs: number): void {
    this.tracker.restore(alerts, now, settleMs);
  }

  /** The latest read of the cluster's certificates; null before the first. */
  get certificates(): ClusterCertificates | null {
    return this.certs;
  }

  /**
   * What the certificates say at `now`. Judged on every poll from the latest read (read far less
   * often): a certificate crosses from warning to critical at the hour it does, not at the next read.
   */
  certificateFindings(now: number): CertificateFinding[] {
    return this.certs ? certificateFindings(this.certs, this.settings.certificates ?? CERTIFICATE_DEFAULTS, now) : [];
  }

  /** Folds one poll in: state, events, history, alerts (evaluated at the poll's own time). */
  fold(poll: PollResult): Folded {
    const prev = this.state;
    const next = deriveRing(poll, prev, { bootId: this.settings.bootId, pollIntervalMs: this.settings.pollIntervalMs });
    const events = diffRing(prev, next);
    this.state = next;
    this.history.record(sampleOf(next));
    const now = poll.at;
    const changes = this.tracker.update(
      evaluateRules({
        ring: next,
        hashChecks: this.hashChecks,
        events: [...this.events, ...events],
        dbSizeIn4h: this.growth.dbSizeIn4h(next, now),
        certificates: this.certificateFindings(now),
        backups: this.backups,
        now,
      }),
      now,
    );
    events.push(...changes.map((c, n) => alertEvent(c, `${next.bootId}-${next.seq}-a${n}`)));
    if (events.length) this.events = [...this.events, ...events].slice(-(this.settings.eventBuffer ?? 500));
    return { ring: next, events, alerts: this.alertsIfChanged(), checkHashesNow: !prev || events.some((e) => HASH_NOW.has(e.kind)) };
  }

  /** Keeps the latest certificate read; its conditions count from the next poll. */
  setCertificates(read: ClusterCertificates): void {
    this.certs = read;
  }

  /** The cluster's backups as they stand now; the rules judge freshness at every poll from it. */
  setBackups(status: BackupStatus | null): void {
    this.backups = status;
  }

  get backupStatus(): BackupStatus | null {
    return this.backups;
  }

  /** Keeps a finished HashKV check (the rules read the recent ones). */
  addHashCheck(check: HashCheck): void {
    this.hashChecks = [...this.hashChecks, check].slice(-HASH_HISTORY);
  }

  /** The alert list when anything in it changed (state, severity, value, message). */
  private alertsIfChanged(): Alert[] | null {
    const alerts = this.tracker.list();
    const json = JSON.stringify(alerts);
    if (json === this.alertsJson) return null;
    this.alertsJson = json;
    return alerts;
  }
}
