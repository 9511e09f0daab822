import 'server-only';
import { randomUUID } from 'node:crypto';
import type { AlertSeverity } from '../alerts/rules';
import type { AuditEntry, AuditStore } from '../audit/types';
import type { Principal } from '../auth/guard';
import { RingsideError } from '../errors';
import type { AlertLike } from './alert';
import type { NotifySettings } from './config';
import { Notifier, type NotifierOptions } from './notifier';
import { ReportLimiter } from './report-limit';
import type { Lease, StateCell } from '../store/types';
import type { DeliveryReport, ReceiverStatus, StoredState, TestResult } from './types';

/** A producer of alerts: a cluster's monitor (`alerts/<cluster>`), or any other work (`backups/<cluster>`). */
export interface AlertSource {
  readonly feed: string;
  /** Its complete current list, pending alerts included. */
  alerts(): readonly AlertLike[];
  /** Calls back whenever the list may have changed, and at least once per poll. */
  subscribe(onChange: () => void): () => void;
}

/** A receiver as the Notifications page shows it: its state and what it is sent. */
export interface ReceiverView extends ReceiverStatus {
  /** null: every severity, every cluster (Alertmanagers always get everything and route it themselves). */
  severities: AlertSeverity[] | null;
  clusters: string[] | null;
  /** JSON bodies carry an HMAC signature. */
  signed: boolean;
}

export interface DeliveryView {
  /** off: no `notifications` in the config; failed: its state could not be opened; standby: another replica delivers. */
  state: 'off' | 'starting' | 'standby' | 'running' | 'failed' | 'closed';
  error: string | null;
  /** The base of every link in an alert (notifications.externalURL). */
  externalURL: string | null;
  resendIntervalMs: number | null;
  receivers: ReceiverView[];
}

/** What the page shows without a `notifications` block (or without a config at all). */
export const DELIVERY_OFF: DeliveryView = { state: 'off', error: null, externalURL: null, resendIntervalMs: null, receivers: [] };

export interface TestReport {
  at: string;
  results: TestResult[];
}

/** The audit log's words for delivery: its reports, and the operator's test alert. */
export const DELIVERY_ACTIONS = ['notify-test', 'notify-failed', 'notify-recovered', 'notify-rejected', 'notify-dropped', 'notify-state'] as const;

/** At most this many alerts named in one audit line (an Alertmanager POST can hold hundreds). */
const AUDIT_ALERTS = 20;

export interface DeliveryOptions {
  /** Absent: delivery is off; the page says how to turn it on. */
  settings: NotifySettings | undefined;
  /** `<dataDir>/notifications.json`... */
  stateFile?: string;
  /** ...or the shared store's cell (several replicas). */
  state?: StateCell<StoredState>;
  /** Several replicas: delivery runs only while this replica holds the schedule's lease. */
  lease?: Lease;
  audit: AuditStore;
  sources: readonly AlertSource[];
  /** The server log. */
  log?: (line: string) => void;
  now?: () => number;
  /** The engine's parts (fetch, clock, backoff), for tests. */
  notifier?: Partial<Pick<NotifierOptions, 'fetch' | 'clock' | 'random' | 'backoff' | 'settleMs'>>;
}

/**
 * Alert delivery wired into the server (issue 15): opens the Notifier on its state file, closes
 * what belongs to feeds that are gone, then hands it every source's complete list on every change
 * and every poll. Every report reaches the server log; the audit log gets them through a limiter
 * (a receiver down for a day is a start, one line per 10 minutes, and an end). The operator's test
 * alert is audited before it is sent and when it is done. Nothing secret is kept in what it says:
 * receivers by name and origin, messages from the engine, which are secret-free.
 */
export class AlertDelivery {
  private notifier: Notifier | null = null;
  private opening: Promise<Notifier | null>;
  /** Leadership changes, one at a time. */
  private switching: Promise<void> = Promise.resolve();
  private readonly feeds: (() => void)[] = [];
  private error: string | null = null;
  private closed = false;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private readonly limiter = new ReportLimiter();

  constructor(private readonly opts: DeliveryOptions) {
    this.log = opts.log ?? ((line) => console.warn(line));
    this.now = opts.now ?? Date.now;
    const s = opts.settings;
    const lease = opts.lease;
    if (!s) this.opening = Promise.resolve(null);
    else if (!lease) this.opening = this.open(s);
    else {
      // One replica delivers: it takes over the state (what was sent, queues) from the store when
      // it gains the lease, and saves it when it loses it, so nothing is sent twice or lost.
      this.opening = lease.held() ? this.open(s) : Promise.resolve(null);
      this.unsubscribe.push(lease.onChange((held) => this.lead(s, held)));
    }
  }

  private lead(settings: NotifySettings, held: boolean): void {
    this.switching = this.switching.then(async () => {
      if (this.closed) return;
      if (held && !this.notifier) {
        this.error = null;
        this.opening = this.open(settings);
        await this.opening;
      } else if (!held && this.notifier) {
        const n = this.notifier;
        this.notifier = null;
        this.opening = Promise.resolve(null);
        for (const u of this.feeds.splice(0)) u();
        await n.close();
      }
    });
  }

  private async open(settings: NotifySettings): Promise<Notifier | null> {
    try {
      const n = await Notifier.open({ settings, stateFile: this.opts.stateFile, state: this.opts.state, report: (r) => this.onReport(r), ...this.opts.notifier });
      if (this.closed) {
        await n.close();
        return null;
      }
      this.notifier = n;
      // A cluster taken out of the config has nobody left to resolve its alerts: close them now.
      await n.retainFeeds(this.opts.sources.map((s) => s.feed));
      for (const s of this.opts.sources) {
        const sync = () => void n.sync(s.feed, s.alerts());
        this.feeds.push(s.subscribe(sync));
        sync();
      }
      return n;
    } catch (e) {
      this.error = `cannot open its state file (${(e as NodeJS.ErrnoException)?.code ?? 'error'}); set dataDir to a writable directory`;
      this.log(`[ringside] alert delivery is off: ${this.error}`);
      return null;
    }
  }

