import { readdirSync, readFileSync, statSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashPassword, hashToken } from '@/lib/auth/password';
import type { RingState } from '@/lib/ring/types';
import { EtcdRing, freePortBlock } from '../harness/ring';
import { OpsClient } from '../support/ops-client';
import { RingsideServer } from '../support/ringside-server';

const PASSWORD = 'a long operator password 42';
const TOKEN = 'tok-5f0c8f5e0b7a4c1e9d2b6a3f8e7d1c0b';
const BACKUP_KEY = Buffer.alloc(32, 0x5a).toString('base64');
/** Alert delivery's secrets: a webhook's HMAC key, and a Slack-style URL whose path is the secret. */
const HOOK_SECRET = 'hmac-key-of-the-security-test-8c1d';
const SECRET_PATH = 'T0SEC/B0SEC/xoxb-secret-path-of-the-test';
const root = path.resolve(__dirname, '..', '..');

/** Every route file under app/api that exports a mutating method, as a URL path template. */
function mutatingRoutes(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name === 'route.ts' && /export (async )?function (POST|PUT|PATCH|DELETE)\b|export const (POST|PUT|PATCH|DELETE)\b|as (POST|PUT|PATCH|DELETE)\b/.test(readFileSync(p, 'utf8'))) {
        out.push(`/${path.relative(path.join(root, 'app'), path.dirname(p))}`);
      }
    }
  };
  walk(path.join(root, 'app', 'api'));
  // The catch-all answers 404 for unknown paths; sign-in and sign-out are how a session starts and ends.
  return out.filter((r) => !r.includes('[...path]') && !r.startsWith('/api/auth/')).sort();
}

