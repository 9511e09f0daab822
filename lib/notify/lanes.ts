import 'server-only';
import { notificationOf, type Labels, type Notification } from './alert';
import { backoffMs, type BackoffPolicy } from './backoff';
import type { Clock } from './clock';
import type { WebhookSettings } from './config';
import { alertmanagerAlert, jsonBody, slackBody, type DeliveryEvent } from './formats';
import { postJson, type FetchLike, type PostOutcome } from './http';
import { signatureHeaders } from './signature';
import type { AlertRecord, DeliveryReport, ReceiverCounters, ReceiverKind, ReceiverStatus, TestResult } from './types';

/**
 * One lane per receiver: its own queue, its own retries and backoff, its own timer, so a slow or
 * dead receiver only ever delays itself. A lane sends one delivery at a time, in order, and tells
 * a receiver about a change only once that change is on disk (so a restart can never make it
 * forget something a receiver was told, or tell it twice under two names).
 */

export interface LaneHost {
  clock: Clock;
  fetch: FetchLike;
  random: () => number;
  backoff: BackoffPolicy;
  timeoutMs: number;
  externalURL: string;
  report(r: Omit<DeliveryReport, 'at'>): void;
  /** Records that the lane changed state (a delivery acknowledged, counters). */
  changed(): void;
  /** Resolves once every change so far is on disk; never rejects. */
  saved(): Promise<void>;
}

export const emptyCounters = (): ReceiverCounters => ({
  sent: 0,
  failed: 0,
  dropped: 0,
  lastSuccessAt: null,
  lastFailureAt: null,
  lastError: null,
  failingSince: null,
});

const iso = (ms: number) => new Date(ms).toISOString();

