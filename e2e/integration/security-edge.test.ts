// Issue 11, the edge: each finding of the red-team pass reproduced against the real built server
// and a real etcd member, then shown fixed. (Hostile member names: security-names.test.ts.)
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashPassword, hashToken } from '@/lib/auth/password';
import type { RingState } from '@/lib/ring/types';
import { EtcdRing } from '../harness/ring';
import { RingsideServer, runUntilExit } from '../support/ringside-server';

const PASSWORD = 'a long operator password 42';
const VIEWER_PASSWORD = 'a long viewer password 42';
const OP_TOKEN = 'tok-op-5f0c8f5e0b7a4c1e9d2b6a3f8e7d1c0b';
const VIEWER_TOKEN = 'tok-viewer-0b7a4c1e9d2b6a3f8e7d1c0b5f0c8f';
const root = path.resolve(__dirname, '..', '..');

/** Every route file under app/api that exports POST, as a path template. */
function postRoutes(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name === 'route.ts' && /export (async )?function POST\b|export const POST\b|as POST\b/.test(readFileSync(p, 'utf8'))) out.push(`/${path.relative(path.join(root, 'app'), path.dirname(p))}`);
    }
  };
  walk(path.join(root, 'app', 'api'));
  return out.map((r) => r.replace('[...path]', 'no-such-route')).sort();
}

function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return kb / 1024;
}

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request with any headers (fetch will not send a forged Host). */
function raw(base: string, pathname: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Raw> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: pathname, method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * POSTs a chunked body of `total` bytes on a raw socket, produced as fast as the server takes it,
 * until the server answers or closes; returns the status (0: the server reset the connection
 * without an answer the client could read) and how much was sent by then.
 */
function postChunked(base: string, pathname: string, total: number, headers: Record<string, string> = {}): Promise<{ status: number; body: string; sent: number }> {
  const u = new URL(base);
  const chunk = Buffer.concat([Buffer.from(`10000\r\n`), Buffer.alloc(0x10000, 0x20), Buffer.from('\r\n')]);
  return new Promise((resolve) => {
    let sent = 0;
    let done = false;
    let got = '';
    const s = net.connect(Number(u.port), u.hostname);
    const finish = () => {
      if (done) return;
      done = true;
      s.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      resolve({ status: m ? Number(m[1]) : 0, body: got.slice(got.indexOf('\r\n\r\n') + 4), sent });
    };
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      got += d;
      if (got.includes('\r\n\r\n')) setTimeout(finish, 50); // let a short body arrive
    });
    s.on('error', finish);
    s.on('close', finish);
    const head = Object.entries({ 'content-type': 'application/json', 'transfer-encoding': 'chunked', origin: base, ...headers })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    s.write(`POST ${pathname} HTTP/1.1\r\nhost: ${u.host}\r\n${head}\r\n`);
    const pump = () => {
      while (!done && sent < total) {
        sent += 0x10000;
        if (!s.write(chunk)) return void s.once('drain', pump);
      }
      if (!done) s.write('0\r\n\r\n');
    };
    pump();
  });
}

