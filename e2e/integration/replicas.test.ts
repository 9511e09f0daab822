// Issue 18, items 3-5: two built Ringside servers on one real PostgreSQL (Debian's, started by
// the harness on loopback) watching one real etcd ring. A session made on one works on the
// other; a defragment asked of both at once runs once; kill -9 of the replica running an
// operation leaves it interrupted on the other, which accepts the next one within seconds; a
// scheduled backup runs once per period across both; an alert reaches the receiver once; and a
// restart keeps the charts and the firing alert (on PostgreSQL here, on files below).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HistoryResponse } from '@/lib/api/contract';
import type { AuditEntry } from '@/lib/audit/types';
import type { Alert } from '@/lib/alerts/tracker';
import { hashPassword } from '@/lib/auth/password';
import type { Operation } from '@/lib/ops/types';
import { MIGRATIONS } from '@/lib/store/migrations';
import type { TimelineResponse } from '@/lib/api/contract';
import { startPostgres, type Postgres } from '../harness/postgres';
import { EtcdRing } from '../harness/ring';
import { freePortBlock } from '../harness/ports';
import { RingsideServer, runUntilExit, type ServerOptions } from '../support/ringside-server';
import { WebhookReceiver } from '../support/webhook-receiver';

const PASSWORD = 'correct horse battery staple, replicated';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'ringside-replicas-'));
  dirs.push(d);
  return d;
};

let ring: EtcdRing;
let db: Postgres;
let receiver: WebhookReceiver;
let passwordHash: string;
const servers: RingsideServer[] = [];