function about(labels: Labels, status: 'firing' | 'resolved'): DeliveryReport['alerts'][number] {
  return { alertname: labels.alertname, ...(labels.cluster ? { cluster: labels.cluster } : {}), ...(labels.member ? { member: labels.member } : {}), status };
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

abstract class Lane<W> {
  abstract readonly kind: ReceiverKind;
  abstract readonly format: ReceiverStatus['format'];
  private running = false;
  private inflight: Promise<void> = Promise.resolve();
  private cancelTimer: (() => void) | null = null;
  private timerAt: number | null = null;
  /** Failed attempts in a row; the backoff grows with it. */
  private failures = 0;
  /** Backing off: no attempt before this. */
  private waitingUntil: number | null = null;
  private stopping = false;

  constructor(
    readonly name: string,
    protected readonly url: string,
    protected readonly host: LaneHost,
    readonly counters: ReceiverCounters,
  ) {}

  /** The next delivery due now, or null. */
  protected abstract take(now: number): W | null;
  /** When work falls due by itself (a re-send), or null. */
  protected abstract dueAt(): number | null;
  protected abstract post(work: W, now: number): Promise<PostOutcome>;
  /** The receiver accepted it (or rejected it for good): it leaves the queue. */
  protected abstract settle(work: W, now: number): void;
  /** How many alerts or events one delivery holds, and which. */
  protected abstract size(work: W): number;
  protected abstract describe(work: W): DeliveryReport['alerts'];
  protected abstract postTest(n: Notification, id: string, now: number): Promise<PostOutcome>;
  abstract queued(): number;

  /** There may be something to send: start draining unless already at it or backing off. */
  kick(): void {
    if (this.stopping || this.running) return;
    if (this.waitingUntil !== null && this.waitingUntil > this.host.clock.now()) return;
    this.waitingUntil = null;
    this.running = true;
    this.inflight = this.drain().catch((e: unknown) => {
      // A bug, not a receiver: say so, and try again later rather than stop delivering.
      this.host.report({ receiver: this.name, kind: this.kind, event: 'failed', message: `${this.name}: internal error in delivery (${e instanceof Error ? e.name : 'unknown'}); retrying`, alerts: [] });
      this.waitingUntil = this.host.clock.now() + this.host.backoff.maxMs;
      this.wake(this.waitingUntil);
    });
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        if (this.stopping) return;
        const work = this.take(this.host.clock.now());
        // Returning here resets `running` in the same tick, so a kick can never be lost in between.
        if (!work) return this.wake(this.dueAt());
        await this.host.saved();
        if (this.stopping) return;
        const out = await this.post(work, this.host.clock.now());
        const at = this.host.clock.now();
        if (out.verdict === 'retry') return this.failed(out, work, at);
        this.settle(work, at);
        if (out.verdict === 'delivered') this.succeeded(at);
        else this.rejected(out, work, at);
        this.host.changed();
        await this.host.saved();
      }
    } finally {
      this.running = false;
    }
  }

  private wake(at: number | null): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.timerAt = at;
    if (at === null || this.stopping) return;
    this.cancelTimer = this.host.clock.setTimer(() => {
      this.cancelTimer = null;
      this.timerAt = null;
      this.waitingUntil = null;
      this.kick();
    }, at - this.host.clock.now());
  }

  private succeeded(at: number): void {
    const c = this.counters;
    if (this.failures > 0) {
      this.host.report({
        receiver: this.name,
        kind: this.kind,
        event: 'recovered',
        message: `${this.name}: delivering again after ${this.failures} failed attempt${this.failures === 1 ? '' : 's'} since ${c.failingSince}`,
        alerts: [],
      });
    }
    this.failures = 0;
    c.sent++;
    c.lastSuccessAt = iso(at);
    c.failingSince = null;
  }

  private failed(out: PostOutcome, work: W, at: number): void {
    this.failures++;
    this.note(out, at);
    const wait = Math.max(backoffMs(this.failures, this.host.random, this.host.backoff), out.retryAfterMs ?? 0);
    this.waitingUntil = at + wait;
    this.wake(this.waitingUntil);
    this.host.report({
      receiver: this.name,
      kind: this.kind,
      event: 'failed',
      message: `${this.name}: ${out.error}; ${this.queued()} waiting, attempt ${this.failures}, next in ${seconds(wait)}`,
      alerts: this.describe(work),
      attempt: this.failures,
      retryAt: iso(this.waitingUntil),
    });
    this.host.changed();
  }

  private rejected(out: PostOutcome, work: W, at: number): void {
    this.note(out, at);
    const n = this.size(work);
    this.counters.dropped += n;
    this.host.report({
      receiver: this.name,
      kind: this.kind,
      event: 'rejected',
      message: `${this.name}: refused ${n === 1 ? 'a delivery' : `${n} alerts`} for good (${out.error}); not retried`,
      alerts: this.describe(work),
    });
  }

  private note(out: PostOutcome, at: number): void {
    const c = this.counters;
    c.failed++;
    c.lastFailureAt = iso(at);
    c.lastError = out.error;
    c.failingSince ??= iso(at);
  }

  protected drop(what: DeliveryReport['alerts'], why: string): void {
    this.counters.dropped += what.length;
    this.host.report({ receiver: this.name, kind: this.kind, event: 'dropped', message: `${this.name}: ${why}`, alerts: what });
  }

  /** One attempt with a test alert, outside the queue, for the operator's "Send test alert". */
  async sendTest(n: Notification, id: string): Promise<TestResult> {
    const out = await this.postTest(n, id, this.host.clock.now());
    const at = this.host.clock.now();
    if (out.verdict === 'delivered') {
      this.counters.sent++;
      this.counters.lastSuccessAt = iso(at);
      // It answers again: retry the queue now rather than at the end of the backoff.
      this.waitingUntil = null;
      this.kick();
    } else {
      this.note(out, at);
      this.host.report({ receiver: this.name, kind: this.kind, event: 'failed', message: `${this.name}: test alert not delivered: ${out.error}`, alerts: [] });
    }
    this.host.changed();
    return { receiver: this.name, kind: this.kind, ok: out.verdict === 'delivered', error: out.error };
  }

  status(): ReceiverStatus {
    const next = this.waitingUntil ?? this.timerAt;
    return {
      name: this.name,
      kind: this.kind,
      format: this.format,
      target: new URL(this.url).origin,
      queued: this.queued(),
      nextAttemptAt: next === null ? null : iso(next),
      ...this.counters,
    };
  }

  /** Stops timers and new attempts; resolves once an attempt under way has finished (bounded by its timeout). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    await this.inflight;
  }

  protected postBody(url: string, body: string, headers: Record<string, string>): Promise<PostOutcome> {
    return postJson(this.host.fetch, url, body, headers, this.host.timeoutMs, this.host.clock.now);
  }
}

// ---------------------------------------------------------------------------------- Alertmanager

interface AlertmanagerWork {
  generation: number;
  firing: AlertRecord[];
  resolved: AlertRecord[];
}

/**
 * Alertmanager is level-triggered: it needs every firing alert again before the last copy's
 * endsAt, and each resolve once. So this lane has no event queue: each POST holds every firing
 * alert and every resolve it has not yet accepted, sent when something changed and otherwise
 * every resend interval. Its identity for an alert is the label set, so a re-send is one alert.
 */
