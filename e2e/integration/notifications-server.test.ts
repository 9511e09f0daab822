// Issue 15, end to end through the running Ringside server (the built app, its composition root,
// its own polls and alert rules): a real member killed reaches real Alertmanagers and a webhook of
// the test's own; a signed webhook that fails for a minute, then refuses connections across a
// kill -9 of Ringside, still gets every alert once, in order. The engine alone is tested in
// alert-delivery.test.ts; this is the wiring.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { NotificationsResponse } from '@/lib/api/contract';
import { EtcdRing } from '../harness/ring';
import { AlertmanagerServer } from '../support/alertmanager';
import { PROMTOOL, requirePrometheus } from '../support/prometheus';
import { RingsideServer } from '../support/ringside-server';
import { verifyRingsideSignature, WebhookReceiver, type Received } from '../support/webhook-receiver';

/** What Alertmanager's webhook_config posts (version 4). */
interface AlertmanagerWebhook {
  alerts: { status: 'firing' | 'resolved'; labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; generatorURL: string }[];
}

/** Links in alerts open this; Ringside need not be reachable there for delivery to work. */
const EXTERNAL = 'https://ringside.example.test';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'ringside-notify-server-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const notifications = async (server: RingsideServer) => (await server.json<NotificationsResponse>('/api/notifications')).body;

describe('through the running server to real Alertmanagers (Debian 0.25) and a webhook of the test’s own', () => {
  let ring: EtcdRing;
  let receiver: WebhookReceiver;
  let am1: AlertmanagerServer;
  let am2: AlertmanagerServer;
  let server: RingsideServer | undefined;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    ring = await EtcdRing.start({ size: 3, name: 'n' });
    am1 = await AlertmanagerServer.start(receiver.url('/am1'));
    am2 = await AlertmanagerServer.start(receiver.url('/am2'));
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([am1?.stop(), am2?.stop(), receiver?.stop(), ring?.close()]);
  });

  const start = (alertmanagers: AlertmanagerServer[]) =>
    RingsideServer.start({
      clusters: [{ name: 'ring', endpoints: ring.endpoints(), metrics: { enabled: false } }],
      dataDir: path.join(tempDir(), 'data'),
      // 3 s instead of 20 s: the rule, its labels and its delivery are what is tested here.
      alerts: { etcdMembersDown: { forMs: 3000 } },
      extraYaml: [
        'notifications:',
        `  externalURL: ${EXTERNAL}`,
        '  resendIntervalMs: 5000',
        '  alertmanagers:',
        ...alertmanagers.map((a, i) => `    - { name: am${i + 1}, url: "${a.url}" }`),
      ].join('\n'),
    });

  const alertsAt = (p: string, victim: string, status: 'firing' | 'resolved') =>
    receiver
      .accepted(p)
      .flatMap((r) => (JSON.parse(r.body.toString()) as AlertmanagerWebhook).alerts)
      .filter((a) => a.status === status && a.labels.alertname === 'etcdMembersDown' && a.labels.member === victim);

  async function killAndRestart(victim: string, paths: string[]) {
    const id = (await server!.json<{ members: { id: string; name: string }[] }>('/api/clusters/ring/ring')).body.members.find((m) => m.name === victim)!.id;
    await ring.kill(victim);
    for (const p of paths) await ring.waitFor(() => alertsAt(p, victim, 'firing').length > 0, { what: `etcdMembersDown ${victim} firing at ${p}`, timeoutMs: 30_000 });
    for (const p of paths) {
      const [a] = alertsAt(p, victim, 'firing');
      expect(a.labels).toEqual({ alertname: 'etcdMembersDown', cluster: 'ring', member: victim, member_id: id, severity: 'critical', source: 'ringside' });
      expect(a.annotations).toMatchObject({
        summary: expect.stringMatching(new RegExp(`^${victim} is down: `)),
        action: expect.stringMatching(/^Restart the member/),
        cluster_url: `${EXTERNAL}/clusters/ring`,
      });
      expect(a.generatorURL).toBe(a.annotations.timeline_url);
      expect(a.generatorURL.startsWith(`${EXTERNAL}/timeline?cluster=ring&from=`)).toBe(true);
    }
    await ring.restart(victim);
    for (const p of paths) await ring.waitFor(() => alertsAt(p, victim, 'resolved').length > 0, { what: `etcdMembersDown ${victim} resolved at ${p}`, timeoutMs: 30_000 });
    for (const p of paths) expect(alertsAt(p, victim, 'resolved')[0].labels.member_id).toBe(id);
  }

  test('a killed member reaches the receiver as etcdMembersDown with its cluster and member labels, and resolves after its restart', async () => {
    server = await start([am1]);
    await killAndRestart('n3', ['/am1']);
    expect(receiver.accepted('/am2')).toEqual([]);
    const status = await notifications(server);
    expect(status).toMatchObject({ state: 'running', externalURL: EXTERNAL, resendIntervalMs: 5000 });
    expect(status.receivers.map((r) => [r.name, r.kind, r.target, r.failed, r.dropped])).toEqual([['am1', 'alertmanager', am1.url, 0, 0]]);
    expect(status.receivers[0].sent).toBeGreaterThanOrEqual(2);
    // The same counts for a Prometheus that scrapes Ringside.
    const metrics = await (await fetch(`${server.url}/api/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^ringside_notification_sent_total\\{receiver="am1",kind="alertmanager"\\} ${status.receivers[0].sent}$`, 'm'));
    expect(metrics).toMatch(/^ringside_notification_queued\{receiver="am1",kind="alertmanager"\} 0$/m);
    expect(metrics).toMatch(/^ringside_notification_last_success_timestamp_seconds\{receiver="am1",kind="alertmanager"\} \d+\.?\d*$/m);
    // Prometheus' own linter has nothing to say about the delivery series (only about prom-client's Node.js gauges).
    requirePrometheus();
    let lint = '';
    try {
      execFileSync(PROMTOOL, ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
    } catch (e) {
      const err = e as { status: number; stdout: string; stderr: string };
      expect(err.status, err.stderr + err.stdout).toBe(3);
      lint = err.stdout + err.stderr;
    }
    for (const l of lint.split('\n').filter(Boolean)) expect(l).toMatch(/^ringside_nodejs_active_\w+_total non-counter/);
    await server.stop();
    server = undefined;
  }, 120_000);

  test('the same through two Alertmanagers: each of an HA pair gets every alert', async () => {
    server = await start([am1, am2]);
    await killAndRestart('n2', ['/am1', '/am2']);
    expect((await notifications(server)).receivers.map((r) => [r.name, r.failed])).toEqual([
      ['am1', 0],
      ['am2', 0],
    ]);
    await server.stop();
    server = undefined;
  }, 120_000);
});

