import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { evaluateRules } from '@/lib/alerts/rules';
import { AlertTracker } from '@/lib/alerts/tracker';
import { ClusterMonitor } from '@/lib/monitor/cluster-monitor';
import type { NotifySettings } from '@/lib/notify/config';
import { Notifier } from '@/lib/notify/notifier';
import { FakeClock, TrackedRing, until } from '@/lib/notify/testing';
import type { DeliveryReport } from '@/lib/notify/types';
import { EtcdRing } from '../harness/ring';
import { AlertmanagerServer } from '../support/alertmanager';
import { verifyRingsideSignature, WebhookReceiver } from '../support/webhook-receiver';

/** What Alertmanager's webhook_config posts (version 4). */
interface AlertmanagerWebhook {
  status: 'firing' | 'resolved';
  alerts: { status: 'firing' | 'resolved'; labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; generatorURL: string }[];
}

const dirs: string[] = [];
const tempStateFile = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-delivery-'));
  dirs.push(dir);
  return path.join(dir, 'notifications.json');
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function settings(extra: Partial<NotifySettings>): NotifySettings {
  return { externalURL: 'http://127.0.0.1:3000', resendIntervalMs: 60_000, timeoutMs: 5000, queueLimit: 1000, alertmanagers: [], webhooks: [], ...extra };
}

describe('through real Alertmanagers (Debian 0.25) to a webhook of the test’s own', () => {
  let ring: EtcdRing;
  let receiver: WebhookReceiver;
  let am1: AlertmanagerServer;
  let am2: AlertmanagerServer;
  let monitor: ClusterMonitor;

  beforeAll(async () => {
    // One at a time, so that whatever started is stopped by afterAll even if a later start fails.
    receiver = await WebhookReceiver.start();
    ring = await EtcdRing.start({ size: 3, name: 'am' });
    am1 = await AlertmanagerServer.start(receiver.url('/am1'));
    am2 = await AlertmanagerServer.start(receiver.url('/am2'));
    monitor = new ClusterMonitor(
      { name: 'ring', endpoints: ring.endpoints(), metrics: { enabled: false, urls: {}, scheme: 'http' } },
      { pollIntervalMs: 1000, requestTimeoutMs: 500, hashCheckIntervalMs: 0 },
    );
  });
  afterAll(async () => {
    await monitor?.stop();
    await Promise.all([am1?.stop(), am2?.stop(), receiver?.stop(), ring?.close()]);
  });

  /**
   * A killed member, polled for real, evaluated by the real rules and tracker on a fake clock (so
   * etcdMembersDown's 20 s `for` passes at once), delivered through `alertmanagers`; then the
   * member restarted. The fake clock starts a minute behind the real one (its 21 s of polls take a
   * few real seconds): a firing alert's endsAt, 4 minutes ahead, is still ahead for Alertmanager,
   * and the resolve's endsAt is already past, as in production.
   */
  async function killAndRestart(victim: string, alertmanagers: AlertmanagerServer[], paths: string[]): Promise<void> {
    const clock = new FakeClock(Date.now() - 60_000);
    const tracker = new AlertTracker('ring', { pollIntervalMs: 1000 });
    const reports: DeliveryReport[] = [];
    const notifier = await Notifier.open({
      settings: settings({ alertmanagers: alertmanagers.map((a, i) => ({ name: `am${i + 1}`, url: a.url })) }),
      stateFile: tempStateFile(),
      report: (r) => reports.push(r),
      clock,
    });
    const poll = async () => {
      const state = await monitor.pollNow();
      const now = clock.now();
      tracker.update(evaluateRules({ ring: state, hashChecks: [], events: [], now }), now);
      await notifier.sync('alerts/ring', tracker.list());
      clock.advance(1000);
    };
    const alertsAt = (p: string, status: 'firing' | 'resolved') =>
      receiver
        .accepted(p)
        .flatMap((r) => (JSON.parse(r.body.toString()) as AlertmanagerWebhook).alerts)
        // Go writes times without trailing zeros: compare instants, not strings.
        .filter((a) => a.status === status && a.labels.alertname === 'etcdMembersDown' && Date.parse(a.startsAt) === Date.parse(startsAt));
    let startsAt = '';
    try {
      await ring.kill(victim);
      for (let s = 0; s <= 20; s++) await poll();
      const [fired] = tracker.firing();
      expect(fired).toMatchObject({ rule: 'etcdMembersDown', memberName: victim });
      startsAt = fired.activeSince;

      for (const p of paths) await ring.waitFor(() => alertsAt(p, 'firing').length > 0, { what: `etcdMembersDown firing at ${p}`, timeoutMs: 15_000 });
      for (const p of paths) {
        const [a] = alertsAt(p, 'firing');
        expect(a.labels).toEqual({ alertname: 'etcdMembersDown', cluster: 'ring', member: victim, member_id: fired.memberId, severity: 'critical', source: 'ringside' });
        expect(a.annotations).toMatchObject({ summary: expect.stringMatching(new RegExp(`^${victim} is down: `)), action: expect.stringMatching(/^Restart the member/), cluster_url: 'http://127.0.0.1:3000/clusters/ring' });
        expect(a.generatorURL).toBe(a.annotations.timeline_url);
        expect(new URL(a.generatorURL).searchParams.get('cluster')).toBe('ring');
      }

      await ring.restart(victim);
      await ring.waitFor(async () => (await monitor.pollNow()).members.every((m) => m.reachable), { what: `${victim} answering again` });
      await poll();
      expect(tracker.list().filter((a) => a.rule === 'etcdMembersDown')).toEqual([]);
      for (const p of paths) await ring.waitFor(() => alertsAt(p, 'resolved').length > 0, { what: `etcdMembersDown resolved at ${p}`, timeoutMs: 15_000 });
      for (const p of paths) expect(alertsAt(p, 'resolved')[0].labels.member).toBe(victim);
      expect(notifier.status().map((s) => [s.name, s.queued, s.failed])).toEqual(alertmanagers.map((_, i) => [`am${i + 1}`, 0, 0]));
      expect(reports).toEqual([]);
    } finally {
      await notifier.close();
    }
  }

  test('a killed member reaches the receiver as etcdMembersDown with its cluster and member labels, and resolves after its restart', async () => {
    await killAndRestart('am3', [am1], ['/am1']);
    expect(receiver.accepted('/am2')).toEqual([]);
  });

  test('the same through two Alertmanagers: each of an HA pair gets every alert', async () => {
    // Another member: Alertmanager would merge a second incident of the same labels whose (fake)
    // times overlap the first one's into it.
    await killAndRestart('am2', [am1, am2], ['/am1', '/am2']);
  });
});