export class AlertmanagerLane extends Lane<AlertmanagerWork> {
  readonly kind = 'alertmanager';
  readonly format = 'alertmanager';
  private dirty = true;
  private generation = 0;
  private lastSentAt: number | null = null;

  constructor(
    name: string,
    url: string,
    host: LaneHost,
    counters: ReceiverCounters,
    private readonly alerts: () => Iterable<AlertRecord>,
    private readonly resendMs: number,
    private readonly queueLimit: number,
    /** A resolve every Alertmanager has accepted: the record can go. */
    private readonly released: (r: AlertRecord) => void,
  ) {
    super(name, url, host, counters);
  }

  /** An alert fired or resolved: send at once rather than at the next re-send. */
  changed(): void {
    this.dirty = true;
    this.generation++;
    this.bound();
  }

  protected take(now: number): AlertmanagerWork | null {
    const { firing, resolved } = this.split();
    if (!firing.length && !resolved.length) return null;
    const due = this.dirty || this.lastSentAt === null || now >= this.lastSentAt + this.resendMs;
    return due ? { generation: this.generation, firing, resolved } : null;
  }

  protected dueAt(): number | null {
    return this.lastSentAt !== null && this.split().firing.length ? this.lastSentAt + this.resendMs : null;
  }

  protected post(work: AlertmanagerWork, now: number): Promise<PostOutcome> {
    // Valid for four re-sends, as Prometheus does: a late re-send or two never resolves it.
    const body = [...work.firing, ...work.resolved].map((r) => alertmanagerAlert(notificationOf(r, this.host.externalURL), now, 4 * this.resendMs));
    return this.postBody(`${this.url}/api/v2/alerts`, JSON.stringify(body), {});
  }

  protected settle(work: AlertmanagerWork, now: number): void {
    this.lastSentAt = now;
    if (work.generation === this.generation) this.dirty = false;
    for (const r of work.resolved) {
      r.alertmanagers = r.alertmanagers.filter((n) => n !== this.name);
      if (!r.alertmanagers.length) this.released(r);
    }
  }

  protected size(work: AlertmanagerWork): number {
    return work.firing.length + work.resolved.length;
  }

  protected describe(work: AlertmanagerWork): DeliveryReport['alerts'] {
    return [...work.firing.map((r) => about(r.labels, 'firing')), ...work.resolved.map((r) => about(r.labels, 'resolved'))];
  }

  protected postTest(n: Notification, _id: string, now: number): Promise<PostOutcome> {
    return this.postBody(`${this.url}/api/v2/alerts`, JSON.stringify([alertmanagerAlert(n, now, 60_000)]), {});
  }

  queued(): number {
    const { firing, resolved } = this.split();
    return resolved.length + (this.dirty ? firing.length : 0);
  }

