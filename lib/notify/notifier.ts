import 'server-only';
import { eventIdOf, fingerprintOf, labelsOf, notificationOf, textOf, type AlertLike, type Labels } from './alert';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import { systemClock, type Clock } from './clock';
import type { NotifySettings } from './config';
import type { DeliveryEvent } from './formats';
import type { FetchLike } from './http';
import { AlertmanagerLane, emptyCounters, WebhookLane, type LaneHost } from './lanes';
import type { StateCell } from '../store/types';
import { JsonStateFile } from './state-file';
import type { AlertRecord, DeliveryReport, EndedAlert, ReceiverStatus, StoredState, TestResult } from './types';

export interface NotifierOptions {
  settings: NotifySettings;
  /** Where delivery state lives across restarts, e.g. `<dataDir>/notifications.json`... */
  stateFile?: string;
  /** ...or a cell of the shared store (several replicas on PostgreSQL). */
  state?: StateCell<StoredState>;
  /** Every failure, recovery and drop, for the audit log and the server log. Must not throw. */
  report: (r: DeliveryReport) => void;
  fetch?: FetchLike;
  clock?: Clock;
  random?: () => number;
  backoff?: BackoffPolicy;
  /**
   * After a restart the alert tracker starts over (a condition is pending again for its `for`, and
   * HashKV has not re-checked), so an alert firing before the restart resolves only once its feed
   * has gone this long without it; default 2 minutes.
   */
  settleMs?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Resolves remembered for alerts carried over a crash: far more than alerts end in a restart's settle time. */
const ENDED_KEPT = 500;

function stateOf(opts: NotifierOptions): StateCell<StoredState> {
  if (opts.state) return opts.state;
  if (!opts.stateFile) throw new Error('alert delivery needs a state file or a store cell');
  return new JsonStateFile<StoredState>(opts.stateFile);
}

/**
 * Alert delivery (issue 15): to every Alertmanager (v2 API) and to webhooks (signed JSON or Slack),
 * each through its own lane (see lanes.ts), with the state kept in one atomically replaced file so
 * that after a restart a firing alert is re-sent, one that resolved meanwhile is closed, and
 * nothing told to a receiver is told again under another identity.
 *
 * The wiring:
 * - build one per server process: `await Notifier.open({ settings, stateFile, report })`;
 * - per producer ("feed") call `sync(feed, alerts)` with its complete current list whenever it
 *   changes and at least every poll: for a ClusterMonitor, feed `alerts/<cluster>` with
 *   `monitor.alerts()` after every poll (pending ones included: they keep an alert from before a
 *   restart open; lib/notify/delivery.ts does this); backups would sync `backups/<cluster>`;
 * - once at start, `retainFeeds([...every feed that still exists])` closes alerts of clusters
 *   that left the config;
 * - `status()` for the Notifications page and /api/metrics, `sendTest()` for the operator action
 *   (audit it as an action), `close()` on shutdown.
 */
export class Notifier {
  private readonly records = new Map<string, AlertRecord>();
  /** Firing alerts loaded from disk and not yet seen in a sync since. */
  private readonly unconfirmed = new Set<string>();
  /** The latest resolves by fingerprint, oldest first (see StoredState.ended). */
  private readonly ended = new Map<string, EndedAlert>();
  private readonly alertmanagers: AlertmanagerLane[];
  private readonly webhooks: WebhookLane[];
  private readonly file: StateCell<StoredState>;
  private readonly clock: Clock;
  private readonly settleMs: number;
  private readonly openedAt: number;
  private lastSave: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly opts: NotifierOptions,
    state: StoredState | null,
  ) {
    const s = opts.settings;
    this.clock = opts.clock ?? systemClock;
    this.settleMs = opts.settleMs ?? 120_000;
    this.openedAt = this.clock.now();
    this.file = stateOf(opts);
    const host: LaneHost = {
      clock: this.clock,
      fetch: opts.fetch ?? ((url, init) => fetch(url, init)),
      random: opts.random ?? Math.random,
      backoff: opts.backoff ?? DEFAULT_BACKOFF,
      timeoutMs: s.timeoutMs,
      externalURL: s.externalURL,
      report: (r) => this.report(r),
      changed: () => void this.persist(),
      saved: () => this.lastSave,
    };
    const counters = (name: string) => state?.counters[name] ?? emptyCounters();
    this.alertmanagers = s.alertmanagers.map(
      (a) => new AlertmanagerLane(a.name, a.url, host, counters(a.name), () => this.records.values(), s.resendIntervalMs, s.queueLimit, (r) => this.release(r)),
    );
    this.webhooks = s.webhooks.map((w) => new WebhookLane(w, host, counters(w.name), [...(state?.queues[w.name] ?? [])], s.queueLimit));
    if (state) this.resume(state);
  }