describe('a signed webhook that fails for a while, then recovers, across a Ringside crash', () => {
  const SECRET = Buffer.from('the-webhook-secret-of-this-test');
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver?.stop();
  });

  test('every alert arrives once, in order, with a valid signature; nothing is lost or repeated across the crash', async () => {
    const stateFile = tempStateFile();
    const reports: DeliveryReport[] = [];
    const open = (clock: FakeClock) =>
      Notifier.open({
        settings: settings({ webhooks: [{ name: 'ops', url: receiver.url('/hook'), format: 'json', secret: SECRET, severities: null, clusters: null }] }),
        stateFile,
        report: (r) => reports.push(r),
        clock,
        backoff: { baseMs: 1000, maxMs: 5000 },
        settleMs: 60_000,
      });
    // Phases of the receiver, in seconds of (fake) Ringside time.
    const T0 = Date.UTC(2026, 10, 23, 3, 0, 0);
    let clock = new FakeClock(T0);
    let notifier = await open(clock);
    let ring = new TrackedRing(clock, 'prod');
    const at = () => (clock.now() - T0) / 1000;
    const idle = () => until(() => notifier.status().every((s) => s.queued === 0 || s.nextAttemptAt !== null), 'delivery to wait or be done');
    const second = async (down: ('m2' | 'm3')[]) => {
      await notifier.sync('alerts/prod', ring.poll({ down }));
      await idle();
      clock.advance(1000);
      await idle();
    };

    receiver.answer = () => 500;
    for (; at() < 30; ) await second(['m3']); // etcdMembersDown m3 fires at 20 s
    for (; at() < 80; ) await second(['m2', 'm3']); // no quorum at 36 s, m2 down at 50 s: a minute of 500s
    expect(receiver.accepted('/hook')).toEqual([]);
    receiver.answer = () => 200;
    for (; at() < 90; ) await second(['m2', 'm3']); // the queue drains
    expect(receiver.accepted('/hook').length).toBe(3);
    await receiver.pause(); // connection refused from here
    for (; at() < 100; ) await second(['m2']); // m3 back at 90 s: two resolves wait

    // Ringside dies: no close(), its clock never moves again. A new process, a new tracker.
    await notifier.sync('alerts/prod', ring.tracker.list()); // unchanged: resolves once its last save is on disk
    expect(notifier.status()[0]).toMatchObject({ queued: 2 });
    clock = new FakeClock(clock.now());
    ring = new TrackedRing(clock, 'prod');
    notifier = await open(clock);
    for (; at() < 105; ) await second(['m2']);
    for (; at() < 115; ) await second([]); // m2 back at 105 s: a third resolve waits
    expect(notifier.status()[0]).toMatchObject({ queued: 3 });
    await receiver.resume();
    for (; at() < 125; ) await second([]);
    await until(() => notifier.status()[0].queued === 0, 'the queue to drain');
    await notifier.close();

    const got = receiver.accepted('/hook').map((r) => ({ r, body: JSON.parse(r.body.toString()) as { id: string; status: string; labels: Record<string, string>; sentAt: string } }));
    expect(got.map(({ body }) => `${body.labels.alertname} ${body.labels.member ?? '-'} ${body.status}`)).toEqual([
      'etcdMembersDown m3 firing',
      'etcdInsufficientMembers - firing',
      'etcdMembersDown m2 firing',
      'etcdMembersDown m3 resolved',
      'etcdInsufficientMembers - resolved',
      'etcdMembersDown m2 resolved',
    ]);
    expect(new Set(got.map(({ body }) => body.id)).size).toBe(6);
    for (const { r, body } of got) expect(verifyRingsideSignature(SECRET, r, Date.parse(body.sentAt)), body.id).toBeNull();
    // Every failure was reported: 500s, then refused connections, on both sides of the crash.
    const failed = reports.filter((r) => r.event === 'failed').map((r) => r.message);
    expect(failed.some((m) => m.startsWith('ops: HTTP 500: receiver says no'))).toBe(true);
    expect(failed.some((m) => m.startsWith('ops: connection refused'))).toBe(true);
    expect(reports.filter((r) => r.event === 'recovered')).toHaveLength(2);
    expect(reports.filter((r) => r.event === 'dropped' || r.event === 'rejected')).toEqual([]);
  });
});
