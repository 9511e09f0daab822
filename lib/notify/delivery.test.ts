import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { AuditEntry, AuditStore } from '../audit/types';
import { isRingsideError } from '../errors';
import type { AlertLike } from './alert';
import type { NotifySettings } from './config';
import { AlertDelivery, type AlertSource } from './delivery';
import type { FetchLike } from './http';
import { FakeClock, TrackedRing, until } from './testing';

// The wiring around the engine (lib/notify/notifier.ts, tested on its own): sources fed to it,
// reports to the server log and, limited, to the audit log, the audited test alert, and what the
// Notifications page is shown. The network is a function; the clock is fake.

const T0 = Date.UTC(2026, 10, 23, 3, 0, 0);
const SECRET = 'the-signing-secret-of-this-test';
const SLACK = 'https://hooks.slack.example/services/T0/B0/the-secret-path';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const stateFile = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'ringside-delivery-unit-'));
  dirs.push(d);
  return path.join(d, 'notifications.json');
};

class MemoryAudit implements AuditStore {
  readonly entries: AuditEntry[] = [];
  async append(e: AuditEntry) {
    this.entries.push(e);
  }
  async query(q: { action?: string[]; limit?: number } = {}) {
    return this.entries.filter((e) => !q.action || q.action.includes(e.action)).reverse().slice(0, q.limit ?? 200);
  }
}

/** A feed whose list the test sets; `poll()` tells the subscribers, as a monitor does each poll. */
class Feed implements AlertSource {
  list: AlertLike[] = [];
  private fns = new Set<() => void>();
  constructor(readonly feed: string) {}
  alerts = () => this.list;
  subscribe = (fn: () => void) => {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  };
  poll(list: AlertLike[]) {
    this.list = list;
    for (const fn of this.fns) fn();
  }
}

const settings = (): NotifySettings => ({
  externalURL: 'https://ringside.example.com',
  resendIntervalMs: 60_000,
  timeoutMs: 1000,
  queueLimit: 100,
  alertmanagers: [{ name: 'am', url: 'http://127.0.0.1:9093' }],
  webhooks: [
    { name: 'ops', url: 'https://hooks.example/ringside', format: 'json', secret: Buffer.from(SECRET), severities: ['critical'], clusters: ['prod'] },
    { name: 'chat', url: SLACK, format: 'slack', severities: null, clusters: null },
  ],
});

function setup(answer: (url: string) => number | 'refused') {
  const clock = new FakeClock(T0);
  const audit = new MemoryAudit();
  const log: string[] = [];
  const posts: { url: string; body: string }[] = [];
  const fetch: FetchLike = async (url, init) => {
    posts.push({ url, body: String(init.body) });
    const a = answer(url);
    if (a === 'refused') throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    return new Response(a < 300 ? '' : 'receiver says no', { status: a });
  };
  const prod = new Feed('alerts/prod');
  const delivery = new AlertDelivery({ settings: settings(), stateFile: stateFile(), audit, sources: [prod], log: (l) => log.push(l), now: clock.now, notifier: { fetch, clock, random: () => 0.5 } });
  return { clock, audit, log, posts, prod, delivery };
}

