import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { Alert } from '../alerts/tracker';
import type { AlertLike } from './alert';
import type { NotifySettings } from './config';
import type { FetchLike } from './http';
import { Notifier } from './notifier';
import { FakeClock, TrackedRing, until } from './testing';
import type { DeliveryReport } from './types';

const T0 = Date.UTC(2026, 10, 23, 3, 0, 0);
const SECRET = Buffer.from('ops-secret-0123456789');
const AM_A = 'http://am-a:9093/api/v2/alerts';
const AM_B = 'http://am-b:9093/api/v2/alerts';
const OPS = 'http://hooks.example/ops';
const CHAT = 'http://hooks.example/chat';

type Answer = number | 'refused' | 'hang' | Promise<number>;

/** The network as receivers see it: every attempt, and the answer each one got. */
class FakeNet {
  readonly calls: { url: string; body: string; headers: Record<string, string>; answer: Answer }[] = [];
  private readonly answers = new Map<string, (attempt: number) => Answer>();

  answer(url: string, a: Answer | ((attempt: number) => Answer)): void {
    this.answers.set(url, typeof a === 'function' ? a : () => a);
  }

  fetch: FetchLike = (url, init) => {
    const attempt = this.calls.filter((c) => c.url === url).length + 1;
    const a = this.answers.get(url)?.(attempt) ?? 200;
    this.calls.push({ url, body: String(init.body), headers: Object.fromEntries(new Headers(init.headers).entries()), answer: a });
    if (a === 'refused') return Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }));
    if (a === 'hang') return new Promise((_, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason)));
    return Promise.resolve(a).then((status) => new Response(status < 300 ? '' : 'boom', { status }));
  };

  /** Bodies the receiver accepted, parsed. */
  delivered<T = unknown>(url: string): T[] {
    return this.calls.filter((c) => c.url === url && (typeof c.answer !== 'number' || c.answer < 300) && typeof c.answer !== 'string').map((c) => JSON.parse(c.body) as T);
  }

  attempts(url: string): number {
    return this.calls.filter((c) => c.url === url).length;
  }
}

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}
interface HookEvent {
  id: string;
  status: string;
  labels: Record<string, string>;
  startsAt: string;
  endsAt: string | null;
  test?: boolean;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function settings(extra: Partial<NotifySettings> = {}): NotifySettings {
  return {
    externalURL: 'https://ringside.example.com',
    resendIntervalMs: 60_000,
    timeoutMs: 1000,
    queueLimit: 10,
    alertmanagers: [
      { name: 'am-a', url: 'http://am-a:9093' },
      { name: 'am-b', url: 'http://am-b:9093' },
    ],
    webhooks: [
      { name: 'ops', url: OPS, format: 'json', secret: SECRET, severities: null, clusters: null },
      { name: 'chat', url: CHAT, format: 'slack', severities: ['critical'], clusters: ['demo'] },
    ],
    ...extra,
  };
}

async function open(opts: { clock: FakeClock; net: FakeNet; stateFile?: string; settings?: NotifySettings; settleMs?: number }) {
  const reports: DeliveryReport[] = [];
  let stateFile = opts.stateFile;
  if (!stateFile) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-notify-'));
    dirs.push(dir);
    stateFile = path.join(dir, 'notifications.json');
  }
  const notifier = await Notifier.open({
    settings: opts.settings ?? settings(),
    stateFile,
    report: (r) => reports.push(r),
    fetch: opts.net.fetch,
    clock: opts.clock,
    random: () => 0,
    settleMs: opts.settleMs ?? 30_000,
  });
  return { notifier, reports, stateFile };
}

/** Polls once a second for `seconds`, handing every poll's alerts to delivery as the wiring will. */
async function run(clock: FakeClock, ring: TrackedRing, notifier: Notifier, seconds: number, state: Parameters<TrackedRing['poll']>[0] = {}): Promise<Alert[]> {
  let alerts: Alert[] = [];
  for (let s = 0; s < seconds; s++) {
    alerts = ring.poll(state);
    await notifier.sync(`alerts/${ring.cluster}`, alerts);
    clock.advance(1000);
  }
  return alerts;
}

const signatureOk = (c: FakeNet['calls'][number]) =>
  c.headers['x-ringside-signature'] === `sha256=${createHmac('sha256', SECRET).update(Buffer.from(c.body)).digest('hex')}` &&
  c.headers['x-ringside-timestamp'] === String(Math.floor(Date.parse(JSON.parse(c.body).sentAt) / 1000));

