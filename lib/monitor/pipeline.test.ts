import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ClusterCertificates } from '../certs/inventory';
import { describeCertificate, parsePemCertificates } from '../certs/x509';
import type { MemberClient } from '../etcd/client';
import type { MemberProbe, PollResult } from '../etcd/types';
import { downProbe, ids, okProbe, poll } from '../ring/fixtures';
import type { HashCheck, HashReply } from '../ring/hashkv';
import type { RingState } from '../ring/types';
import { ClusterMonitor, type MonitorMessage } from './cluster-monitor';
import type { MonitorClock } from './clock';
import { RingPipeline } from './pipeline';

// The monitor with its parts injected: what each member answered comes from real-shaped fixtures,
// time is a fake clock whose timers fire when the test moves it. No etcd, no waiting.

const T0 = Date.UTC(2026, 10, 22, 3, 0, 0);
const L = ids.m1;
const up = () => [okProbe('m1', L), okProbe('m2', L), okProbe('m3', L)];
const m3down = () => [okProbe('m1', L), okProbe('m2', L), downProbe('m3')];
/** The poll of second `s` after T0. */
const at = (s: number, probes = up()): PollResult => ({ ...poll(s, probes), at: T0 + s * 1000 });

describe('RingPipeline: what a poll turns into', () => {
  const pipeline = () => new RingPipeline({ cluster: 'demo', bootId: 't', pollIntervalMs: 1000 });

  test('the first poll asks for a HashKV check at once; a steady ring asks for nothing', () => {
    const p = pipeline();
    const first = p.fold(at(0));
    expect(first.checkHashesNow).toBe(true);
    expect(first.ring.quorum).toMatchObject({ voters: 3, healthy: 3, canLose: 1 });
    const second = p.fold(at(1));
    expect([second.events, second.alerts, second.checkHashesNow]).toEqual([[], null, false]);
  });

  test('a member down: the event at once, etcdMembersDown pending then firing after its for (20 polls), resolved when it is back', () => {
    const p = pipeline();
    p.fold(at(0));
    const down = p.fold(at(1, m3down()));
    expect(down.events.map((e) => e.kind)).toEqual(['member-down']);
    expect(down.alerts?.map((a) => [a.rule, a.state])).toEqual(expect.arrayContaining([['etcdMembersDown', 'pending']]));
    const changes: { s: number; states: string[] }[] = [];
    for (let s = 2; s <= 25; s++) {
      const f = p.fold(at(s, m3down()));
      if (f.alerts) changes.push({ s, states: f.alerts.filter((a) => a.rule === 'etcdMembersDown').map((a) => a.state) });
    }
    // Published only when something in the list changed: here, when it started firing.
    expect(changes.find((c) => c.states.includes('firing'))?.s).toBe(21);
    const back = p.fold(at(26));
    expect(back.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['member-up']));
    expect(back.checkHashesNow).toBe(true);
    expect(p.alerts().filter((a) => a.rule === 'etcdMembersDown')).toEqual([]);
  });

  test('events are kept up to the buffer; history records every poll', () => {
    const p = new RingPipeline({ cluster: 'demo', bootId: 't', pollIntervalMs: 1000, eventBuffer: 4 });
    for (let s = 0; s < 12; s++) p.fold(at(s, s % 2 ? m3down() : up()));
    expect(p.recentEvents().length).toBe(4);
    const h = p.history.query({ keys: ['revision'], from: T0 - 1, to: T0 + 12_000, stepMs: 0 });
    expect(h.t.length).toBe(12);
  });
});