  /** Resolves once delivery runs (or could not start). */
  ready(): Promise<Notifier | null> {
    return this.opening;
  }

  view(): DeliveryView {
    const s = this.opts.settings;
    const state: DeliveryView['state'] = !s ? 'off' : this.closed ? 'closed' : this.error ? 'failed' : this.notifier ? 'running' : this.opts.lease && !this.opts.lease.held() ? 'standby' : 'starting';
    const hooks = new Map((s?.webhooks ?? []).map((w) => [w.name, w]));
    return {
      state,
      error: this.error,
      externalURL: s?.externalURL ?? null,
      resendIntervalMs: s?.resendIntervalMs ?? null,
      receivers: (this.notifier?.status() ?? []).map((r) => {
        const w = hooks.get(r.name);
        return { ...r, severities: w?.severities ?? null, clusters: w?.clusters ?? null, signed: Boolean(w?.secret) };
      }),
    };
  }

  /** Every receiver's counters, for /api/metrics. */
  status(): ReceiverStatus[] {
    return this.notifier?.status() ?? [];
  }

  /**
   * The operator's "Send test alert": one test alert to every receiver, whatever its filters. The
   * audit line is on disk before anything is sent, and the result (per receiver) after.
   */
  async sendTest(principal: Principal): Promise<TestReport> {
    const s = this.opts.settings;
    if (!s || s.alertmanagers.length + s.webhooks.length === 0) throw new RingsideError('NOT_FOUND', 'no receivers are configured: add alertmanagers or webhooks under notifications in the config file');
    const n = await this.opening;
    if (!n || this.closed) throw new RingsideError('UNAVAILABLE', `alert delivery is not running${this.error ? `: ${this.error}` : this.opts.lease && !this.opts.lease.held() ? ' on this replica (another replica delivers); try again there or in a moment' : ''}`);
    const id = randomUUID();
    const started = this.now();
    const entry = (result: AuditEntry['result'], extra: Partial<AuditEntry> = {}): AuditEntry => ({
      id,
      at: new Date(this.now()).toISOString(),
      user: principal.name,
      via: principal.via,
      cluster: '',
      action: 'notify-test',
      params: { receivers: [...s.alertmanagers.map((a) => a.name), ...s.webhooks.map((w) => w.name)] },
      result,
      durationMs: result === 'started' ? 0 : this.now() - started,
      ...extra,
    });
    try {
      await this.opts.audit.append(entry('started'));
    } catch (e) {
      throw new RingsideError('UNAVAILABLE', `cannot write the audit log, so nothing was sent (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const results = await n.sendTest();
    const failed = results.filter((r) => !r.ok);
    const error = failed.length ? `${failed.length} of ${results.length} receivers did not get it: ${failed.map((f) => `${f.receiver}: ${f.error}`).join('; ')}` : undefined;
    await this.opts.audit
      .append(entry(failed.length ? 'failed' : 'ok', { ...(error ? { error } : {}), details: { results } }))
      .catch((e: NodeJS.ErrnoException) => this.log(`[ringside] alert delivery: the test alert's result could not be audited (${e?.code ?? 'error'})`));
    return { at: new Date(started).toISOString(), results };
  }

  /** The latest delivery reports and test alerts from the audit log, newest first. */
  recent(limit = 50): Promise<AuditEntry[]> {
    return this.opts.audit.query({ action: [...DELIVERY_ACTIONS], limit });
  }

  /** Stops listening, lets attempts under way finish, and saves the state. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const u of [...this.unsubscribe.splice(0), ...this.feeds.splice(0)]) u();
    await this.switching;
    await this.opening;
    await this.notifier?.close();
  }

  private onReport(r: DeliveryReport): void {
    const message = r.message.replace(/^alert delivery: /, '');
    this.log(`[ringside] alert delivery: ${message}`);
    const { write, held } = this.limiter.admit(r, this.now());
    if (!write) return;
    const clusters = [...new Set(r.alerts.map((a) => a.cluster).filter(Boolean))];
    const entry: AuditEntry = {
      id: randomUUID(),
      at: r.at,
      user: 'ringside',
      via: 'system',
      // The cluster's own audit shows what concerned its alerts alone; the Notifications page shows every line.
      cluster: clusters.length === 1 ? clusters[0]! : '',
      action: `notify-${r.event}`,
      params: r.receiver ? { receiver: r.receiver, kind: r.kind } : {},
      result: r.event === 'recovered' ? 'ok' : 'failed',
      ...(r.event === 'recovered' ? {} : { error: message }),
      durationMs: 0,
      details: {
        message,
        ...(r.alerts.length ? { alerts: r.alerts.slice(0, AUDIT_ALERTS), ...(r.alerts.length > AUDIT_ALERTS ? { moreAlerts: r.alerts.length - AUDIT_ALERTS } : {}) } : {}),
        ...(r.attempt ? { attempt: r.attempt, retryAt: r.retryAt } : {}),
        ...(held ? { held } : {}),
      },
    };
    this.opts.audit.append(entry).catch((e: NodeJS.ErrnoException) => this.log(`[ringside] alert delivery: cannot write the audit log (${e?.code ?? 'error'})`));
  }
}