describe('delivery of tracker alerts', () => {
  test('a member down fires once to every Alertmanager and webhook, is re-sent to Alertmanagers only, and resolves everywhere', async () => {
    const clock = new FakeClock(T0);
    const net = new FakeNet();
    const ring = new TrackedRing(clock);
    const { notifier, reports } = await open({ clock, net });

    // Pending for etcdMembersDown's 20 s: nothing goes out.
    await run(clock, ring, notifier, 20, { down: ['m3'] });
    expect(net.calls).toEqual([]);
    await run(clock, ring, notifier, 1, { down: ['m3'] });
    await until(() => notifier.status().every((s) => s.sent === 1), 'the firing alert at every receiver');

    const [[am]] = net.delivered<AmAlert[]>(AM_A);
    expect(net.delivered(AM_B)).toEqual(net.delivered(AM_A));
    expect(am.labels).toEqual({ alertname: 'etcdMembersDown', cluster: 'demo', severity: 'critical', source: 'ringside', member: 'm3', member_id: 'fd422379fda50e48' });
    expect(am.annotations).toMatchObject({ summary: 'm3 is down: connection refused', action: expect.stringMatching(/^Restart the member/), cluster_url: 'https://ringside.example.com/clusters/demo' });
    expect(am.generatorURL).toBe(am.annotations.timeline_url);
    expect(am.startsAt).toBe(new Date(T0).toISOString());
    expect(Date.parse(am.endsAt)).toBe(T0 + 20_000 + 240_000);

    const [fired] = net.delivered<HookEvent>(OPS);
    expect(fired).toMatchObject({ status: 'firing', labels: am.labels, startsAt: am.startsAt, endsAt: null });
    expect(signatureOk(net.calls.find((c) => c.url === OPS)!)).toBe(true);
    expect(net.calls.find((c) => c.url === OPS)!.headers['idempotency-key']).toBe(fired.id);
    expect(JSON.parse(net.calls.find((c) => c.url === CHAT)!.body).text).toMatch(/^🔴 \*FIRING\* etcdMembersDown on demo/);

    // Still down a minute later: Alertmanagers hear it again (same labels, same start), webhooks do not.
    await run(clock, ring, notifier, 60, { down: ['m3'] });
    await until(() => net.delivered(AM_A).length === 2 && net.delivered(AM_B).length === 2, 'the re-send');
    const [[again]] = net.delivered<AmAlert[]>(AM_A).slice(1);
    expect(again.labels).toEqual(am.labels);
    expect(again.startsAt).toBe(am.startsAt);
    expect(Date.parse(again.endsAt)).toBeGreaterThan(Date.parse(am.endsAt));
    expect(net.delivered(OPS)).toHaveLength(1);

    // Back: resolved with its real end, everywhere, once.
    await run(clock, ring, notifier, 1);
    const resolvedAt = new Date(T0 + 81_000).toISOString();
    await until(() => net.delivered(AM_A).length === 3 && net.delivered(AM_B).length === 3 && net.delivered(OPS).length === 2 && net.delivered(CHAT).length === 2, 'the resolve');
    expect(net.delivered<AmAlert[]>(AM_A)[2]).toEqual([{ ...again, endsAt: resolvedAt, annotations: { ...again.annotations, timeline_url: expect.stringContaining('&to=') }, generatorURL: expect.stringContaining('&to=') }]);
    expect(net.delivered<HookEvent>(OPS)[1]).toMatchObject({ status: 'resolved', endsAt: resolvedAt, id: fired.id.replace(/firing$/, 'resolved') });

    // Nothing left to say.
    await run(clock, ring, notifier, 120);
    expect(net.calls).toHaveLength(10);
    expect(notifier.status().map((s) => [s.name, s.queued, s.sent, s.failed])).toEqual([
      ['am-a', 0, 3, 0],
      ['am-b', 0, 3, 0],
      ['ops', 0, 2, 0],
      ['chat', 0, 2, 0],
    ]);
    expect(reports).toEqual([]);
    await notifier.close();
  });

  test('a rule turning critical is a new alert downstream, and its warning resolves', async () => {
    const clock = new FakeClock(T0);
    const net = new FakeNet();
    const ring = new TrackedRing(clock);
    const { notifier } = await open({ clock, net });
    await run(clock, ring, notifier, 21, { m2FsyncMs: 600 });
    await until(() => net.delivered(OPS).length === 1, 'the warning');
    expect(net.delivered(CHAT)).toEqual([]); // chat wants critical only
    await run(clock, ring, notifier, 1, { m2FsyncMs: 1500 });
    await until(() => net.delivered(OPS).length === 3 && net.delivered(CHAT).length === 1, 'the critical one and the resolve');
    expect(net.delivered<HookEvent>(OPS).map((e) => [e.status, e.labels.alertname, e.labels.severity])).toEqual([
      ['firing', 'etcdHighFsyncDurations', 'warning'],
      ['firing', 'etcdHighFsyncDurations', 'critical'],
      ['resolved', 'etcdHighFsyncDurations', 'warning'],
    ]);
    const last = net.delivered<AmAlert[]>(AM_A).at(-1)!;
    expect(last.map((a) => [a.labels.severity, Date.parse(a.endsAt) <= clock.now()])).toEqual([
      ['critical', false],
      ['warning', true],
    ]);
    await notifier.close();
  });

  test('webhooks get only the severities and clusters they asked for', async () => {
    const clock = new FakeClock(T0);
    const net = new FakeNet();
    const other = new TrackedRing(clock, 'other');
    const { notifier } = await open({ clock, net });
    await run(clock, other, notifier, 21, { down: ['m1'] });
    await until(() => net.delivered(OPS).length === 1 && net.delivered(AM_A).length === 1, 'delivery');
    expect(net.attempts(CHAT)).toBe(0); // chat wants cluster demo only
    await notifier.close();
  });
});