describe('issue 11: the edge, on a real ring', () => {
  let ring: EtcdRing;
  let dir: string;
  let server: RingsideServer;
  let memberId: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-edge-'));
    ring = await EtcdRing.start({ size: 1 });
    const [opHash, viewerHash] = await Promise.all([hashPassword(PASSWORD), hashPassword(VIEWER_PASSWORD)]);
    server = await RingsideServer.start({
      clusters: [{ name: 'c', endpoints: ring.endpoints(), metrics: { enabled: false } }],
      dataDir: path.join(dir, 'data'),
      extraYaml: [
        'auth:',
        '  users:',
        `    - { name: alice, role: operator, passwordHash: "${opHash}", tokenHash: "${hashToken(OP_TOKEN)}" }`,
        `    - { name: victor, role: viewer, passwordHash: "${viewerHash}", tokenHash: "${hashToken(VIEWER_TOKEN)}" }`,
        'backups:',
        `  dir: ${path.join(dir, 'backups')}`,
      ].join('\n'),
    });
    memberId = (await server.json<RingState>('/api/clusters/c/ring')).body.members[0].id;
  });
  afterAll(async () => {
    await server?.stop();
    await ring?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('H2: a chunked 1 GB body to every POST route is refused, signed in or not, with memory flat and no false outage', async () => {
    const routes = postRoutes().map((r) => r.replace('[name]', 'c').replace('[id]', memberId));
    expect(routes).toEqual(expect.arrayContaining(['/api/auth/login', '/api/clusters/c/snapshot', '/api/clusters/c/backups', '/api/clusters/c/members']));
    const before = rssMiB(server.pid);
    const startedAt = Date.now();
    let answered = 0;
    for (const r of routes) {
      for (const auth of [{}, { authorization: `Bearer ${OP_TOKEN}` }] as Record<string, string>[]) {
        const res = await postChunked(server.url, r, 1 << 30, auth);
        // The server answers and closes; a client still sending may see the close (a reset)
        // before it reads the answer. Either way it was refused early, and never a 5xx.
        if (res.status !== 0) {
          answered++;
          // Sign-out takes no body and reads none; every other route refuses.
          if (r !== '/api/auth/logout') expect(res.status, `${r} ${JSON.stringify(auth)}: ${res.body}`).toBeGreaterThanOrEqual(400);
          expect(res.status, r).toBeLessThan(500);
        }
        expect(res.sent, `${r}: the server read on long after it could answer`).toBeLessThan(64 << 20);
      }
    }
    expect(answered).toBeGreaterThan(routes.length);
    const after = rssMiB(server.pid);
    console.log(`[edge] ${routes.length} POST routes x 2, 1 GB chunked each (${answered} answered, the rest reset): RSS ${before.toFixed(0)} -> ${after.toFixed(0)} MiB`);
    expect(after - before).toBeLessThan(150);
    // The event loop was never blocked long enough to miss a poll.
    const timeline = (await server.json<{ entries: { kind: string; at: string }[] }>('/api/timeline?last=15m&kind=member-down,quorum-lost')).body.entries;
    expect(timeline.filter((e) => Date.parse(e.at) >= startedAt)).toEqual([]);
  });

  test('H2: nothing of a snapshot request is read before authentication; sign-in reads a small body only', async () => {
    const unauth = await postChunked(server.url, '/api/clusters/c/snapshot', 200 << 20, { 'content-type': 'application/x-www-form-urlencoded' });
    expect([0, 401]).toContain(unauth.status);
    expect(unauth.sent).toBeLessThan(64 << 20);
    const login = await postChunked(server.url, '/api/auth/login', 200 << 20);
    expect([0, 413]).toContain(login.status);
    expect(login.sent).toBeLessThan(64 << 20);
    const declared = await raw(server.url, '/api/auth/login', { method: 'POST', headers: { 'content-length': String(1 << 30), origin: server.url } });
    expect(declared.status).toBe(413);
  });

  test('M6: every page and API answer forbids framing and sniffing, and pages carry a nonce CSP without unsafe-eval', async () => {
    for (const p of ['/', '/clusters/c', '/noc', '/timeline', '/no-such-page', '/api/clusters', '/api/clusters/c/ring', '/api/no-such-route']) {
      const res = await raw(server.url, p);
      expect(res.headers['x-frame-options'], p).toBe('DENY');
      expect(res.headers['content-security-policy'], p).toContain("frame-ancestors 'none'");
      expect(res.headers['x-content-type-options'], p).toBe('nosniff');
      expect(res.headers['referrer-policy'], p).toBe('same-origin');
      expect(res.headers['content-security-policy'], p).not.toContain('unsafe-eval');
      if (!p.startsWith('/api')) {
        const nonce = /'nonce-([^']+)'/.exec(res.headers['content-security-policy'] as string)![1];
        const scripts = res.body.match(/<script[^>]*>/g) ?? [];
        expect(scripts.length, p).toBeGreaterThan(0);
        for (const s of scripts) expect(s, p).toContain(`nonce="${nonce}"`);
      }
    }
  });

  test('M7: 10,020 viewer sign-ins do not sign the operator out; the viewer holds at most 10 sessions', async () => {
    const op = await raw(server.url, '/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json', origin: server.url }, body: JSON.stringify({ token: OP_TOKEN }) });
    expect(op.status).toBe(200);
    const cookie = String(op.headers['set-cookie']![0]).split(';')[0];
    const signInViewer = () =>
      fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: server.url }, body: JSON.stringify({ token: VIEWER_TOKEN }) }).then((r) => {
        expect(r.status).toBe(200);
        return r.text();
      });
    for (let i = 0; i < 10_020; i += 20) await Promise.all(Array.from({ length: 20 }, signInViewer));
    const session = await (await fetch(`${server.url}/api/auth/session`, { headers: { cookie } })).json();
    expect(session.user).toMatchObject({ name: 'alice', role: 'operator' });
  }, 120_000);

  test('L9: a foreign Host (DNS rebinding) is refused even with a matching Origin, and X-Forwarded-Proto is not honoured without a trusted proxy', async () => {
    const evil = 'rebind.attacker.example';
    const signIn = await raw(server.url, '/api/auth/login', {
      method: 'POST',
      headers: { host: `${evil}:${new URL(server.url).port}`, origin: `http://${evil}:${new URL(server.url).port}`, 'content-type': 'application/json' },
      body: JSON.stringify({ token: OP_TOKEN }),
    });
    expect(signIn.status).toBe(421);
    expect(signIn.headers['set-cookie']).toBeUndefined();
    expect((await raw(server.url, '/api/clusters/c/audit', { headers: { host: evil } })).status).toBe(421);
    expect((await raw(server.url, '/', { headers: { host: evil } })).status).toBe(421);
    // X-Forwarded-Proto from a client does not make the cookie Secure (nor an https origin acceptable).
    const plain = await raw(server.url, '/api/auth/login', {
      method: 'POST',
      headers: { origin: server.url, 'x-forwarded-proto': 'https', 'content-type': 'application/json' },
      body: JSON.stringify({ token: OP_TOKEN }),
    });
    expect(plain.status).toBe(200);
    expect(String(plain.headers['set-cookie'])).not.toMatch(/Secure/);
    expect(plain.headers['strict-transport-security']).toBeUndefined();
  });

  test('L12: absurd times and windows are a 400 naming the field, never a 500', async () => {
    for (const [q, field] of [
      ['to=999999999999999999', 'to'],
      ['from=0&to=8640000000000001', 'to'],
      ['last=99999999999d', 'last'],
      ['last=100000d', 'last'],
      ['from=-5', 'from'],
      [`kind=${'x'.repeat(3000)}`, 'kind'],
    ]) {
      const res = await raw(server.url, `/api/timeline?${q}`);
      expect(res.status, q).toBe(400);
      const err = JSON.parse(res.body).error;
      expect(err.field, q).toBe(field);
      expect(err.message.length, q).toBeLessThan(400);
    }
    const category = await raw(server.url, `/api/clusters/c/logs?category=${'y'.repeat(3000)}`);
    expect(category.status).toBe(400);
    expect(JSON.parse(category.body).error.message.length).toBeLessThan(300);
    expect(server.log).not.toMatch(/unexpected error in route/);
  });

  test('L11: streams are capped per client (429) and a slot is given back when the client goes', async () => {
    const before = rssMiB(server.pid);
    const controllers = Array.from({ length: 300 }, () => new AbortController());
    const results = await Promise.all(controllers.map((c) => fetch(`${server.url}/api/clusters/c/stream`, { signal: c.signal }).catch((e) => e as Error)));
    const statuses = results.map((r) => (r instanceof Error ? 0 : r.status));
    expect(statuses.filter((s) => s === 200)).toHaveLength(32);
    expect(statuses.filter((s) => s === 429)).toHaveLength(268);
    const refused = results.find((r) => !(r instanceof Error) && r.status === 429) as Response;
    expect(refused.headers.get('retry-after')).toBe('5');
    expect((await refused.json()).error.message).toMatch(/live streams open/);
    for (const r of results) if (!(r instanceof Error) && r.status === 429 && r !== refused) await r.text();
    expect(rssMiB(server.pid) - before).toBeLessThan(100);
    for (const c of controllers) c.abort();
    await expect
      .poll(async () => {
        const r = await fetch(`${server.url}/api/clusters/c/stream`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
        const ok = r?.status === 200;
        await r?.body?.cancel().catch(() => {});
        return ok;
      }, { timeout: 10_000 })
      .toBe(true);
  });
  // Last: it leaves the test runner's address throttled for 30 s.
  test('M4/M5: X-Forwarded-For from a client is ignored: guesses from one socket are throttled whatever it claims, with 429 and Retry-After', async () => {
    let last: Raw | undefined;
    for (let i = 0; i < 6; i++) {
      last = await raw(server.url, '/api/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: server.url, 'x-forwarded-for': `10.66.${i}.1` },
        body: JSON.stringify({ token: `wrong-token-${i}` }),
      });
    }
    expect(last!.status).toBe(429);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(last!.body).error.message).toMatch(/too many failed sign-ins; try again in \d+ s/);
  });
});