beforeAll(async () => {
  [ring, db, receiver, passwordHash] = await Promise.all([EtcdRing.start({ size: 3, name: 'r' }), startPostgres(), WebhookReceiver.start(), hashPassword(PASSWORD)]);
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
  await Promise.all([ring?.close(), db?.stop(), receiver?.stop()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** One replica: its own dataDir, the shared database named by RINGSIDE_POSTGRES_URL. */
async function replica(url: string | null, extra: string[] = [], dataDir = path.join(tempDir(), 'data'), auth: string[] = []): Promise<RingsideServer> {
  const opts: ServerOptions = {
    clusters: [{ name: 'c', endpoints: ring.endpoints(), metrics: { enabled: false } }],
    dataDir,
    alerts: { etcdMembersDown: { forMs: 3000 } },
    extraYaml: [
      'auth:',
      '  users:',
      `    - { name: alice, role: operator, passwordHash: "${passwordHash}" }`,
      ...auth,
      ...(url ? ['store:', '  postgres: { urlEnv: RINGSIDE_POSTGRES_URL, leaseMs: 3000 }'] : []),
      ...extra,
    ].join('\n'),
    ...(url ? { env: { RINGSIDE_POSTGRES_URL: url } } : {}),
  };
  const s = await RingsideServer.start(opts);
  servers.push(s);
  return s;
}

async function stopped(s: RingsideServer, how: 'stop' | 'crash' = 'stop') {
  await (how === 'stop' ? s.stop() : s.crash());
  servers.splice(servers.indexOf(s), 1);
}

interface Session {
  cookie: string;
  csrf: string;
}

async function signIn(s: RingsideServer): Promise<Session> {
  const res = await fetch(`${s.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: s.url }, body: JSON.stringify({ user: 'alice', password: PASSWORD }) });
  expect(res.status).toBe(200);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('ringside_session='))!.split(';')[0];
  return { cookie, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
}

function act(s: RingsideServer, who: Session, pathname: string, body: unknown = {}) {
  return fetch(`${s.url}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: s.url, cookie: who.cookie, 'x-ringside-csrf': who.csrf },
    body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as { operation?: Operation; error?: { message: string } } }));
}

const operation = async (s: RingsideServer, id: string) => (await s.json<Operation>(`/api/clusters/c/operations/${id}`)).body;
const audit = async (s: RingsideServer, who: Session) =>
  ((await (await fetch(`${s.url}/api/clusters/c/audit?limit=500`, { headers: { cookie: who.cookie } })).json()) as { entries: AuditEntry[] }).entries;

/**
 * A defragment of one follower on `s`, held mid-operation: once it has begun, the member is
 * frozen (SIGSTOP), so the step waiting for it to answer again waits as long as it is frozen.
 * On a small database the whole defragment takes milliseconds: if it ended before the member
 * froze, thaw and try again. Frozen at any point of the operation, it stays running for at
 * least 10 s (a member call's deadline), far longer than a test needs. The caller thaws.
 */
async function defragmentHeld(s: RingsideServer, who: Session): Promise<{ id: string; follower: { id: string; name: string } }> {
  const members = (await s.json<{ members: { id: string; name: string; isLeader: boolean }[] }>('/api/clusters/c/ring')).body.members;
  const follower = members.find((m) => !m.isLeader)!;
  for (let attempt = 1; ; attempt++) {
    const r = await act(s, who, '/api/clusters/c/defragment', { memberIds: [follower.id] });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const id = r.body.operation!.id;
    await ring.waitFor(async () => (await operation(s, id)).steps.length > 0, { what: 'its first step', timeoutMs: 10_000, intervalMs: 10 });
    ring.freeze(follower.name);
    await sleep(300);
    if ((await operation(s, id)).state === 'running') return { id, follower };
    ring.thaw(follower.name);
    expect(attempt, 'the defragment kept ending before the member froze').toBeLessThan(6);
    await ring.waitFor(async () => (await operation(s, id)).state !== 'running' && (await s.json<{ members: { id: string; reachable: boolean }[] }>('/api/clusters/c/ring')).body.members.every((m) => m.reachable), {
      what: 'the member back',
      timeoutMs: 15_000,
    });
  }
}

describe('two replicas on one PostgreSQL', () => {
  let url: string;
  let a: RingsideServer;
  let b: RingsideServer;
  let alice: Session;

  beforeAll(async () => {
    url = await db.createDatabase('replicas');
    // Started together: the migrations run once, under the advisory lock.
    [a, b] = await Promise.all([replica(url), replica(url)]);
  }, 120_000);

  test('the schema is migrated once though both replicas started together', () => {
    expect(db.sql('SELECT version FROM schema_migrations ORDER BY version', 'replicas').trim().split('\n').map(Number)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  test('signed in on one replica, the session works on the other (CSRF token too), and sign-out ends it on both', async () => {
    alice = await signIn(a);
    const onB = (await (await fetch(`${b.url}/api/auth/session`, { headers: { cookie: alice.cookie } })).json()) as { user: { name: string } | null; csrfToken?: string };
    expect(onB.user?.name).toBe('alice');
    expect(onB.csrfToken).toBe(alice.csrf);
    // An action on B with A's session: accepted or refused on its merits, never as "sign in".
    const r = await act(b, alice, '/api/clusters/c/move-leader', { to: 'nobody' });
    expect(r.status, JSON.stringify(r.body)).not.toBe(401);
    expect(r.status).not.toBe(403);
    // A second session, ended on B: A refuses it at once.
    const other = await signIn(a);
    const out = await fetch(`${b.url}/api/auth/logout`, { method: 'POST', headers: { origin: b.url, cookie: other.cookie, 'x-ringside-csrf': other.csrf } });
    expect(out.status).toBe(200);
    expect((await act(a, other, '/api/clusters/c/defragment')).status).toBe(401);
  });

  test('defragment asked of both at once runs once; the other answers 409 naming it', async () => {
    const [ra, rb] = await Promise.all([act(a, alice, '/api/clusters/c/defragment'), act(b, alice, '/api/clusters/c/defragment')]);
    const statuses = [ra.status, rb.status].sort();
    expect(statuses, JSON.stringify([ra.body, rb.body])).toEqual([202, 409]);
    const [won, lost] = ra.status === 202 ? [ra, rb] : [rb, ra];
    expect(lost.body.error!.message).toMatch(/^defragment by alice is running on c \(started \d+ s ago/);
    const id = won.body.operation!.id;
    // Either replica shows it, running and then done.
    await ring.waitFor(async () => (await operation(a, id)).state === 'succeeded' && (await operation(b, id)).state === 'succeeded', { what: 'the defragment done, seen on both', timeoutMs: 60_000 });
    const started = (await audit(a, alice)).filter((e) => e.action === 'defragment' && e.result === 'started');
    expect(started).toHaveLength(1);
    // One timeline: both replicas show the action, whichever ran it.
    const timelineIds = async (s: RingsideServer) => (await s.json<TimelineResponse>('/api/timeline?cluster=c&kind=action&last=1h')).body.entries.map((e) => e.id);
    await ring.waitFor(async () => (await timelineIds(a)).includes(`audit:${id}:ok`) && (await timelineIds(b)).includes(`audit:${id}:ok`), { what: 'the defragment on both timelines', timeoutMs: 10_000 });
  });

  test('kill -9 of the replica running an operation: the other shows it interrupted at its step and accepts the next within seconds', async () => {
    const { id, follower } = await defragmentHeld(a, alice);
    try {
      // B sees it running with its steps, then A dies mid-way.
      await ring.waitFor(async () => {
        const op = await operation(b, id);
        return op.state === 'running' && op.steps.length > 0;
      }, { what: 'the operation running with its steps, seen on B', timeoutMs: 10_000 });
      await stopped(a, 'crash');
      const killedAt = Date.now();
      let seen!: Operation;
      await ring.waitFor(async () => (seen = await operation(b, id)).state === 'interrupted', { what: 'the operation interrupted on B', timeoutMs: 15_000, intervalMs: 250 });
      const took = Date.now() - killedAt;
      expect(took).toBeLessThan(10_000); // lease 3 s, swept every second
      expect(seen.error).toMatch(/^interrupted: replica .+ stopped while at step "[^"]+"; look at the ring before you retry/);
      const at = /at step "([^"]+)"/.exec(seen.error!)![1];
      expect(seen.steps.map((s) => s.name)).toContain(at);
      expect(at).toContain(follower.name);
      expect(seen.steps.every((s) => s.state !== 'running')).toBe(true);
      console.log(`[replicas] interrupted seen on the other replica ${took} ms after kill -9, at step "${at}"`);
    } finally {
      ring.thaw(follower.name);
    }
    // The next one is accepted at once, and runs to the end.
    const next = await act(b, alice, '/api/clusters/c/defragment', { memberIds: [follower.id] });
    expect(next.status, JSON.stringify(next.body)).toBe(202);
    await ring.waitFor(async () => (await operation(b, next.body.operation!.id)).state === 'succeeded', { what: 'the next defragment done', timeoutMs: 60_000 });
  });

  test('a scheduled backup runs once per period across both replicas, and a firing alert reaches the webhook once', async () => {
    for (const s of [...servers]) await stopped(s);
    const backupDir = tempDir();
    const extra = [
      'backups:',
      `  stores: [ { local: { dir: ${backupDir} } } ]`,
      '  every: 10s',
      '  keep: 50',
      'notifications:',
      '  externalURL: https://ringside.example.test',
      '  webhooks:',
      `    - { name: ops, url: "${receiver.url('/hook')}" }`,
    ];
    [a, b] = await Promise.all([replica(url, extra), replica(url, extra)]);
    // Two and a half periods.
    await sleep(25_000);
    const runs = (await audit(a, alice)).filter((e) => e.action === 'snapshot-backup' && e.result === 'started').map((e) => Date.parse(e.at)).sort();
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThanOrEqual(3);
    // Two replicas each on its own schedule would start two runs per period.
    for (let i = 1; i < runs.length; i++) expect(runs[i] - runs[i - 1]).toBeGreaterThan(8000);

    // A member down: the alert fires on both replicas; one of them tells the webhook, once.
    await ring.kill('r3');
    const firing = () => receiver.accepted('/hook').filter((x) => {
      const body = JSON.parse(x.body.toString()) as { status: string; labels: Record<string, string> };
      return body.status === 'firing' && body.labels.alertname === 'etcdMembersDown' && body.labels.member === 'r3';
    });
    await ring.waitFor(() => firing().length > 0, { what: 'etcdMembersDown r3 at the webhook', timeoutMs: 30_000 });
    const alertOn = async (s: RingsideServer) => (await s.json<{ alerts: Alert[] }>('/api/alerts')).body.alerts.find((x) => x.rule === 'etcdMembersDown' && x.memberName === 'r3');
    await ring.waitFor(async () => (await alertOn(b))?.state === 'firing', { what: 'the alert firing on B too' });
    await sleep(5000);
    expect(firing()).toHaveLength(1);

    // Restart one replica (SIGTERM: locks, lease and state handed over): the charts and the
    // firing alert come back from PostgreSQL.
    // Each replica evaluates the rules on its own polls, so their times differ by up to a poll;
    // the restarted one gets back the times of the replica that wrote them (the leader).
    const before = [(await alertOn(a))!, (await alertOn(b))!];
    const restartAt = Date.now();
    const history = (s: RingsideServer) => s.json<HistoryResponse>('/api/clusters/c/history?metric=revision&range=5m').then((r) => r.body);
    const [oldest] = (await history(a)).t;
    expect(restartAt - oldest).toBeGreaterThan(20_000);
    await stopped(a);
    const a2 = await replica(url, extra);
    const after = await history(a2);
    expect(after.t[0]).toBeLessThan(restartAt - 20_000);
    expect(Object.values(after.series.revision!).some((vs) => vs.some((v, i) => v !== null && after.t[i] < restartAt))).toBe(true);
    const again = (await alertOn(a2))!;
    expect(again.state).toBe('firing');
    expect(before.map((x) => `${x.activeSince} ${x.firingSince}`)).toContain(`${again.activeSince} ${again.firingSince}`);
    expect(Date.parse(again.firingSince!)).toBeLessThan(restartAt);
    await sleep(5000);
    expect(firing()).toHaveLength(1);
    await ring.restart('r3');
  }, 150_000);

  test('the sign-in budget holds across replicas: guesses spread over both spend one budget; a browser remembered by one signs in on the other', async () => {
    // Behind a proxy (this test's requests), so each guess can come from an address of its own.
    const proxied = ['  proxy: { trustedProxies: ["127.0.0.1"] }'];
    const [c, d] = await Promise.all([replica(url, [], undefined, proxied), replica(url, [], undefined, proxied)]);
    const login = (s: RingsideServer, password: string, from: string, cookie?: string) =>
      fetch(`${s.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: s.url, 'x-forwarded-for': from, ...(cookie ? { cookie } : {}) }, body: JSON.stringify({ user: 'alice', password }) });
    const first = await login(c, PASSWORD, '198.51.100.1');
    expect(first.status).toBe(200);
    const device = first.headers.getSetCookie().find((x) => x.startsWith('ringside_device='))!.split(';')[0];
    // Six wrong guesses on one replica, four on the other: ten, the user's budget.
    for (let i = 0; i < 10; i++) expect((await login(i < 6 ? c : d, `guess-${i}`, `203.0.113.${i}`)).status).toBe(401);
    expect(db.sql("SELECT count(*) FROM signin_failures WHERE user_name = 'alice'", 'replicas').trim()).toBe('10');
    // The second replica saw four itself: only the shared count refuses the eleventh there.
    const refused = await login(d, 'guess-x', '203.0.113.50');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(200);
    // Alice's browser, remembered when she signed in on the first, signs in on the second.
    const own = await login(d, PASSWORD, '198.51.100.1', device);
    expect(own.status).toBe(200);
    expect(own.headers.getSetCookie().some((x) => x.startsWith('ringside_device='))).toBe(false);
    await Promise.all([stopped(c), stopped(d)]);
    // The guesses are forgotten, so the next tests' fresh sign-ins are not held to this budget.
    db.sql('DELETE FROM signin_failures', 'replicas');
  });

  test('every connection to the database cut (as a database restart does): both replicas carry on, and sessions still cross', async () => {
    const [x, y] = servers.slice(-2);
    db.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'replicas' AND pid <> pg_backend_pid()");
    await sleep(3000); // the session listener reconnects after 2 s
    for (const s of [x, y]) expect((await fetch(`${s.url}/api/healthz`)).status).toBe(200);
    const again = await signIn(x);
    await ring.waitFor(async () => ((await (await fetch(`${y.url}/api/auth/session`, { headers: { cookie: again.cookie } })).json()) as { user: { name: string } | null }).user?.name === 'alice', {
      what: 'the new session seen on the other replica',
      timeoutMs: 10_000,
    });
    const r = await act(y, again, '/api/clusters/c/move-leader', { to: 'nobody' });
    expect([401, 403]).not.toContain(r.status);
  }, 60_000);
});

describe('one server on files: a restart keeps the charts and the alert state', () => {
  test('the minutes before a restart and a firing alert since the same time come back from dataDir', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const s = await replica(null, [], dataDir);
    await ring.kill('r2');
    const alertOn = async (x: RingsideServer) => (await x.json<{ alerts: Alert[] }>('/api/alerts')).body.alerts.find((al) => al.rule === 'etcdMembersDown' && al.memberName === 'r2');
    await ring.waitFor(async () => (await alertOn(s))?.state === 'firing', { what: 'etcdMembersDown r2 firing', timeoutMs: 30_000 });
    await sleep(8000); // a flush of the history batch, and more
    const before = (await alertOn(s))!;
    const restartAt = Date.now();
    await stopped(s);
    const s2 = await replica(null, [], dataDir);
    const h = (await s2.json<HistoryResponse>('/api/clusters/c/history?metric=revision&range=5m')).body;
    expect(h.t.filter((t) => t < restartAt).length).toBeGreaterThan(5);
    const again = (await alertOn(s2))!;
    expect(again).toMatchObject({ state: 'firing', activeSince: before.activeSince, firingSince: before.firingSince });
    await ring.restart('r2');
  }, 90_000);

  test('an operation cut off by kill -9 shows at the next start as interrupted at its step, audited by Ringside; the next one runs', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const s = await replica(null, [], dataDir);
    const alice = await signIn(s);
    const { id, follower } = await defragmentHeld(s, alice);
    let seen!: Operation;
    try {
      await stopped(s, 'crash');
      const s2 = await replica(null, [], dataDir);
      await ring.waitFor(async () => (seen = await operation(s2, id))?.state === 'interrupted', { what: 'the operation interrupted after the restart', timeoutMs: 15_000, intervalMs: 250 });
      expect(seen.error).toMatch(/^interrupted: replica .+ stopped while at step "[^"]+"; look at the ring before you retry/);
      const at = /at step "([^"]+)"/.exec(seen.error!)![1];
      expect(at).toContain(follower.name);
      expect(seen.steps.every((st) => st.state !== 'running')).toBe(true);
      const lines = (await audit(s2, await signIn(s2))).filter((e) => e.id === id);
      expect(lines.map((e) => [e.result, e.via])).toEqual([
        ['failed', 'system'],
        ['started', 'password'],
      ]);
    } finally {
      ring.thaw(follower.name);
    }
    const s2 = servers.at(-1)!;
    const next = await act(s2, await signIn(s2), '/api/clusters/c/defragment', { memberIds: [follower.id] });
    expect(next.status, JSON.stringify(next.body)).toBe(202);
    await ring.waitFor(async () => (await operation(s2, next.body.operation!.id)).state === 'succeeded', { what: 'the next defragment done', timeoutMs: 60_000 });
    await stopped(s2);
  }, 120_000);
});

describe('a database that cannot be used stops the server at start with one clear line', () => {
  test('unreachable, and the variable unset: the key and the variable are named, never the URL', async () => {
    const [port] = await freePortBlock(1);
    const config = (env: string) => `store:\n  postgres: { urlEnv: ${env} }\nclusters:\n  - name: c\n    endpoints: [${ring.endpoints()[0]}]\n`;
    process.env.RINGSIDE_TEST_DEAD_PG = `postgres://ringside:s3cret-pw@127.0.0.1:${port}/ringside`;
    try {
      const dead = await runUntilExit(config('RINGSIDE_TEST_DEAD_PG'));
      expect(dead.code).toBe(1);
      expect(dead.output).toMatch(/store\.postgres: cannot use the database in store\.postgres\.urlEnv \(RINGSIDE_TEST_DEAD_PG\) \(ECONNREFUSED/);
      expect(dead.output).not.toContain('s3cret-pw');
    } finally {
      delete process.env.RINGSIDE_TEST_DEAD_PG;
    }
    const unset = await runUntilExit(config('RINGSIDE_TEST_UNSET_PG'));
    expect(unset.code).toBe(1);
    expect(unset.output).toMatch(/store\.postgres\.urlEnv: the environment variable RINGSIDE_TEST_UNSET_PG is not set/);
  }, 60_000);
});