describe('RingPipeline: certificates', () => {
  // A real certificate (lib/certs/testdata, made by openssl), read as m2's server certificate.
  const [leaf] = parsePemCertificates(readFileSync(path.join(__dirname, '..', 'certs', 'testdata', 'server.crt'))).map(describeCertificate);
  const notAfter = Date.parse(leaf.notAfter);
  const DAY = 86_400_000;
  const read: ClusterCertificates = {
    cluster: 'demo',
    checkedAt: new Date(notAfter - 8 * DAY).toISOString(),
    members: [{ memberId: ids.m2, memberName: 'm2', endpoints: [{ source: 'client-url', url: 'https://127.0.0.1:2279', host: '127.0.0.1', chain: [leaf], coversHost: true, verified: true, verifyError: null, error: null }] }],
    ca: [],
    client: [],
  };
  const fold = (p: RingPipeline, t: number) => p.fold({ ...poll(1, up()), at: t });

  test('judged on every poll at the poll’s own time: a warning 8 days out turns critical at 7 days without a new read, and clears with a renewed one', () => {
    const p = new RingPipeline({ cluster: 'demo', bootId: 't', pollIntervalMs: 1000, certificates: { warnDays: 30, criticalDays: 7 } });
    fold(p, notAfter - 9 * DAY);
    expect(p.alerts()).toEqual([]);
    p.setCertificates(read);
    const warned = fold(p, notAfter - 8 * DAY);
    expect(warned.alerts?.map((a) => [a.rule, a.severity, a.state, a.memberName])).toEqual([['ringsideCertificateExpiry', 'warning', 'firing', 'm2']]);
    expect(warned.alerts?.[0].message).toMatch(/^m2: server certificate CN=localhost on https:\/\/127\.0\.0\.1:2279 expires on \d{4}-\d\d-\d\d \d\d:\d\d UTC, in 8 days$/);
    const critical = fold(p, notAfter - 7 * DAY);
    expect(critical.alerts?.map((a) => [a.rule, a.severity])).toEqual([['ringsideCertificateExpiry', 'critical']]);
    expect(p.certificateFindings(notAfter - 7 * DAY).map((f) => [f.memberName, f.level, f.daysLeft])).toEqual([['m2', 'critical', 7]]);
    p.setCertificates({ ...read, members: [{ ...read.members[0], endpoints: [{ ...read.members[0].endpoints[0], chain: [{ ...leaf, notAfter: new Date(notAfter + 365 * DAY).toISOString() }] }] }] });
    fold(p, notAfter - 6 * DAY);
    expect(p.alerts()).toEqual([]);
  });
});

/** Timers that fire only when the test moves the clock, in order, each given time to finish. */
class FakeClock implements MonitorClock {
  t = T0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private next = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.next++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.timers = this.timers.filter((t) => t.id !== id);
  };
  async advance(ms: number) {
    const target = this.t + ms;
    for (;;) {
      await settle();
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const due = this.timers[0];
      if (!due || due.at > target) break;
      this.timers.shift();
      this.t = due.at;
      due.fn();
    }
    this.t = target;
    await settle();
  }
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

function scripted(probesAt: (n: number) => ReturnType<typeof up>) {
  const clock = new FakeClock();
  const polls: number[] = [];
  const hashes: number[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const monitor = new ClusterMonitor({ name: 'demo', endpoints: ['http://127.0.0.1:2179'] }, { pollIntervalMs: 1000, hashCheckIntervalMs: 10_000, requestTimeoutMs: 800 }, {
    clock,
    poll: async (seq, t) => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      polls.push(t - T0);
      await settle();
      concurrent--;
      return { ...poll(seq, probesAt(polls.length - 1)), seq, at: t };
    },
    hashKv: async (endpoint, revision): Promise<HashReply & { memberId?: string }> => {
      hashes.push(clock.t - T0);
      const id = Object.values(ids)[Number(/:2(\d)79/.exec(endpoint)![1]) - 1];
      return { ok: true, hash: 7, compactRevision: 0, revision, memberId: id } as HashReply & { memberId?: string };
    },
  });
  const messages: MonitorMessage[] = [];
  monitor.subscribe((m) => messages.push(m));
  return { clock, monitor, polls, hashes, messages, maxConcurrent: () => maxConcurrent };
}