describe('access control on every mutating route', () => {
  let ring: EtcdRing;
  let server: RingsideServer;
  let readOnly: RingsideServer;
  let routes: string[];
  let dir: string;
  const bodies: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-sec-'));
    ring = await EtcdRing.start({ size: 1 });
    const hash = await hashPassword(PASSWORD);
    const clusters = [{ name: 'c', endpoints: ring.endpoints(), metrics: { enabled: false } }];
    // Receivers on a port nobody listens on: every delivery fails, and says so without its secrets.
    const [closed] = await freePortBlock(1);
    server = await RingsideServer.start({
      clusters,
      dataDir: path.join(dir, 'data'),
      env: { RINGSIDE_BACKUP_KEY: BACKUP_KEY, RINGSIDE_SEC_HOOK_SECRET: HOOK_SECRET, RINGSIDE_SEC_CHAT_URL: `http://127.0.0.1:${closed}/services/${SECRET_PATH}` },
      extraYaml: [
        'auth:',
        '  users:',
        `    - { name: alice, role: operator, passwordHash: "${hash}", tokenHash: "${hashToken(TOKEN)}" }`,
        `    - { name: victor, role: viewer, passwordHash: "${hash}" }`,
        'backups:',
        `  dir: ${path.join(dir, 'backups')}`,
        '  encrypt: true',
        'notifications:',
        '  externalURL: https://ringside.example.test',
        '  webhooks:',
        `    - { name: ops, url: "http://127.0.0.1:${closed}/hook", secretEnv: RINGSIDE_SEC_HOOK_SECRET }`,
        '    - { name: chat, urlEnv: RINGSIDE_SEC_CHAT_URL, format: slack }',
      ].join('\n'),
    });
    readOnly = await RingsideServer.start({ clusters, dataDir: path.join(dir, 'ro'), extraYaml: 'readOnly: true' });
    const state = (await server.json<RingState>('/api/clusters/c/ring')).body;
    const id = state.members[0].id;
    routes = mutatingRoutes().map((r) => r.replace('[name]', 'c').replace('[id]', id).replace('[backup]', 'c-m1-8e9e05c52164694d-rev1-20260101T000000.000Z.db'));
  });
  afterAll(async () => {
    await server?.stop();
    await readOnly?.stop();
    await ring?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function post(base: string, route: string, headers: Record<string, string> = {}, body = '{}') {
    const res = await fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, text };
  }

  async function signIn(user: string): Promise<{ cookie: string; csrf: string }> {
    const res = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: server.url }, body: JSON.stringify({ user, password: PASSWORD }) });
    const text = await res.text();
    bodies.push(text);
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!.split(';')[0];
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/);
    expect(res.headers.get('set-cookie')).toMatch(/SameSite=Strict/);
    return { cookie, csrf: (JSON.parse(text) as { csrfToken: string }).csrfToken };
  }

  test('the route list is what the app has (a new mutating route cannot slip past this test)', () => {
    expect(routes.length).toBeGreaterThanOrEqual(9);
    expect(routes).toEqual(expect.arrayContaining(['/api/clusters/c/members', '/api/clusters/c/defragment', '/api/clusters/c/snapshot', '/api/clusters/c/backups']));
  });

  test('without a session: 401 on every one', async () => {
    for (const r of routes) expect((await post(server.url, r, { origin: server.url })).status, r).toBe(401);
  });

  test('a viewer: 403 on every one', async () => {
    const { cookie, csrf } = await signIn('victor');
    for (const r of routes) {
      const res = await post(server.url, r, { origin: server.url, cookie, 'x-ringside-csrf': csrf });
      expect(res.status, r).toBe(403);
      expect(res.text).toMatch(/victor is a viewer/);
    }
  });

  test('an operator from another origin, or without the CSRF token: 403 on every one', async () => {
    const { cookie, csrf } = await signIn('alice');
    for (const r of routes) {
      expect((await post(server.url, r, { origin: 'http://evil.example', cookie, 'x-ringside-csrf': csrf })).status, r).toBe(403);
      expect((await post(server.url, r, { origin: server.url, 'sec-fetch-site': 'cross-site', cookie, 'x-ringside-csrf': csrf })).status, r).toBe(403);
      expect((await post(server.url, r, { origin: server.url, cookie })).status, r).toBe(403);
      expect((await post(server.url, r, { origin: server.url, cookie, 'x-ringside-csrf': 'x'.repeat(43) })).status, r).toBe(403);
    }
    // A wrong bearer token is 401 and never falls back to the cookie.
    expect((await post(server.url, routes[0], { authorization: 'Bearer nope', cookie, 'x-ringside-csrf': csrf })).status).toBe(401);
  });

  test('the operator gets past the guard (bad input is then a 400 naming the field)', async () => {
    const { cookie, csrf } = await signIn('alice');
    const res = await post(server.url, '/api/clusters/c/members', { origin: server.url, cookie, 'x-ringside-csrf': csrf }, '{"name": "new", "peerURL": "nope"}');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error.field).toBe('peerURL');
    const bad = await post(server.url, '/api/clusters/c/move-leader', { authorization: `Bearer ${TOKEN}` }, '{not json');
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/not valid JSON/);
  });

  test('a read-only deployment has no mutating route at all, and nobody signs in', async () => {
    for (const r of routes) expect((await post(readOnly.url, r, { origin: readOnly.url, authorization: `Bearer ${TOKEN}` })).status, r).toBe(404);
    expect((await post(readOnly.url, '/api/auth/login', { origin: readOnly.url }, JSON.stringify({ user: 'alice', password: PASSWORD }))).status).toBe(404);
    const session = await (await fetch(`${readOnly.url}/api/auth/session`)).json();
    expect(session.mode).toBe('read-only');
  });

  test('server paths (config file, data dir, backup dir) reach a signed-in operator only', async () => {
    const backup = await new OpsClient(server.url, TOKEN).run('c', '/backups');
    expect(backup.state, JSON.stringify(backup)).toBe('succeeded');
    const paths = [server.configFile, path.join(dir, 'data'), path.join(dir, 'backups')];
    const pages = ['/', '/clusters/c', '/api/clusters', '/api/auth/session', '/api/clusters/c/backups', '/api/clusters/c/audit', '/api/clusters/c/operations', `/api/clusters/c/operations/${backup.id}`];
    const read = async (base: string, p: string, headers: Record<string, string> = {}) => (await fetch(`${base}${p}`, { headers })).text();
    const leaks = (text: string) => paths.filter((x) => text.includes(x));
    const victor = await signIn('victor');
    for (const p of pages) {
      expect(leaks(await read(server.url, p)), `${p}, nobody signed in`).toEqual([]);
      expect(leaks(await read(server.url, p, { cookie: victor.cookie })), `${p}, a viewer`).toEqual([]);
      expect(leaks(await read(readOnly.url, p)), `${p}, read-only`).toEqual([]);
    }
    // The backups list still says where, by the setting's name.
    expect(JSON.parse(await read(server.url, '/api/clusters/c/backups')).snapshots[0].file).toMatch(/^<backups\.dir>\/c\/c-m1-[0-9a-f]+-rev\d+-\d{8}T\d{6}\.\d{3}Z\.db\.enc$/);
    const alice = await signIn('alice');
    const session = JSON.parse(await read(server.url, '/api/auth/session', { cookie: alice.cookie }));
    expect(session.paths).toEqual({ config: server.configFile, dataDir: path.join(dir, 'data'), backupsDir: path.join(dir, 'backups'), otherBackupDirs: [], backupsWorkDir: path.join(dir, 'data', 'backups-work') });
    expect(await read(server.url, '/api/clusters/c/backups', { cookie: alice.cookie })).toContain(path.join(dir, 'backups'));
  });

  test('no secret appears in any response or log line', async () => {
    const { cookie } = await signIn('alice');
    // An encrypted backup, so the audit log and the backups list have something to show.
    const backup = await new OpsClient(server.url, TOKEN).run('c', '/backups');
    expect(backup.state, JSON.stringify(backup)).toBe('succeeded');
    // A test alert to receivers that refuse: failures in the answer, the audit log and the server log.
    const sent = await fetch(`${server.url}/api/notifications/test`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
    const report = await sent.text();
    bodies.push(report);
    expect(sent.status, report).toBe(200);
    expect(JSON.parse(report).results.map((r: { receiver: string; ok: boolean; error: string }) => [r.receiver, r.ok, r.error])).toEqual([
      ['ops', false, 'connection refused'],
      ['chat', false, 'connection refused'],
    ]);
    for (const p of ['/api/clusters', '/api/clusters/c/ring', '/api/clusters/c/backups', '/api/clusters/c/audit', '/api/clusters/c/operations', '/api/clusters/c/replacement', '/api/auth/session', '/api/metrics', '/api/notifications', '/notifications']) {
      bodies.push(await (await fetch(`${server.url}${p}`, { headers: { cookie } })).text());
    }
    expect(bodies.at(-2)).toContain('chat: test alert not delivered: connection refused');
    const hash = readFileSync(server.configFile, 'utf8').match(/passwordHash: "([^"]+)"/)![1];
    const secrets = [PASSWORD, TOKEN, hashToken(TOKEN), hash, BACKUP_KEY, cookie.split('=')[1], HOOK_SECRET, SECRET_PATH];
    const audit = readFileSync(path.join(dir, 'data', 'audit.jsonl'), 'utf8');
    const delivery = readFileSync(path.join(dir, 'data', 'notifications.json'), 'utf8');
    expect(server.log).toContain('[ringside] alert delivery: chat: test alert not delivered: connection refused');
    for (const text of [...bodies, server.log, readOnly.log, audit, delivery]) {
      for (const s of secrets) expect(text.includes(s), `a secret leaked into: ${text.slice(0, 200)}`).toBe(false);
    }
  });
});