describe('a signed webhook that fails for a minute, then recovers, across a kill -9 of the running server', () => {
  const SECRET = 'the-webhook-secret-of-this-server-test';
  let ring: EtcdRing;
  let receiver: WebhookReceiver;
  let server: RingsideServer | undefined;
  let dataDir: string;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    ring = await EtcdRing.start({ size: 3, name: 'w' });
    dataDir = path.join(tempDir(), 'data');
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([receiver?.stop(), ring?.close()]);
  });

  const start = () =>
    RingsideServer.start({
      clusters: [{ name: 'prod', endpoints: ring.endpoints(), metrics: { enabled: false } }],
      // The same data dir across the crash: the delivery state lives there.
      dataDir,
      env: { RINGSIDE_TEST_HOOK_SECRET: SECRET },
      alerts: {
        etcdMembersDown: { forMs: 2000 },
        etcdInsufficientMembers: { forMs: 1000 },
        // Alone, w1 loses its leader at an election timeout of its own: not this test's business.
        etcdNoLeader: { disabled: true },
      },
      extraYaml: ['notifications:', `  externalURL: ${EXTERNAL}`, '  webhooks:', `    - { name: ops, url: "${receiver.url('/hook')}", secretEnv: RINGSIDE_TEST_HOOK_SECRET }`].join('\n'),
    });

  const bodyOf = (r: Received) => JSON.parse(r.body.toString()) as { id: string; status: string; labels: Record<string, string>; sentAt: string; test?: boolean };
  const line = (r: Received) => {
    const b = bodyOf(r);
    return `${b.labels.alertname} ${b.labels.member ?? '-'} ${b.status}`;
  };
  const ops = async () => (await notifications(server!)).receivers.find((r) => r.name === 'ops')!;

  test('every alert arrives once, in order, with a valid signature; nothing is lost or repeated across the crash', async () => {
    server = await start();
    const first = server;
    receiver.answer = () => 500;
    await ring.kill('w3');
    await ring.waitFor(() => receiver.received.some((r) => line(r) === 'etcdMembersDown w3 firing'), { what: 'the first attempt (answered 500)', timeoutMs: 20_000 });
    const failingFrom = Date.now();
    await ring.kill('w2');
    await ring.waitFor(async () => (await ops()).queued === 3, { what: 'three firing alerts waiting', timeoutMs: 20_000 });
    // A minute of 500s, then the receiver is back: the queue drains at the lane's next attempt
    // (its backoff has grown to 30-60 s by then).
    await new Promise((r) => setTimeout(r, Math.max(0, 60_000 - (Date.now() - failingFrom))));
    expect(receiver.accepted('/hook')).toEqual([]);
    receiver.answer = () => 200;
    await ring.waitFor(() => receiver.accepted('/hook').length === 3, { what: 'the queue drained after the outage', timeoutMs: 90_000, intervalMs: 500 });

    // Connection refused from here; both members come back: three resolves wait.
    await receiver.pause();
    await ring.restart('w3');
    await ring.restart('w2');
    await ring.waitFor(
      async () => {
        const o = await ops();
        return o.queued === 3 && o.lastError === 'connection refused';
      },
      { what: 'three resolves waiting, the receiver refusing connections', timeoutMs: 30_000 },
    );
    const before = await notifications(first);
    expect(before.receivers[0]).toMatchObject({ sent: 3, lastError: 'connection refused', failingSince: expect.any(String) });
    expect(before.recent.map((e) => e.action)).toEqual(expect.arrayContaining(['notify-failed', 'notify-recovered']));

    // kill -9: no handler runs. The state file already holds the three resolves.
    await first.crash();
    server = undefined;
    await receiver.resume();
    server = await start();
    await ring.waitFor(() => receiver.accepted('/hook').length >= 6, { what: 'the resolves delivered after the restart', timeoutMs: 30_000 });
    // The new process polls a healthy ring: nothing more to say, nothing said twice.
    await new Promise((r) => setTimeout(r, 3000));

    const got = receiver.accepted('/hook');
    expect(got.map(line)).toEqual([
      'etcdMembersDown w3 firing',
      'etcdInsufficientMembers - firing',
      'etcdMembersDown w2 firing',
      'etcdMembersDown w3 resolved',
      'etcdInsufficientMembers - resolved',
      'etcdMembersDown w2 resolved',
    ]);
    expect(new Set(got.map((r) => bodyOf(r).id)).size).toBe(6);
    for (const r of got) expect(verifyRingsideSignature(Buffer.from(SECRET), r, Date.now()), bodyOf(r).id).toBeNull();
    // Retries repeat an event under its id; a receiver that dropped repeats would have seen each once.
    expect(new Set(receiver.received.filter((r) => r.path === '/hook').map((r) => bodyOf(r).id)).size).toBe(6);

    const after = await notifications(server);
    expect(after.receivers[0]).toMatchObject({ name: 'ops', kind: 'webhook', format: 'json', signed: true, target: receiver.url('/hook').replace('/hook', ''), queued: 0, sent: 6, dropped: 0, failingSince: null });
    // Failures reached the audit log, limited (a minute of retries is one line), and the server log, each.
    const failedLines = after.recent.filter((e) => e.action === 'notify-failed');
    expect(failedLines.length).toBeGreaterThanOrEqual(1);
    expect(failedLines.length).toBeLessThanOrEqual(3);
    expect(failedLines.at(-1)).toMatchObject({ user: 'ringside', via: 'system', cluster: 'prod', error: expect.stringMatching(/^ops: HTTP 500: receiver says no; /) });
    expect(first.log).toMatch(/\[ringside\] alert delivery: ops: HTTP 500: receiver says no; \d+ waiting, attempt \d+, next in /);
    expect(first.log).toMatch(/\[ringside\] alert delivery: ops: connection refused/);

    // The secret is in the environment only: never in a response, a log line, the audit or the state file.
    const texts = [first.log, server.log, JSON.stringify(before), JSON.stringify(after), readFileSync(path.join(dataDir, 'audit.jsonl'), 'utf8'), readFileSync(path.join(dataDir, 'notifications.json'), 'utf8')];
    for (const t of texts) expect(t.includes(SECRET)).toBe(false);
  }, 300_000);
});