  static async open(opts: NotifierOptions): Promise<Notifier> {
    const now = (opts.clock ?? systemClock).now();
    const file = stateOf(opts);
    const loaded = await file.load(now);
    let state = loaded.state;
    let problem = loaded.unreadable ? `the state file was not JSON; set aside as ${loaded.unreadable}` : null;
    if (state && (state.version !== 1 || !Array.isArray(state.alerts))) {
      problem = 'the state file is of an unknown version; starting afresh';
      state = null;
    }
    const notifier = new Notifier(opts, state);
    if (problem) notifier.report({ event: 'state', message: `alert delivery: ${problem} (alerts firing before the restart are not re-sent)`, alerts: [] });
    await notifier.persist();
    notifier.kickAll();
    return notifier;
  }

  /**
   * The complete current alert list of one feed. Newly firing alerts go out; alerts of this feed
   * that are gone resolve. A pending alert that was already told as firing stays firing: after a
   * restart the tracker counts `for` again, and the alert never stopped. Resolves once the change
   * is on disk (delivery follows on each lane).
   */
  sync(feed: string, alerts: readonly AlertLike[]): Promise<void> {
    if (this.closed) return Promise.resolve();
    const now = this.clock.now();
    const present = new Set<string>();
    let changed = false;
    for (const a of alerts) {
      const labels = labelsOf(a);
      const fingerprint = fingerprintOf(labels);
      present.add(fingerprint);
      this.unconfirmed.delete(fingerprint);
      const known = this.records.get(fingerprint);
      if (known && !known.endsAt) {
        known.text = textOf(a); // the next re-send carries the current message
        continue;
      }
      if (a.state !== 'firing') continue;
      // An alert the tracker carried over a crash that came after its resolve reached this state
      // but before it reached the tracker's: closed downstream already, so it is not reopened
      // unless the live process sees it again (then it is news).
      const reopened = this.ended.get(fingerprint)?.startsAt === a.activeSince;
      if (a.restored && reopened) continue;
      // Seen again, it is a new alert downstream, under a new identity (its start is part of it).
      this.fire({ fingerprint, feed, alertId: a.id, labels, text: textOf(a), startsAt: reopened ? iso(now) : a.activeSince, endsAt: null, alertmanagers: [], webhooks: [] });
      changed = true;
    }
    const settling = now - this.openedAt < this.settleMs;
    for (const r of [...this.records.values()]) {
      if (r.feed !== feed || r.endsAt || present.has(r.fingerprint)) continue;
      if (settling && this.unconfirmed.has(r.fingerprint)) continue;
      this.resolve(r, now);
      changed = true;
    }
    if (!changed) return this.lastSave;
    for (const am of this.alertmanagers) am.changed();
    const saved = this.persist();
    this.kickAll();
    return saved;
  }

  /** Resolves the firing alerts of every feed not listed (a cluster removed from the config). */
  retainFeeds(feeds: readonly string[]): Promise<void> {
    const now = this.clock.now();
    const gone = [...this.records.values()].filter((r) => !r.endsAt && !feeds.includes(r.feed));
    if (!gone.length || this.closed) return this.lastSave;
    for (const r of gone) this.resolve(r, now);
    for (const am of this.alertmanagers) am.changed();
    const saved = this.persist();
    this.kickAll();
    return saved;
  }

  /**
   * One test alert to every receiver at once, whatever its severity and cluster filters, outside
   * the queues; each result says whether it arrived. Failures are reported like any other.
   */
  async sendTest(): Promise<TestResult[]> {
    const now = this.clock.now();
    const labels: Labels = { alertname: 'RingsideTestAlert', severity: 'info', source: 'ringside', test_id: String(now) };
    const n = notificationOf(
      {
        fingerprint: fingerprintOf(labels),
        labels,
        text: { summary: 'A test alert from Ringside: delivery to this receiver works.', description: 'Sent by an operator from the Notifications page.', action: 'Nothing to do.' },
        startsAt: iso(now),
        endsAt: null,
      },
      this.opts.settings.externalURL,
    );
    const results = await Promise.all([...this.alertmanagers, ...this.webhooks].map((l) => l.sendTest(n, `test-${n.fingerprint}`)));
    await this.lastSave;
    return results;
  }

  status(): ReceiverStatus[] {
    return [...this.alertmanagers, ...this.webhooks].map((l) => l.status());
  }