  private split(): { firing: AlertRecord[]; resolved: AlertRecord[] } {
    const firing: AlertRecord[] = [];
    const resolved: AlertRecord[] = [];
    for (const r of this.alerts()) {
      if (!r.endsAt) firing.push(r);
      else if (r.alertmanagers.includes(this.name)) resolved.push(r);
    }
    return { firing, resolved };
  }

  /** Resolves waiting for an Alertmanager that is away are bounded too: the oldest go first. */
  private bound(): void {
    const { resolved } = this.split();
    const over = resolved.length - this.queueLimit;
    if (over <= 0) return;
    const oldest = resolved.sort((a, b) => a.endsAt!.localeCompare(b.endsAt!)).slice(0, over);
    for (const r of oldest) {
      r.alertmanagers = r.alertmanagers.filter((n) => n !== this.name);
      if (!r.alertmanagers.length) this.released(r);
    }
    this.drop(oldest.map((r) => about(r.labels, 'resolved')), `more than ${this.queueLimit} resolves waiting; dropped the ${over} oldest (Alertmanager ends them itself once their endsAt passes)`);
  }
}

// --------------------------------------------------------------------------------------- webhook

/**
 * Webhooks are edge-triggered: each firing and each resolve is one event, sent once, in order,
 * with an `id` the receiver deduplicates on (at-least-once delivery made idempotent). Bounded: past
 * the limit the oldest waiting event is dropped, counted and reported.
 */
export class WebhookLane extends Lane<DeliveryEvent> {
  readonly kind = 'webhook';
  readonly format: 'json' | 'slack';
  private sending: DeliveryEvent | null = null;

  constructor(
    private readonly settings: WebhookSettings,
    host: LaneHost,
    counters: ReceiverCounters,
    /** Oldest first; persisted by the notifier. */
    readonly queue: DeliveryEvent[],
    private readonly queueLimit: number,
  ) {
    super(settings.name, settings.url, host, counters);
    this.format = settings.format;
  }

  wants(labels: Labels): boolean {
    const { severities, clusters } = this.settings;
    return (!severities || severities.includes(labels.severity as never)) && (!clusters || clusters.includes(labels.cluster));
  }

  enqueue(ev: DeliveryEvent): void {
    this.queue.push(ev);
    if (this.queue.length <= this.queueLimit) return;
    // Never the event being sent: its answer is still to come.
    const [old] = this.queue.splice(this.queue[0] === this.sending ? 1 : 0, 1);
    this.drop([about(old.notification.labels, old.status)], `queue full (${this.queueLimit}); dropped the oldest waiting event`);
  }

  protected take(): DeliveryEvent | null {
    return this.queue[0] ?? null;
  }

  protected dueAt(): null {
    return null;
  }

  protected async post(ev: DeliveryEvent, now: number): Promise<PostOutcome> {
    this.sending = ev;
    try {
      return await this.send(ev, now);
    } finally {
      this.sending = null;
    }
  }

  protected settle(ev: DeliveryEvent): void {
    const i = this.queue.indexOf(ev);
    if (i >= 0) this.queue.splice(i, 1);
  }

  protected size(): number {
    return 1;
  }

  protected describe(ev: DeliveryEvent): DeliveryReport['alerts'] {
    return [about(ev.notification.labels, ev.status)];
  }

  protected postTest(n: Notification, id: string, now: number): Promise<PostOutcome> {
    return this.send({ id, status: 'firing', notification: n, test: true }, now);
  }

  private send(ev: DeliveryEvent, now: number): Promise<PostOutcome> {
    if (this.format === 'slack') return this.postBody(this.url, slackBody(ev), {});
    const sentAt = iso(now);
    const body = jsonBody(ev, sentAt);
    const signed = this.settings.secret ? signatureHeaders(this.settings.secret, body, sentAt) : {};
    return this.postBody(this.url, body, { 'idempotency-key': ev.id, ...signed });
  }

  queued(): number {
    return this.queue.length;
  }
}