describe('delivery that does not lose alerts', () => {
  test('a failing receiver retries with growing backoff, reports every failure and its recovery; the others are not held up', async () => {
    const clock = new FakeClock(T0);
    const net = new FakeNet();
    net.answer(AM_A, (n) => (n <= 3 ? 500 : 200));
    net.answer(OPS, (n) => (n <= 2 ? 'refused' : 200));
    const ring = new TrackedRing(clock);
    const { notifier, reports } = await open({ clock, net });
    await run(clock, ring, notifier, 21, { down: ['m3'] });
    await until(() => net.delivered(AM_B).length === 1 && net.delivered(CHAT).length === 1, 'the healthy receivers');
    await until(() => net.attempts(AM_A) === 1 && net.attempts(OPS) === 1, 'the first failed attempts');
    await until(() => reports.length === 2, 'two reports');

    // Backoff at random() = 0: 0.5 s, 1 s, 2 s...
    const failedA = () => reports.filter((r) => r.receiver === 'am-a' && r.event === 'failed');
    expect(failedA()[0]).toMatchObject({ kind: 'alertmanager', attempt: 1, retryAt: new Date(clock.now() + 500).toISOString(), alerts: [{ alertname: 'etcdMembersDown', cluster: 'demo', member: 'm3', status: 'firing' }] });
    expect(failedA()[0].message).toBe('am-a: HTTP 500: boom; 1 waiting, attempt 1, next in 0.5 s');
    expect(reports.find((r) => r.receiver === 'ops')!.message).toBe('ops: connection refused; 1 waiting, attempt 1, next in 0.5 s');
    expect(notifier.status().find((s) => s.name === 'am-a')).toMatchObject({ queued: 1, sent: 0, failed: 1, lastError: 'HTTP 500: boom', failingSince: new Date(clock.now()).toISOString() });

    for (let i = 0; i < 10 && net.delivered(AM_A).length + net.delivered(OPS).length < 2; i++) {
      clock.advance(clock.nextTimerAt()! - clock.now());
      await until(() => !notifier.status().some((s) => s.nextAttemptAt === null && s.queued > 0), 'the retry to settle');
    }
    expect(net.attempts(AM_A)).toBe(4);
    expect(net.attempts(OPS)).toBe(3);
    expect(failedA().map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(reports.filter((r) => r.event === 'recovered').map((r) => r.receiver).sort()).toEqual(['am-a', 'ops']);
    expect(notifier.status().find((s) => s.name === 'am-a')).toMatchObject({ queued: 0, sent: 1, failed: 3, lastError: 'HTTP 500: boom', failingSince: null });
    // Each receiver got the alert once.
    expect([AM_A, AM_B, OPS, CHAT].map((u) => net.delivered(u).length)).toEqual([1, 1, 1, 1]);
    await notifier.close();
  });

  test('one receiver that hangs delays nobody else; it times out and is retried', async () => {
    const clock = new FakeClock(T0);
    const net = new FakeNet();
    net.answer(OPS, (n) => (n === 1 ? 'hang' : 200));
    const ring = new TrackedRing(clock);
    const { notifier, reports } = await open({ clock, net });
    const started = Date.now();
    await run(clock, ring, notifier, 21, { down: ['m3'] });
    await until(() => [AM_A, AM_B, CHAT].every((u) => net.delivered(u).length === 1), 'the other receivers');
    expect(Date.now() - started).toBeLessThan(900); // ops' timeout is 1 s
    expect(net.delivered(OPS)).toEqual([]);
    await until(() => reports.some((r) => r.receiver === 'ops'), 'the timeout');
    expect(reports[0].message).toBe('ops: timed out after 1 s; 1 waiting, attempt 1, next in 0.5 s');
    clock.advance(500);
    await until(() => net.delivered(OPS).length === 1, 'the retry');
    await notifier.close();
  });

  test('the queue is bounded: past it the oldest waiting event is dropped, counted and reported; the rest arrive in order', async () => {
    const clock = new FakeClock(T0);
    const net = new FakeNet();
    let down = true;
    net.answer(OPS, () => (down ? 503 : 200));
    const { notifier, reports } = await open({ clock, net, settings: settings({ webhooks: settings().webhooks.slice(0, 1) }) });
    const alerts = [1, 2, 3, 4, 5, 6].map((i) => synthetic(`r${i}`));
    await notifier.sync('backups/demo', alerts);
    await until(() => net.attempts(OPS) === 1, 'the first attempt');
    await until(() => notifier.status()[2].nextAttemptAt !== null, 'the backoff');
    await notifier.sync('backups/demo', []);
    expect(notifier.status()[2]).toMatchObject({ queued: 10, dropped: 2 });
    const dropped = reports.filter((r) => r.event === 'dropped');
    expect(dropped.map((r) => [r.message, r.alerts])).toEqual([
      ['ops: queue full (10); dropped the oldest waiting event', [{ alertname: 'r1', cluster: 'demo', status: 'firing' }]],
      ['ops: queue full (10); dropped the oldest waiting event', [{ alertname: 'r2', cluster: 'demo', status: 'firing' }]],
    ]);
    down = false;
    clock.advance(clock.nextTimerAt()! - clock.now());
    await until(() => net.delivered(OPS).length === 10, 'the rest');
    expect(net.delivered<HookEvent>(OPS).map((e) => `${e.labels.alertname} ${e.status}`)).toEqual([
      'r3 firing', 'r4 firing', 'r5 firing', 'r6 firing',
      'r1 resolved', 'r2 resolved', 'r3 resolved', 'r4 resolved', 'r5 resolved', 'r6 resolved',
    ]);
    await notifier.close();
  });

  test('an alert that fires again while its resolve is on the way to Alertmanager is not forgotten when that resolve is accepted', async () => {
    const clock = new FakeClock(T0);
    const net = new FakeNet();
    let release!: (status: number) => void;
    const gate = new Promise<number>((r) => (release = r));
    net.answer(AM_A, (n) => (n === 2 ? gate : 200));
    const { notifier } = await open({ clock, net, settings: settings({ alertmanagers: settings().alertmanagers.slice(0, 1), webhooks: [] }) });
    await notifier.sync('backups/demo', [synthetic('r1')]);
    await until(() => notifier.status()[0].sent === 1, 'the firing');
    clock.advance(1000);
    await notifier.sync('backups/demo', []);
    await until(() => net.attempts(AM_A) === 2, 'the resolve under way');
    clock.advance(1000);
    await notifier.sync('backups/demo', [{ ...synthetic('r1'), activeSince: new Date(clock.now()).toISOString() }]);
    release(200);
    await until(() => net.attempts(AM_A) === 3, 'the new firing');
    const [again] = net.delivered<AmAlert[]>(AM_A)[2];
    expect([again.startsAt, Date.parse(again.endsAt) > clock.now()]).toEqual([new Date(T0 + 2000).toISOString(), true]);
    // Still known: it is re-sent, and its own resolve goes out.
    clock.advance(60_000);
    await until(() => net.attempts(AM_A) === 4, 'the re-send');
    await notifier.sync('backups/demo', []);
    await until(() => net.attempts(AM_A) === 5, 'its resolve');
    expect(Date.parse(net.delivered<AmAlert[]>(AM_A)[4][0].endsAt)).toBe(clock.now());
    await notifier.close();
  });

  test('a body the receiver refuses for good (400) is dropped and reported, not retried forever', async () => {
    const clock = new FakeClock(T0);
    const net = new FakeNet();
    net.answer(OPS, 400);
    const { notifier, reports } = await open({ clock, net });
    await notifier.sync('backups/demo', [synthetic('r1')]);
    await until(() => reports.length === 1, 'the report');
    expect(reports[0]).toMatchObject({ receiver: 'ops', event: 'rejected', message: 'ops: refused a delivery for good (HTTP 400: boom); not retried' });
    expect(notifier.status()[2]).toMatchObject({ queued: 0, dropped: 1, failed: 1 });
    // Only the Alertmanagers' re-send is pending (their lanes finish on their own time).
    await until(() => clock.nextTimerAt() === T0 + 60_000, "the Alertmanagers' re-send");
    await notifier.close();
  });
});

describe('across a restart', () => {
  test('firing alerts are re-sent to Alertmanagers at once and kept open while the new tracker counts `for` again; webhooks hear nothing twice', async () => {
    const clock = new FakeClock(T0);
    const net = new FakeNet();
    const first = await open({ clock, net });
    await run(clock, new TrackedRing(clock), first.notifier, 21, { down: ['m3'] });
    await until(() => net.delivered(OPS).length === 1 && net.delivered(AM_A).length === 1, 'delivery');
    await first.notifier.close();

    clock.advance(5000);
    const second = await open({ clock, net, stateFile: first.stateFile });
    await until(() => net.delivered(AM_A).length === 2 && net.delivered(AM_B).length === 2, 'the re-send after the restart');
    expect(net.delivered<AmAlert[]>(AM_A)[1][0].startsAt).toBe(new Date(T0).toISOString());
    // A fresh tracker: pending for 20 s, then firing with a later activeSince. Same alert downstream.
    await run(clock, new TrackedRing(clock), second.notifier, 25, { down: ['m3'] });
    expect(net.delivered(OPS)).toHaveLength(1);
    expect(net.delivered(CHAT)).toHaveLength(1);
    expect(net.delivered<AmAlert[]>(AM_A).every(([a]) => a.startsAt === new Date(T0).toISOString() && Date.parse(a.endsAt) > clock.now())).toBe(true);
    expect(second.reports).toEqual([]);
    await second.notifier.close();
  });

  test('an alert that resolved while Ringside was down is closed everywhere once its feed has settled', async () => {
    const clock = new FakeClock(T0);
    const net = new FakeNet();
    const first = await open({ clock, net });
    await run(clock, new TrackedRing(clock), first.notifier, 21, { down: ['m3'] });
    await until(() => net.delivered(OPS).length === 1, 'delivery');
    await first.notifier.close();

    const second = await open({ clock, net, stateFile: first.stateFile, settleMs: 30_000 });
    const ring = new TrackedRing(clock);
    await run(clock, ring, second.notifier, 29);
    expect(net.delivered(OPS)).toHaveLength(1);
    await run(clock, ring, second.notifier, 2);
    await until(() => net.delivered(OPS).length === 2 && net.delivered(CHAT).length === 2, 'the resolve');
    expect(net.delivered<HookEvent>(OPS)[1]).toMatchObject({ status: 'resolved', labels: { member: 'm3' } });
    await until(() => net.delivered<AmAlert[]>(AM_A).some(([a]) => Date.parse(a.endsAt) <= clock.now()), 'the resolve at Alertmanager');
    await second.notifier.close();
  });

  test('a crash after the resolve reached delivery but before the tracker saved it: the stale alert is not reopened; seen again, it fires', async () => {
    const clock = new FakeClock(T0);
    const net = new FakeNet();
    const first = await open({ clock, net });
    const ring = new TrackedRing(clock);
    const stale = await run(clock, ring, first.notifier, 21, { down: ['m3'] });
    await run(clock, ring, first.notifier, 1);
    await until(() => net.delivered(OPS).length === 2, 'firing, then resolved');
    // A crash may repeat an event whose delivery was not yet saved, under its id: downstream it is one.
    const told = () => [...new Map(net.delivered<HookEvent>(OPS).map((e) => [e.id, e.status])).values()];
    // kill -9: the tracker's saved list still says firing (its save had not landed); delivery's says resolved.

    const restart = async () => {
      const n = await open({ clock, net, stateFile: first.stateFile, settleMs: 30_000 });
      const t = new TrackedRing(clock);
      t.tracker.restore(JSON.parse(JSON.stringify(stale)), clock.now(), 30_000);
      expect(t.tracker.list()[0]).toMatchObject({ rule: 'etcdMembersDown', state: 'firing', restored: true });
      return { n, t };
    };
    const healthy = await restart();
    await run(clock, healthy.t, healthy.n.notifier, 35);
    expect(healthy.t.tracker.list()).toEqual([]);
    expect(told()).toEqual(['firing', 'resolved']);
    await healthy.n.notifier.close();

    // The same crash, but the member is down again when Ringside comes back: that is news.
    const down = await restart();
    await run(clock, down.t, down.n.notifier, 1, { down: ['m3'] });
    expect(down.t.tracker.list()[0].restored).toBeUndefined();
    await until(() => told().length === 3, 'the alert seen again');
    expect(net.delivered<HookEvent>(OPS).at(-1)).toMatchObject({ status: 'firing', labels: { member: 'm3' } });
    await down.n.notifier.close();
  });

  test('a crash (no close) loses nothing: the queue resumes from the state file, in order, once each', async () => {
    const net = new FakeNet();
    let down = true;
    net.answer(OPS, () => (down ? 'refused' : 200));
    const crashedClock = new FakeClock(T0);
    const crashed = await open({ clock: crashedClock, net, settings: settings({ alertmanagers: [] }) });
    await crashed.notifier.sync('backups/demo', [synthetic('r1'), synthetic('r2')]);
    await until(() => crashed.reports.length === 1, 'a failed attempt');
    await crashed.notifier.sync('backups/demo', [synthetic('r2')]);
    // The process dies here: its clock never moves again, so its timers never fire.

    down = false;
    const clock = new FakeClock(T0 + 60_000);
    const again = await open({ clock, net, stateFile: crashed.stateFile, settings: settings({ alertmanagers: [] }) });
    await until(() => net.delivered(OPS).length === 3, 'the queue');
    expect(net.delivered<HookEvent>(OPS).map((e) => `${e.labels.alertname} ${e.status}`)).toEqual(['r1 firing', 'r2 firing', 'r1 resolved']);
    expect(new Set(net.delivered<HookEvent>(OPS).map((e) => e.id)).size).toBe(3);
    expect(again.notifier.status().find((s) => s.name === 'ops')).toMatchObject({ failed: 1, sent: 3, queued: 0 });
    await again.notifier.close();
  });

  test('a webhook added to the config is sent what is already firing; a removed one’s queue is dropped and reported', async () => {
    const clock = new FakeClock(T0);
    const net = new FakeNet();
    net.answer(CHAT, 'refused');
    const first = await open({ clock, net, settings: settings({ alertmanagers: [], webhooks: settings().webhooks.slice(1) }) });
    await first.notifier.sync('alerts/demo', [synthetic('etcdNoLeader')]);
    await until(() => net.attempts(CHAT) === 1, 'an attempt');
    await first.notifier.close();

    const second = await open({ clock, net, stateFile: first.stateFile, settings: settings({ alertmanagers: [], webhooks: settings().webhooks.slice(0, 1) }) });
    await until(() => net.delivered(OPS).length === 1, 'the firing alert at the new webhook');
    expect(second.reports).toEqual([
      expect.objectContaining({ event: 'dropped', message: 'alert delivery: webhook chat is no longer configured; its 1 waiting event were dropped' }),
    ]);
    await second.notifier.close();
  });

  test('an unreadable state file is set aside and reported, and delivery starts afresh', async () => {
    const clock = new FakeClock(T0);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-notify-'));
    dirs.push(dir);
    const stateFile = path.join(dir, 'notifications.json');
    writeFileSync(stateFile, '{"version":1,"alerts":[');
    const { notifier, reports } = await open({ clock, net: new FakeNet(), stateFile });
    expect(reports.map((r) => [r.event, r.message])).toEqual([['state', `alert delivery: the state file was not JSON; set aside as notifications.json.unreadable-${T0} (alerts firing before the restart are not re-sent)`]]);
    expect(readdirSync(dir).sort()).toEqual(['notifications.json', `notifications.json.unreadable-${T0}`]);
    await notifier.close();
  });

  test('retainFeeds closes the alerts of a cluster that left the config', async () => {
    const clock = new FakeClock(T0);
    const net = new FakeNet();
    const { notifier } = await open({ clock, net });
    await notifier.sync('alerts/gone', [synthetic('etcdNoLeader', 'gone')]);
    await notifier.sync('alerts/demo', [synthetic('etcdNoLeader')]);
    await until(() => net.delivered(OPS).length === 2, 'both');
    await notifier.retainFeeds(['alerts/demo']);
    await until(() => net.delivered(OPS).length === 3, 'the resolve');
    expect(net.delivered<HookEvent>(OPS)[2]).toMatchObject({ status: 'resolved', labels: { cluster: 'gone' } });
    await notifier.close();
  });
});

describe('sendTest', () => {
  test('one test alert to every receiver whatever its filters; each result says whether it arrived', async () => {
    const clock = new FakeClock(T0);
    const net = new FakeNet();
    net.answer(AM_B, 'refused');
    const { notifier, reports } = await open({ clock, net });
    const results = await notifier.sendTest();
    expect(results).toEqual([
      { receiver: 'am-a', kind: 'alertmanager', ok: true, error: null },
      { receiver: 'am-b', kind: 'alertmanager', ok: false, error: 'connection refused' },
      { receiver: 'ops', kind: 'webhook', ok: true, error: null },
      { receiver: 'chat', kind: 'webhook', ok: true, error: null },
    ]);
    expect(net.delivered<AmAlert[]>(AM_A)[0][0].labels).toMatchObject({ alertname: 'RingsideTestAlert', severity: 'info', source: 'ringside' });
    expect(net.delivered<HookEvent>(OPS)[0]).toMatchObject({ test: true, status: 'firing', labels: { alertname: 'RingsideTestAlert' } });
    expect(signatureOk(net.calls.find((c) => c.url === OPS)!)).toBe(true);
    expect(JSON.parse(net.calls.find((c) => c.url === CHAT)!.body).text).toMatch(/^🧪 \*TEST\* RingsideTestAlert: /);
    expect(reports.map((r) => r.message)).toEqual(['am-b: test alert not delivered: connection refused']);
    expect(notifier.status().map((s) => [s.name, s.sent, s.failed])).toEqual([
      ['am-a', 1, 0],
      ['am-b', 0, 1],
      ['ops', 1, 0],
      ['chat', 1, 0],
    ]);
    // Nothing was queued by the test.
    expect(notifier.status().every((s) => s.queued === 0)).toBe(true);
    await notifier.close();
  });
});

describe('secrets', () => {
  test('no status, report or state file holds a secret or a webhook URL’s path', async () => {
    const clock = new FakeClock(T0);
    const net = new FakeNet();
    const slackURL = 'https://hooks.slack.com/services/T0/B0/SECRETPATH';
    net.answer(slackURL, 500);
    net.answer(OPS, 'refused');
    const s = settings({ webhooks: [settings().webhooks[0], { name: 'chat', url: slackURL, format: 'slack', severities: null, clusters: null }] });
    const { notifier, reports, stateFile } = await open({ clock, net, settings: s });
    await notifier.sync('alerts/demo', [synthetic('etcdNoLeader')]);
    await until(() => reports.length >= 2, 'failures');
    const { readFile } = await import('node:fs/promises');
    const seen = JSON.stringify([notifier.status(), reports, await readFile(stateFile, 'utf8')]);
    expect(seen).toContain('https://hooks.slack.com');
    expect(seen).not.toContain('SECRETPATH');
    expect(seen).not.toContain(SECRET.toString());
    expect(seen).not.toContain('/ops');
    await notifier.close();
  });
});

/** An alert of another producer (or a made-up rule), firing since T0. */
function synthetic(rule: string, cluster = 'demo'): AlertLike {
  return {
    id: `${cluster}/${rule}/cluster`,
    cluster,
    rule,
    severity: 'critical',
    state: 'firing',
    message: `${rule} holds`,
    summary: 'Something is wrong.',
    when: 'it holds',
    action: 'Fix it.',
    activeSince: new Date(T0).toISOString(),
  };
}