describe('ClusterMonitor on a fake clock', () => {
  test('polls every interval, never overlapping (a poll asked for meanwhile joins the running one)', async () => {
    const { clock, monitor, polls, maxConcurrent } = scripted(() => up());
    monitor.start();
    await clock.advance(0);
    await Promise.all([monitor.pollNow(), monitor.pollNow()]);
    await clock.advance(5000);
    expect(maxConcurrent()).toBe(1);
    expect(polls.slice(0, 1)).toEqual([0]);
    expect(polls.filter((t) => t >= 1000)).toEqual([1000, 2000, 3000, 4000, 5000]);
    await monitor.stop();
  });

  test('HashKV right after the first poll, then every interval; a member back pulls the next one forward', async () => {
    const { clock, monitor, hashes, messages } = scripted((n) => (n >= 3 && n < 6 ? m3down() : up()));
    monitor.start();
    await clock.advance(0);
    // Three voters hashed once, right after the first poll.
    expect(hashes).toEqual([0, 0, 0]);
    await clock.advance(5000);
    // m3 went down at poll 3 and came back at poll 6 (t=6 s): checked at once, not at t=10 s.
    await clock.advance(1000);
    const checks = messages.filter((m): m is { type: 'hashkv'; check: HashCheck } => m.type === 'hashkv');
    expect(checks.map((c) => Date.parse(c.check.checkedAt) - T0)).toEqual([0, 6000]);
    expect(checks.every((c) => c.check.consistent)).toBe(true);
    // ...and the interval restarts from there.
    await clock.advance(10_000);
    expect(messages.filter((m) => m.type === 'hashkv').map((m) => Date.parse((m as { check: HashCheck }).check.checkedAt) - T0)).toEqual([0, 6000, 16_000]);
    const kinds = messages.filter((m) => m.type === 'ring-event').map((m) => (m as { event: { kind: string } }).event.kind);
    expect(kinds).toEqual(expect.arrayContaining(['member-down', 'member-up']));
    await monitor.stop();
  });

  test('stop ends the schedule and tells nobody anything more', async () => {
    const { clock, monitor, polls, messages } = scripted(() => up());
    monitor.start();
    await clock.advance(2000);
    await monitor.stop();
    const n = polls.length;
    const m = messages.length;
    await clock.advance(10_000);
    expect([polls.length, messages.length]).toEqual([n, m]);
  });
});

describe('ClusterMonitor: /metrics scrapes apart from the polls', () => {
  /** A member's /metrics where the failed-proposals counter counts the seconds since T0. */
  const text = (t: number) => `# TYPE etcd_server_proposals_failed_total counter\netcd_server_proposals_failed_total ${(t - T0) / 1000}\n`;

  function scraping(metricsIntervalMs: number, failFrom = Infinity, hang?: { at: number; forMs: number }) {
    const clock = new FakeClock();
    const scrapes: number[] = [];
    const monitor = new ClusterMonitor({ name: 'demo', endpoints: ['http://127.0.0.1:2179'] }, { pollIntervalMs: 1000, requestTimeoutMs: 800, metricsIntervalMs }, {
      clock,
      poll: async (seq, t) => ({ ...poll(seq, up()), seq, at: t }),
      metricsText: async (url) => {
        if (url === 'http://127.0.0.1:2179/metrics') scrapes.push(clock.t - T0);
        if (clock.t - T0 >= failFrom) throw new Error('connection refused');
        const started = clock.t;
        // A member whose /metrics answers only after `forMs` (a slow one; the real fetch times out).
        if (hang && clock.t - T0 === hang.at) return new Promise<string>((resolve) => clock.setTimeout(() => resolve(text(started)), hang.forMs));
        return text(clock.t);
      },
    });
    const rings: RingState[] = [];
    monitor.subscribe((m) => m.type === 'ring' && rings.push(m.ring));
    return { clock, monitor, scrapes, rings };
  }

  test('the first scrape right after the first poll, the second a poll later, then every metricsIntervalMs; every poll carries the latest', async () => {
    const { clock, monitor, scrapes, rings } = scraping(15_000);
    monitor.start();
    await clock.advance(40_000);
    await monitor.stop();
    expect(scrapes).toEqual([0, 1000, 16_000, 31_000]);
    expect(rings.length).toBeGreaterThanOrEqual(40);
    // Every poll from the scrape at 1 s on shows a member's figures, each from the latest scrape before it.
    for (const r of rings.filter((x) => Date.parse(x.at) - T0 > 1000)) {
      const m1 = r.members.find((m) => m.name === 'm1')!;
      const scrapedAt = Date.parse(m1.metrics!.at) - T0;
      const polledAt = Date.parse(r.at) - T0;
      // A scrape and a poll due at the same moment run in either order.
      expect([Math.max(...scrapes.filter((s) => s < polledAt)), Math.max(...scrapes.filter((s) => s <= polledAt))]).toContain(scrapedAt);
    }
    // Counts are increases between real scrapes: 1 + 15 + 15 failed proposals by the scrape at 31 s.
    expect(rings.at(-1)!.members[0].metrics!.proposalsFailed15m).toBe(31);
  });

  test('a cluster’s own interval, and no figures once scrapes stop answering', async () => {
    const { clock, monitor, scrapes, rings } = scraping(5000, 11_000);
    monitor.start();
    await clock.advance(13_000);
    await monitor.stop();
    expect(scrapes).toEqual([0, 1000, 6000, 11_000]);
    const last = rings.at(-1)!.members[0];
    expect([last.metrics, last.metricsError]).toEqual([null, 'http://127.0.0.1:2179/metrics: connection refused']);
  });

  test('a scrape that hangs: the last figures are carried for three intervals, then none, until a scrape answers again', async () => {
    const { clock, monitor, scrapes, rings } = scraping(5000, Infinity, { at: 11_000, forMs: 30_000 });
    monitor.start();
    await clock.advance(45_000);
    await monitor.stop();
    // No scrape starts while one is in flight: the one at 11 s answers at 41 s, and the next starts then (it is overdue).
    expect(scrapes).toEqual([0, 1000, 6000, 11_000, 41_000]);
    const figuresAt = (s: number) => {
      const r = rings.find((x) => Date.parse(x.at) - T0 === s * 1000)!;
      return r.members[0].metrics ? Date.parse(r.members[0].metrics.at) - T0 : null;
    };
    // The scrape at 6 s stands for 15 s (three intervals), through the poll at 21 s...
    expect([figuresAt(7), figuresAt(15), figuresAt(21)]).toEqual([6000, 6000, 6000]);
    // ...then the members show no figures rather than old ones as current...
    expect([figuresAt(22), figuresAt(30), figuresAt(40)]).toEqual([null, null, null]);
    // ...until the slow scrape answers.
    expect(figuresAt(44)).not.toBeNull();
  });
});