describe('AlertDelivery: the engine wired to the server', () => {
  test('a source’s alerts reach every receiver that wants them; the page sees each receiver by name and origin, with its filters', async () => {
    const { clock, prod, delivery, posts } = setup(() => 200);
    expect(delivery.view().state).toBe('starting');
    await delivery.ready();
    const ring = new TrackedRing(clock, 'prod');
    for (let s = 0; s <= 20; s++) {
      prod.poll(ring.poll({ down: ['m3'] }));
      clock.advance(1000);
    }
    await until(() => posts.length >= 3, 'the alert at every receiver');
    expect(posts.map((p) => new URL(p.url).origin).sort()).toEqual(['http://127.0.0.1:9093', 'https://hooks.example', 'https://hooks.slack.example']);
    expect(JSON.parse(posts.find((p) => p.url.includes('9093'))!.body)[0].labels).toMatchObject({ alertname: 'etcdMembersDown', cluster: 'prod', member: 'm3' });

    const view = delivery.view();
    expect(view).toMatchObject({ state: 'running', externalURL: 'https://ringside.example.com', resendIntervalMs: 60_000 });
    expect(view.receivers.map((r) => [r.name, r.kind, r.target, r.signed, r.severities, r.clusters, r.sent])).toEqual([
      ['am', 'alertmanager', 'http://127.0.0.1:9093', false, null, null, 1],
      ['ops', 'webhook', 'https://hooks.example', true, ['critical'], ['prod'], 1],
      ['chat', 'webhook', 'https://hooks.slack.example', false, null, null, 1],
    ]);
    const text = JSON.stringify(view);
    expect(text).not.toContain('the-secret-path');
    expect(text).not.toContain(SECRET);
    await delivery.close();
    expect(delivery.view().state).toBe('closed');
  });

  test('a failing receiver: every report in the server log, the audit log only at the start, once per 10 minutes and at the recovery', async () => {
    let ok = false;
    const { clock, prod, delivery, audit, log } = setup((url) => (url.includes('hooks.example/') && !ok ? 500 : 200));
    await delivery.ready();
    const ring = new TrackedRing(clock, 'prod');
    const idle = () => until(() => delivery.view().receivers.every((r) => r.queued === 0 || r.nextAttemptAt !== null), 'delivery to wait or be done');
    // A poll every 10 s (fake time); the webhook answers 500 for 25 minutes, then 200.
    const step = async () => {
      prod.poll(ring.poll({ down: ['m3'] }));
      await idle();
      clock.advance(10_000);
      await idle();
    };
    while (clock.now() < T0 + 25 * 60_000) await step();
    ok = true;
    while (delivery.view().receivers.find((r) => r.name === 'ops')!.queued > 0) await step();
    await until(() => audit.entries.some((e) => e.action === 'notify-recovered'), 'the recovery in the audit log');

    const failures = log.filter((l) => l.startsWith('[ringside] alert delivery: ops: HTTP 500'));
    // Backoff from 1 s to 60 s: some 30 attempts in 25 minutes.
    expect(failures.length).toBeGreaterThan(20);
    const lines = audit.entries.filter((e) => e.params.receiver === 'ops');
    expect(lines.map((e) => e.action)).toEqual(['notify-failed', 'notify-failed', 'notify-failed', 'notify-recovered']);
    expect(lines[0]).toMatchObject({ user: 'ringside', via: 'system', cluster: 'prod', result: 'failed', details: { alerts: [{ alertname: 'etcdMembersDown', cluster: 'prod', member: 'm3', status: 'firing' }] } });
    expect(lines[0].error).toMatch(/^ops: HTTP 500: receiver says no; 1 waiting, attempt 1, next in /);
    // Every failure is accounted for: written, or counted in the next line written.
    const counted = lines.slice(0, 3).length + lines.reduce((n, e) => n + Number(e.details?.held ?? 0), 0);
    expect(counted).toBe(failures.length);
    expect(lines[3]).toMatchObject({ result: 'ok', details: { message: expect.stringMatching(/^ops: delivering again after \d+ failed attempts since /) } });
    await delivery.close();
  });

  test('Send test alert: audited before it is sent and with each receiver’s result after; failures are said, secrets are not', async () => {
    const { delivery, audit, posts } = setup((url) => (url.startsWith('https://hooks.slack.example') ? 'refused' : url.includes('9093') ? 503 : 200));
    await delivery.ready();
    const report = await delivery.sendTest({ name: 'alice', role: 'operator', via: 'password' });
    expect(report.results).toEqual([
      { receiver: 'am', kind: 'alertmanager', ok: false, error: 'HTTP 503: receiver says no' },
      { receiver: 'ops', kind: 'webhook', ok: true, error: null },
      { receiver: 'chat', kind: 'webhook', ok: false, error: 'connection refused' },
    ]);
    // Whatever the filters: ops takes only critical alerts of prod, and still got the test.
    expect(posts.map((p) => new URL(p.url).origin)).toEqual(expect.arrayContaining(['https://hooks.example']));
    const tests = audit.entries.filter((e) => e.action === 'notify-test');
    expect(tests.map((e) => [e.result, e.user, e.via, e.cluster])).toEqual([
      ['started', 'alice', 'password', ''],
      ['failed', 'alice', 'password', ''],
    ]);
    expect(tests[1].error).toBe('2 of 3 receivers did not get it: am: HTTP 503: receiver says no; chat: connection refused');
    expect(tests[0].id).toBe(tests[1].id);
    // The failures are reports too, in the delivery log.
    expect((await delivery.recent()).map((e) => e.action)).toEqual(expect.arrayContaining(['notify-test', 'notify-failed']));
    const everything = JSON.stringify(audit.entries) + JSON.stringify(report);
    expect(everything).not.toContain('the-secret-path');
    expect(everything).not.toContain(SECRET);
    await delivery.close();
  });

  test('after a restart, alerts of a cluster that left the config are resolved; the state file holds no secret', async () => {
    const file = stateFile();
    const clock = new FakeClock(T0);
    const audit = new MemoryAudit();
    const posts: string[] = [];
    const fetch: FetchLike = async (url, init) => {
      posts.push(`${url} ${String(init.body)}`);
      return new Response('', { status: 200 });
    };
    const open = (sources: AlertSource[]) => new AlertDelivery({ settings: settings(), stateFile: file, audit, sources, log: () => {}, now: clock.now, notifier: { fetch, clock } });
    const old = new Feed('alerts/old');
    let d = open([old]);
    await d.ready();
    const ring = new TrackedRing(clock, 'old');
    for (let s = 0; s <= 20; s++) {
      old.poll(ring.poll({ down: ['m2'] }));
      clock.advance(1000);
    }
    await until(() => d.view().receivers.every((r) => r.queued === 0) && posts.length >= 2, 'the firing alert delivered');
    await d.close();
    posts.length = 0;
    // The cluster "old" is gone from the config: nobody will ever sync its feed again.
    d = open([new Feed('alerts/prod')]);
    await d.ready();
    // To Alertmanager, a resolve is the alert with its real end; to chat, a RESOLVED message.
    const resolvedAt = new Date(clock.now()).toISOString();
    await until(() => posts.some((p) => p.includes(':9093/') && p.includes(`"endsAt":"${resolvedAt}"`)) && posts.some((p) => p.includes('*RESOLVED* etcdMembersDown on old')), 'the resolve sent');
    await d.close();
    const state = readFileSync(file, 'utf8');
    expect(state).not.toContain('the-secret-path');
    expect(state).not.toContain(SECRET);
  });

  test('without notifications in the config: off, and the test alert says how to turn it on', async () => {
    const audit = new MemoryAudit();
    const d = new AlertDelivery({ settings: undefined, stateFile: stateFile(), audit, sources: [] });
    expect(d.view()).toEqual({ state: 'off', error: null, externalURL: null, resendIntervalMs: null, receivers: [] });
    const e = await d.sendTest({ name: 'alice', role: 'operator', via: 'password' }).catch((x: unknown) => x);
    expect(isRingsideError(e) && [e.code, e.message]).toEqual(['NOT_FOUND', 'no receivers are configured: add alertmanagers or webhooks under notifications in the config file']);
    expect(audit.entries).toEqual([]);
  });
});