describe('issue 11: behind a proxy, and with anonymous reads off', () => {
  let ring: EtcdRing;
  let dir: string;
  let proxied: RingsideServer;
  let untrusted: RingsideServer;
  let closed: RingsideServer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-edge2-'));
    ring = await EtcdRing.start({ size: 1 });
    const opHash = await hashPassword(PASSWORD);
    const clusters = [{ name: 'c', endpoints: ring.endpoints(), metrics: { enabled: false } }];
    const users = ['  users:', `    - { name: alice, role: operator, passwordHash: "${opHash}" }`, `    - { name: victor, role: viewer, tokenHash: "${hashToken(VIEWER_TOKEN)}" }`];
    // The test runner is the "proxy" here: its socket is 127.0.0.1, which this config trusts.
    [proxied, untrusted, closed] = await Promise.all([
      RingsideServer.start({
        clusters,
        dataDir: path.join(dir, 'p'),
        extraYaml: ['auth:', ...users, '  proxy:', '    trustedProxies: [127.0.0.1/32]', '    userHeader: X-Forwarded-User', '    operators: [olga]', 'http:', '  allowedHosts: [ringside.example.com]', '  maxStreamsPerClient: 400'].join('\n'),
      }),
      RingsideServer.start({
        clusters,
        dataDir: path.join(dir, 'u'),
        extraYaml: ['auth:', ...users, '  proxy:', '    trustedProxies: [10.255.0.1]', '    userHeader: X-Forwarded-User', '    operators: [olga]'].join('\n'),
      }),
      RingsideServer.start({ clusters, dataDir: path.join(dir, 'n'), extraYaml: ['auth:', ...users, '  anonymous: none'].join('\n') }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([proxied?.stop(), untrusted?.stop(), closed?.stop()]);
    await ring?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const login = (s: RingsideServer, body: unknown, headers: Record<string, string> = {}) =>
    raw(s.url, '/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json', origin: s.url, ...headers }, body: JSON.stringify(body) });

  test('M8: the user header from a peer that is not a trusted proxy is ignored; two names are refused', async () => {
    const s = await raw(untrusted.url, '/api/auth/session', { headers: { 'x-forwarded-user': 'olga' } });
    expect(JSON.parse(s.body).user).toBeNull();
    const action = await raw(untrusted.url, '/api/clusters/c/defragment', { method: 'POST', headers: { origin: untrusted.url, 'x-forwarded-user': 'olga' } });
    expect(action.status).toBe(401);
    const two = await raw(proxied.url, '/api/auth/session', { headers: { 'x-forwarded-user': 'alice, mallory' } });
    expect(two.status).toBe(401);
    expect(JSON.parse(two.body).error.message).toMatch(/exactly one user/);
    const one = await raw(proxied.url, '/api/auth/session', { headers: { 'x-forwarded-user': 'olga' } });
    expect(JSON.parse(one.body).user).toEqual({ name: 'olga', role: 'operator', via: 'proxy' });
  });

  test("M4/M5: 10,050 token sign-ins from distinct addresses cannot flush alice's throttle, and a stranger cannot keep alice out of her own browser", async () => {
    // alice signed in at her desk once: her browser holds the device cookie.
    const desk = await login(proxied, { user: 'alice', password: PASSWORD }, { 'x-forwarded-for': '192.0.2.50' });
    expect(desk.status).toBe(200);
    const device = (desk.headers['set-cookie'] as string[]).find((c) => c.startsWith('ringside_device='))!.split(';')[0];
    // A stranger on many addresses spends alice's budget...
    const at = (i: number) => ({ 'x-forwarded-for': `203.0.${(i >> 8) & 255}.${i & 255}` });
    for (let i = 0; i < 10; i++) expect((await login(proxied, { user: 'alice', password: `guess-${i}` }, at(i))).status).toBe(401);
    expect((await login(proxied, { user: 'alice', password: PASSWORD }, at(100))).status).toBe(429);
    // ...and cannot flush it with a flood of other sign-ins. (The budget refills one failure
    // every 30 s whatever happens, so what the flood could not do is give back all ten.)
    const floodStarted = Date.now();
    for (let i = 0; i < 10_050; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => login(proxied, { token: `flood-${i + j}` }, { 'x-forwarded-for': `198.18.${((i + j) >> 8) & 255}.${(i + j) & 255}` })));
    }
    const refilled = Math.floor((Date.now() - floodStarted) / 30_000) + 1;
    let admitted = 0;
    for (let i = 300; ; i++) {
      const r = await login(proxied, { user: 'alice', password: `guess-${i}` }, at(i));
      if (r.status === 429) {
        expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
        break;
      }
      admitted++;
    }
    expect(admitted).toBeLessThanOrEqual(refilled);
    expect(admitted).toBeLessThan(10);
    // alice at her desk still gets in.
    const again = await login(proxied, { user: 'alice', password: PASSWORD }, { 'x-forwarded-for': '192.0.2.50', cookie: device });
    expect(again.status).toBe(200);
  }, 120_000);

  test('L11: 300 concurrent streams and three clients that never read keep server memory bounded', async () => {
    const u = new URL(proxied.url);
    const stalled = Array.from({ length: 3 }, () => {
      const sock = net.connect(Number(u.port), u.hostname);
      sock.write(`GET /api/clusters/c/stream HTTP/1.1\r\nhost: ${u.host}\r\n\r\n`);
      sock.pause();
      return sock;
    });
    const before = rssMiB(proxied.pid);
    const abort = new AbortController();
    const counts = new Array<number>(300).fill(0);
    await Promise.all(
      counts.map(async (_, i) => {
        const res = await fetch(`${proxied.url}/api/clusters/c/stream`, { signal: abort.signal });
        expect(res.status).toBe(200);
        void (async () => {
          const reader = res.body!.getReader();
          const dec = new TextDecoder();
          for (;;) {
            const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
            if (done) return;
            counts[i] += (dec.decode(value).match(/event: ring\n/g) ?? []).length;
          }
        })();
      }),
    );
    await expect.poll(() => Math.min(...counts), { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    const during = rssMiB(proxied.pid);
    console.log(`[edge] 300 streams + 3 stalled clients: RSS ${before.toFixed(0)} -> ${during.toFixed(0)} MiB`);
    expect(during - before).toBeLessThan(200);
    abort.abort();
    for (const sock of stalled) sock.destroy();
  }, 60_000);

  test('L9: configured host names pass the Host check; others do not', async () => {
    expect((await raw(proxied.url, '/api/healthz', { headers: { host: 'ringside.example.com' } })).status).toBe(200);
    expect((await raw(proxied.url, '/api/healthz', { headers: { host: 'other.example.com' } })).status).toBe(421);
  });

  test('anonymous: none: nothing is readable without signing in; a viewer token becomes a cookie once, never a URL', async () => {
    expect((await raw(closed.url, '/api/clusters')).status).toBe(401);
    expect((await raw(closed.url, '/api/clusters/c/stream')).status).toBe(401);
    expect((await raw(closed.url, '/api/metrics')).status).toBe(401);
    const page = await raw(closed.url, '/noc?cycle=20');
    expect([page.status, page.headers.location]).toEqual([303, '/signin?next=%2Fnoc%3Fcycle%3D20']);
    expect((await raw(closed.url, '/signin')).status).toBe(200);
    expect((await raw(closed.url, '/api/healthz')).status).toBe(200);
    expect((await raw(closed.url, '/api/clusters', { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } })).status).toBe(200);
    const signedIn = await login(closed, { token: VIEWER_TOKEN });
    const cookie = String((signedIn.headers['set-cookie'] as string[])[0]).split(';')[0];
    expect((await raw(closed.url, '/api/clusters', { headers: { cookie } })).status).toBe(200);
    expect((await raw(closed.url, '/noc', { headers: { cookie } })).status).toBe(200);
  });
});

describe('issue 11: config errors', () => {
  test('L13: a password in an endpoint URL is refused without being echoed; a launcher that only looks like loopback is refused', async () => {
    const secret = await runUntilExit('clusters:\n  - name: c\n    endpoints: [https://admin:S3cretPw@10.0.0.1:2379]\n');
    expect(secret.code).toBe(1);
    expect(secret.output).toMatch(/must not hold a user name or password/);
    expect(secret.output).not.toContain('S3cretPw');
    const launcher = await runUntilExit('clusters:\n  - name: c\n    endpoints: [http://127.0.0.1:2379]\n    launcher: http://127.0.0.1:1@evil.example:8080\n');
    expect(launcher.code).toBe(1);
    expect(launcher.output).toMatch(/launcher/);
  });
});