  /** Stops retries and re-sends, lets attempts under way finish, and saves. */
  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.alertmanagers, ...this.webhooks].map((l) => l.stop()));
    await this.persist();
    this.closed = true;
  }

  private fire(r: AlertRecord): void {
    this.records.set(r.fingerprint, r);
    for (const w of this.webhooks) {
      if (!w.wants(r.labels)) continue;
      r.webhooks.push(w.name);
      w.enqueue(this.event(r, 'firing'));
    }
  }

  private resolve(r: AlertRecord, now: number): void {
    r.endsAt = iso(now);
    this.ended.delete(r.fingerprint);
    this.ended.set(r.fingerprint, { fingerprint: r.fingerprint, startsAt: r.startsAt, endsAt: r.endsAt });
    for (const fp of this.ended.keys()) {
      if (this.ended.size <= ENDED_KEPT) break;
      this.ended.delete(fp);
    }
    this.unconfirmed.delete(r.fingerprint);
    for (const w of this.webhooks) if (r.webhooks.includes(w.name)) w.enqueue(this.event(r, 'resolved'));
    r.alertmanagers = this.alertmanagers.map((a) => a.name);
    if (!r.alertmanagers.length) this.records.delete(r.fingerprint);
  }

  /** Forgets a resolve every Alertmanager accepted, unless the alert has fired again since (a new record). */
  private release(r: AlertRecord): void {
    if (this.records.get(r.fingerprint) === r) this.records.delete(r.fingerprint);
  }

  private event(r: AlertRecord, status: 'firing' | 'resolved'): DeliveryEvent {
    return { id: eventIdOf(r.fingerprint, r.startsAt, status), status, notification: notificationOf(r, this.opts.settings.externalURL) };
  }

  /**
   * Picks up where the last process stopped, with the receivers of today's config: queues of
   * webhooks no longer configured are dropped (and reported), a webhook added since gets the alerts
   * already firing, and resolves owed to removed Alertmanagers are forgotten.
   */
  private resume(state: StoredState): void {
    for (const e of (state.ended ?? []).slice(-ENDED_KEPT)) this.ended.set(e.fingerprint, e);
    const amNames = new Set(this.alertmanagers.map((a) => a.name));
    const hookNames = new Set(this.webhooks.map((w) => w.name));
    for (const [name, queue] of Object.entries(state.queues)) {
      if (hookNames.has(name) || !queue.length) continue;
      this.report({
        event: 'dropped',
        message: `alert delivery: webhook ${name} is no longer configured; its ${queue.length} waiting event${queue.length === 1 ? '' : 's'} were dropped`,
        alerts: queue.map((e) => ({ alertname: e.notification.labels.alertname, cluster: e.notification.labels.cluster, status: e.status })),
      });
    }
    for (const r of state.alerts) {
      r.webhooks = r.webhooks.filter((n) => hookNames.has(n));
      if (r.endsAt) {
        r.alertmanagers = r.alertmanagers.filter((n) => amNames.has(n));
        if (!r.alertmanagers.length) continue;
      } else {
        this.unconfirmed.add(r.fingerprint);
        for (const w of this.webhooks) {
          if (r.webhooks.includes(w.name) || !w.wants(r.labels)) continue;
          r.webhooks.push(w.name);
          w.enqueue(this.event(r, 'firing'));
        }
      }
      this.records.set(r.fingerprint, r);
    }
  }

  private snapshot(): StoredState {
    const counters = Object.fromEntries([...this.alertmanagers, ...this.webhooks].map((l) => [l.name, l.counters]));
    return { version: 1, alerts: [...this.records.values()], queues: Object.fromEntries(this.webhooks.map((w) => [w.name, w.queue])), counters, ended: [...this.ended.values()] };
  }

  /** Saves the state as it is now; resolves once it (or a newer one) is on disk, never rejects. */
  private persist(): Promise<void> {
    if (this.closed) return this.lastSave;
    this.lastSave = this.file.save(this.snapshot()).catch((e: NodeJS.ErrnoException) => {
      this.report({ event: 'state', message: `alert delivery: cannot save its state (${e?.code ?? 'error'}); delivery goes on, but a restart now could repeat or lose alerts`, alerts: [] });
    });
    return this.lastSave;
  }

  private kickAll(): void {
    for (const l of [...this.alertmanagers, ...this.webhooks]) l.kick();
  }

  private report(r: Omit<DeliveryReport, 'at'>): void {
    const full = { at: iso(this.clock.now()), ...r };
    try {
      this.opts.report(full);
    } catch {
      // The audit log failing must not stop delivery; the server log still hears of it.
      console.error(`ringside: alert delivery: ${full.message}`);
    }
  }
}