describe('ClusterMonitor: status polls between full polls', () => {
  /** Members answering from fixtures through the client pool's factory; `full` records when the member list was asked. */
  function watching() {
    const clock = new FakeClock();
    const full: number[] = [];
    let probes = up();
    const client = (endpoint: string) =>
      ({
        endpoint,
        probe: async () => probes.find((p) => p.endpoint === endpoint) ?? downProbe('m1'),
        memberList: async () => (full.push((clock.t - T0) / 1000), poll(0, []).members!),
        alarms: async () => [],
        close: () => {},
      }) as unknown as MemberClient;
    const monitor = new ClusterMonitor(
      { name: 'demo', endpoints: ['http://127.0.0.1:2179'], metrics: { enabled: false, urls: {}, scheme: 'http' } },
      { pollIntervalMs: 1000, requestTimeoutMs: 800, hashCheckIntervalMs: 0 },
      { clock, clients: client },
    );
    const rings: RingState[] = [];
    monitor.subscribe((m) => m.type === 'ring' && rings.push(m.ring));
    return { clock, monitor, full, rings, set: (p: MemberProbe[]) => (probes = p) };
  }

  test('a full poll at the start and every 5 s; status alone between, membership carried over', async () => {
    const { clock, monitor, full, rings } = watching();
    monitor.start();
    await clock.advance(11_500);
    expect(full).toEqual([0, 5, 10]);
    expect(rings).toHaveLength(12);
    expect(rings.every((r) => r.members.length === 3 && r.membersKnown && r.leader === L)).toBe(true);
    // Every operation decides on a full poll.
    await monitor.pollNow();
    expect(full).toEqual([0, 5, 10, 11.5]);
    await monitor.stop();
  });

  test('a change in the statuses makes that poll a full one: a member down, back, a new leader', async () => {
    const { clock, monitor, full, rings, set } = watching();
    monitor.start();
    await clock.advance(1500);
    set(m3down());
    await clock.advance(1000); // 2 s: m3 stopped answering
    set(up());
    await clock.advance(1000); // 3 s: m3 answers again
    set([okProbe('m1', ids.m2, { raftTerm: 3 }), okProbe('m2', ids.m2, { raftTerm: 3 }), okProbe('m3', ids.m2, { raftTerm: 3 })]);
    await clock.advance(1000); // 4 s: a new leader
    await clock.advance(2000); // 5 and 6 s: steady under it, status alone (the next full poll is due at 9 s)
    await monitor.stop();
    expect(full).toEqual([0, 2, 3, 4]);
    expect(rings.map((r) => [r.members.find((m) => m.name === 'm3')!.reachable, r.leader])).toEqual([
      [true, L],
      [true, L],
      [false, L],
      [true, L],
      [true, ids.m2],
      [true, ids.m2],
      [true, ids.m2],
    ]);
  });
});
