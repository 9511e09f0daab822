import { beforeAll, describe, expect, test } from 'vitest';
import type { AuthSettings, UserConfig } from '../config/types';
import type { SignInShare } from '../store/types';
import { RingsideError, type ErrorCode } from '../errors';
import { createAccess, type AccessConfig, type AccessControl, type AuthReply } from './guard';
import { api } from '../api/contract';
import { readJsonObject } from '../http/body';
import { validate } from '../http/validate';
import { generateToken, hashPassword, hashToken } from './password';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const HOST = 'ringside.test';
const PROXY = '10.9.0.1';
const ORIGIN = `http://${HOST}`;

const ALICE_PW = 'alice-correct-horse';
const VICTOR_PW = 'victor-correct-horse';
const ALICE_TOKEN = generateToken();
const VICTOR_TOKEN = generateToken();
let users: UserConfig[];

beforeAll(async () => {
  users = [
    { name: 'alice', role: 'operator', passwordHash: await hashPassword(ALICE_PW), tokenHash: hashToken(ALICE_TOKEN) },
    { name: 'victor', role: 'viewer', passwordHash: await hashPassword(VICTOR_PW), tokenHash: hashToken(VICTOR_TOKEN) },
  ];
});

function authSettings(over: Partial<AuthSettings> = {}): AuthSettings {
  return { users, anonymous: 'viewer', sessionIdleMs: 30 * MIN, sessionMaxMs: 12 * 60 * MIN, allowedOrigins: ['https://ringside.example.com'], ...over };
}

function setup(config: AccessConfig | undefined = { readOnly: false, auth: authSettings() }) {
  let now = T0;
  const access = createAccess(config, { clock: () => now });
  return { access, advance: (ms: number) => (now += ms) };
}

interface Req {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  url?: string;
}

/** A request as a browser on Ringside's own page sends it (Next hands route handlers the bound address as URL). */
function req({ method = 'POST', headers = {}, body, url = 'http://127.0.0.1:3000/api/clusters/prod/snapshot' }: Req = {}): Request {
  return new Request(url, {
    method,
    headers: { host: HOST, origin: ORIGIN, 'sec-fetch-site': 'same-origin', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

/** A script's request: no Origin, no Sec-Fetch-*. */
function scriptReq(headers: Record<string, string>): Request {
  return new Request('http://127.0.0.1:3000/api/clusters/prod/snapshot', { method: 'POST', headers: { host: HOST, ...headers } });
}

/** What the sign-in route does with a request: its body through the contract, then the guard. */
async function login(access: AccessControl, r: Request): Promise<AuthReply> {
  const body = validate(api.login.body, await readJsonObject(r, api.login.maxBody), 'body');
  return access.login(r, body);
}

function cookieOf(reply: AuthReply, name = 'ringside_session'): string | undefined {
  return reply.setCookies?.find((c) => c.startsWith(`${name}=`));
}

function sessionIdOf(reply: AuthReply): string {
  const m = /^ringside_session=([^;]+);/.exec(cookieOf(reply) ?? '');
  if (!m) throw new Error(`no session cookie in ${reply.setCookies}`);
  return m[1];
}

async function signIn(access: AccessControl, user: string, password: string, headers: Record<string, string> = {}) {
  const reply = await login(access, req({ url: 'http://127.0.0.1:3000/api/auth/login', body: { user, password }, headers }));
  const id = sessionIdOf(reply);
  return { reply, id, cookie: `ringside_session=${id}`, csrf: reply.body.csrfToken as string };
}

async function refused(p: Promise<unknown> | (() => unknown), code: ErrorCode): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (!(e instanceof RingsideError)) throw e;
    expect(e.code, e.message).toBe(code);
    return e.message;
  }
  throw new Error(`expected ${code}, but it was allowed`);
}

describe('modes', () => {
  test('readOnly: true: every action and sign-in is 404, and the session route says so', async () => {
    const { access } = setup({ readOnly: true, auth: authSettings() });
    expect(access.mode).toBe('read-only');
    const msg = 'this Ringside is read-only (readOnly: true in the config): it has no actions';
    expect(await refused(access.requireOperator(scriptReq({ authorization: `Bearer ${ALICE_TOKEN}` })), 'NOT_FOUND')).toBe(msg);
    expect(await refused(login(access, req({ body: { user: 'alice', password: ALICE_PW } })), 'NOT_FOUND')).toBe(msg);
    expect(await refused(() => access.logout(req()), 'NOT_FOUND')).toBe(msg);
    expect(access.session(req({ method: 'GET' })).body).toEqual({ mode: 'read-only', user: null, methods: [], anonymous: 'viewer' });
    expect(access.principal(scriptReq({ authorization: `Bearer ${ALICE_TOKEN}` }))).toBeNull();
  });

  test('no auth section: actions are 403 naming why, even for a request that looks signed in', async () => {
    const { access } = setup({ readOnly: false });
    expect(access.mode).toBe('no-operators');
    const msg = await refused(access.requireOperator(req()), 'FORBIDDEN');
    expect(msg).toBe('no operators are configured; Ringside is read-only (see README, Access control)');
    expect(access.session(req({ method: 'GET' })).body).toEqual({ mode: 'no-operators', user: null, methods: [], anonymous: 'viewer' });
  });

  test('only viewers: actions are 403, but viewers can sign in', async () => {
    const { access } = setup({ readOnly: false, auth: authSettings({ users: users.filter((u) => u.role === 'viewer') }) });
    expect(access.mode).toBe('no-operators');
    const { cookie, csrf } = await signIn(access, 'victor', VICTOR_PW);
    expect(await refused(access.requireOperator(req({ headers: { cookie, 'x-ringside-csrf': csrf } })), 'FORBIDDEN')).toMatch(/^no operators are configured/);
    expect(access.principal(req({ headers: { cookie } }))).toEqual({ name: 'victor', role: 'viewer', via: 'password' });
  });

  test('operators named only by the proxy make it auth mode', () => {
    const { access } = setup({ readOnly: false, auth: authSettings({ users: [], proxy: { trustedProxies: [PROXY], userHeader: 'X-Forwarded-User', operators: ['olga'] } }) });
    expect(access.mode).toBe('auth');
    expect(access.methods).toEqual(['proxy']);
  });
});

describe('requireOperator', () => {
  test('an operator signed in with a password acts with the CSRF token from the header or the form', async () => {
    const { access } = setup();
    const { cookie, csrf } = await signIn(access, 'alice', ALICE_PW);
    const who = { name: 'alice', role: 'operator', via: 'password' };
    expect(await access.requireOperator(req({ headers: { cookie, 'x-ringside-csrf': csrf } }))).toEqual(who);
    expect(await access.requireOperator(req({ headers: { cookie } }), { csrfFromBody: async () => csrf })).toEqual(who);
  });

  test('nobody signed in: 401', async () => {
    const { access } = setup();
    expect(await refused(access.requireOperator(req()), 'UNAUTHENTICATED')).toBe('sign in as an operator to do this');
  });

  test('a viewer: 403 naming them', async () => {
    const { access } = setup();
    const { cookie, csrf } = await signIn(access, 'victor', VICTOR_PW);
    const msg = await refused(access.requireOperator(req({ headers: { cookie, 'x-ringside-csrf': csrf } }), { action: 'take snapshots' }), 'FORBIDDEN');
    expect(msg).toBe('victor is a viewer; only operators can take snapshots');
    expect(await refused(access.requireOperator(scriptReq({ authorization: `Bearer ${VICTOR_TOKEN}` })), 'FORBIDDEN')).toMatch(/^victor is a viewer/);
  });

  test('CSRF token missing or wrong: 403', async () => {
    const { access } = setup();
    const { cookie, csrf } = await signIn(access, 'alice', ALICE_PW);
    const other = await signIn(access, 'alice', ALICE_PW);
    const msg = 'missing or wrong CSRF token; reload the page';
    expect(await refused(access.requireOperator(req({ headers: { cookie } })), 'FORBIDDEN')).toBe(msg);
    expect(await refused(access.requireOperator(req({ headers: { cookie, 'x-ringside-csrf': csrf.slice(1) } })), 'FORBIDDEN')).toBe(msg);
    // Another session's token is wrong for this one.
    expect(await refused(access.requireOperator(req({ headers: { cookie, 'x-ringside-csrf': other.csrf } })), 'FORBIDDEN')).toBe(msg);
  });

  test('cross-site requests are refused even with a valid session and token', async () => {
    const { access } = setup();
    const { cookie, csrf } = await signIn(access, 'alice', ALICE_PW);
    const signedIn = { cookie, 'x-ringside-csrf': csrf };
    const crossSite: Record<string, string>[] = [
      { origin: 'http://evil.test', 'sec-fetch-site': 'cross-site' },
      { origin: 'http://evil.test', 'sec-fetch-site': 'none' }, // the Origin decides, whatever Fetch Metadata says
      { origin: ORIGIN, 'sec-fetch-site': 'cross-site' },
      { origin: 'null' },
      { origin: `https://${HOST}` }, // same host, other scheme
      { origin: `http://${HOST}:8080` },
    ];
    for (const headers of crossSite) {
      expect(await refused(access.requireOperator(req({ headers: { ...signedIn, ...headers } })), 'FORBIDDEN'), JSON.stringify(headers)).toMatch(
        /^cross-origin request refused/,
      );
    }
    // A browser always sends Origin with a POST; without one it is a script, which must use a token.
    const noOrigin = new Request('http://127.0.0.1:3000/x', { method: 'POST', headers: { host: HOST, ...signedIn } });
    expect(await refused(access.requireOperator(noOrigin), 'FORBIDDEN')).toMatch(/no Origin header/);
  });

  test('allowedOrigins admit another origin', async () => {
    const { access } = setup();
    const { cookie, csrf } = await signIn(access, 'alice', ALICE_PW);
    const r = req({ headers: { cookie, 'x-ringside-csrf': csrf, origin: 'https://ringside.example.com', 'sec-fetch-site': 'same-site' } });
    expect((await access.requireOperator(r)).name).toBe('alice');
  });

  test('a bearer token acts without Origin or CSRF token; a wrong one is 401 and never falls back to the cookie', async () => {
    const { access } = setup();
    expect(await access.requireOperator(scriptReq({ authorization: `Bearer ${ALICE_TOKEN}` }))).toEqual({ name: 'alice', role: 'operator', via: 'token' });
    expect(await access.requireOperator(scriptReq({ authorization: `bearer   ${ALICE_TOKEN} ` }))).toMatchObject({ via: 'token' });

    const { cookie, csrf } = await signIn(access, 'alice', ALICE_PW);
    for (const authorization of [`Bearer ${generateToken()}`, 'Bearer', 'Bearer two words', `Bearer ${hashToken(ALICE_TOKEN)}`]) {
      const r = req({ headers: { authorization, cookie, 'x-ringside-csrf': csrf } });
      expect(await refused(access.requireOperator(r), 'UNAUTHENTICATED'), authorization).toBe('that API token is not valid');
    }
    // Other schemes are the proxy's business and are ignored.
    expect(await access.requireOperator(req({ headers: { authorization: 'Basic YTpi', cookie, 'x-ringside-csrf': csrf } }))).toMatchObject({ via: 'password' });
    // A token does not excuse a cross-site request.
    const cross = scriptReq({ authorization: `Bearer ${ALICE_TOKEN}`, origin: 'http://evil.test' });
    expect(await refused(access.requireOperator(cross), 'FORBIDDEN')).toMatch(/^cross-origin/);
  });

  test('an idle or too old session is 401 and says it ended', async () => {
    const { access, advance } = setup();
    const a = await signIn(access, 'alice', ALICE_PW);
    advance(30 * MIN);
    const ended = 'your session has ended; sign in again as an operator to do this';
    expect(await refused(access.requireOperator(req({ headers: { cookie: a.cookie, 'x-ringside-csrf': a.csrf } })), 'UNAUTHENTICATED')).toBe(ended);

    const b = await signIn(access, 'alice', ALICE_PW);
    for (let i = 0; i < 12 * 3 - 1; i++) {
      advance(20 * MIN);
      await access.requireOperator(req({ headers: { cookie: b.cookie, 'x-ringside-csrf': b.csrf } }));
    }
    advance(20 * MIN);
    expect(await refused(access.requireOperator(req({ headers: { cookie: b.cookie, 'x-ringside-csrf': b.csrf } })), 'UNAUTHENTICATED')).toBe(ended);
  });
});

describe('behind an authenticating proxy', () => {
  const proxied = () =>
    setup({ readOnly: false, auth: authSettings({ users: [], proxy: { trustedProxies: [PROXY], userHeader: 'X-Forwarded-User', operators: ['olga'] } }) });
  /** What the edge sets on a request that came from the proxy's socket. */
  const fromProxy = { 'x-ringside-peer': PROXY };

  test('the proxy user gets a session (and CSRF token) from the session route, then acts as an operator', async () => {
    const { access } = proxied();
    // Named by the proxy but without a session: nothing to check a CSRF token against yet.
    expect(await refused(access.requireOperator(req({ headers: { ...fromProxy, 'x-forwarded-user': 'olga' } })), 'FORBIDDEN')).toMatch(/CSRF/);

    const reply = access.session(req({ method: 'GET', headers: { ...fromProxy, 'x-forwarded-user': 'olga' } }));
    expect(reply.body).toMatchObject({ mode: 'auth', user: { name: 'olga', role: 'operator', via: 'proxy' }, methods: ['proxy'] });
    const cookie = `ringside_session=${sessionIdOf(reply)}`;
    const csrf = reply.body.csrfToken as string;
    const r = req({ headers: { ...fromProxy, 'x-forwarded-user': 'olga', cookie, 'x-ringside-csrf': csrf } });
    expect(await access.requireOperator(r)).toEqual({ name: 'olga', role: 'operator', via: 'proxy' });
    // The session route now finds the session instead of making another.
    expect(access.session(req({ method: 'GET', headers: { ...fromProxy, 'x-forwarded-user': 'olga', cookie } })).setCookies).toBeUndefined();
  });

  test('a user the proxy names but who is not listed is a viewer', async () => {
    const { access } = proxied();
    const reply = access.session(req({ method: 'GET', headers: { ...fromProxy, 'x-forwarded-user': 'pat' } }));
    expect(reply.body.user).toEqual({ name: 'pat', role: 'viewer', via: 'proxy' });
    const r = req({ headers: { ...fromProxy, 'x-forwarded-user': 'pat', cookie: `ringside_session=${sessionIdOf(reply)}`, 'x-ringside-csrf': reply.body.csrfToken as string } });
    expect(await refused(access.requireOperator(r), 'FORBIDDEN')).toMatch(/^pat is a viewer/);
  });

  test('a proxy session belongs to whoever the proxy names now', async () => {
    const { access } = proxied();
    const olga = access.session(req({ method: 'GET', headers: { ...fromProxy, 'x-forwarded-user': 'olga' } }));
    const cookie = `ringside_session=${sessionIdOf(olga)}`;
    const r = req({ headers: { ...fromProxy, 'x-forwarded-user': 'pat', cookie, 'x-ringside-csrf': olga.body.csrfToken as string } });
    expect(await refused(access.requireOperator(r), 'FORBIDDEN')).toMatch(/^pat is a viewer/);
  });

  test('the own origin comes from X-Forwarded-Host/-Proto only from a trusted proxy', async () => {
    const forwarded = { origin: 'https://ringside.corp', 'x-forwarded-host': 'ringside.corp', 'x-forwarded-proto': 'https' };
    const { access } = proxied();
    const s = access.session(req({ method: 'GET', headers: { ...fromProxy, 'x-forwarded-user': 'olga', ...forwarded } }));
    expect(cookieOf(s)).toMatch(/; Secure$/);
    const r = req({ headers: { ...forwarded, ...fromProxy, 'x-forwarded-user': 'olga', cookie: `ringside_session=${sessionIdOf(s)}`, 'x-ringside-csrf': s.body.csrfToken as string } });
    expect((await access.requireOperator(r)).name).toBe('olga');

    const direct = setup().access;
    const a = await signIn(direct, 'alice', ALICE_PW);
    const spoofed = req({ headers: { ...forwarded, cookie: a.cookie, 'x-ringside-csrf': a.csrf } });
    expect(await refused(direct.requireOperator(spoofed), 'FORBIDDEN')).toMatch(/^cross-origin/);
  });
});

describe('login, logout and session routes', () => {
  test('login answers the user, a CSRF token and the end of the session, with a strict HttpOnly cookie', async () => {
    const { access } = setup();
    const { reply, id } = await signIn(access, 'alice', ALICE_PW);
    expect(reply.body).toEqual({ user: { name: 'alice', role: 'operator' }, csrfToken: expect.any(String), expiresAt: new Date(T0 + 12 * 60 * MIN).toISOString() });
    expect(cookieOf(reply)).toBe(`ringside_session=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200`);

    const https = await login(access, req({ url: 'https://ringside.test/api/auth/login', headers: { origin: 'https://ringside.test' }, body: { user: 'alice', password: ALICE_PW } }));
    expect(cookieOf(https)).toMatch(/; Secure$/);
  });

  test('a token signs in too', async () => {
    const { access } = setup();
    const reply = await login(access, req({ body: { token: ALICE_TOKEN } }));
    expect(reply.body.user).toEqual({ name: 'alice', role: 'operator' });
    const cookie = `ringside_session=${sessionIdOf(reply)}`;
    expect(access.principal(req({ method: 'GET', headers: { cookie } }))).toEqual({ name: 'alice', role: 'operator', via: 'token' });
    expect(await refused(login(access, req({ body: { token: generateToken() } })), 'UNAUTHENTICATED')).toBe('that API token is not valid');
  });

  test('a wrong password and an unknown user get the same 401', async () => {
    const { access } = setup();
    const wrong = await refused(login(access, req({ body: { user: 'alice', password: 'not-the-password' } })), 'UNAUTHENTICATED');
    const unknown = await refused(login(access, req({ body: { user: 'mallory', password: ALICE_PW } })), 'UNAUTHENTICATED');
    expect(wrong).toBe('wrong user name or password');
    expect(unknown).toBe(wrong);
  });

  test('a bad body is 400 naming the field', async () => {
    const { access } = setup();
    const field = async (body: unknown) => {
      try {
        await login(access, req({ body }));
      } catch (e) {
        expect(['INVALID', 'TOO_LARGE']).toContain((e as RingsideError).code);
        return (e as RingsideError).field;
      }
      throw new Error('accepted');
    };
    expect(await field('not json')).toBe('body');
    expect(await field([])).toBe('body');
    expect(await field({ password: ALICE_PW })).toBe('user');
    expect(await field({ user: 'alice' })).toBe('password');
    expect(await field({ user: 'alice', password: 12345 })).toBe('password');
    expect(await field({ token: 42 })).toBe('token');
    expect(await field({ token: ALICE_TOKEN, user: 'alice', password: ALICE_PW })).toBe('body');
    expect(await field('x'.repeat(20_000))).toBe('body');
  });

  test('login refuses cross-origin and Origin-less posts', async () => {
    const { access } = setup();
    expect(await refused(login(access, req({ headers: { origin: 'http://evil.test' }, body: { user: 'alice', password: ALICE_PW } })), 'FORBIDDEN')).toMatch(/^cross-origin/);
    const noOrigin = new Request('http://127.0.0.1:3000/api/auth/login', { method: 'POST', headers: { host: HOST }, body: JSON.stringify({ user: 'alice', password: ALICE_PW }) });
    expect(await refused(login(access, noOrigin), 'FORBIDDEN')).toMatch(/^cross-origin/);
  });

  test('five wrong passwords from one address make it wait, right password or not', async () => {
    const { access, advance } = setup();
    for (let i = 0; i < 5; i++) await refused(login(access, req({ body: { user: 'alice', password: `guess-${i}` } })), 'UNAUTHENTICATED');
    const msg = await refused(login(access, req({ body: { user: 'alice', password: ALICE_PW } })), 'RATE_LIMITED');
    expect(msg).toBe('too many failed sign-ins; try again in 30 s');
    advance(30_000);
    expect((await signIn(access, 'alice', ALICE_PW)).reply.body.user).toEqual({ name: 'alice', role: 'operator' });
  });

  test('signing in replaces the session the browser had', async () => {
    const { access } = setup();
    const first = await signIn(access, 'alice', ALICE_PW);
    const second = await signIn(access, 'alice', ALICE_PW, { cookie: first.cookie });
    expect(access.principal(req({ headers: { cookie: first.cookie } }))).toBeNull();
    expect(access.principal(req({ headers: { cookie: second.cookie } }))).not.toBeNull();
  });

  test('logout needs the CSRF token, ends the session for good and clears the cookie', async () => {
    const { access } = setup();
    const { cookie, csrf } = await signIn(access, 'alice', ALICE_PW);
    expect(await refused(() => access.logout(req({ headers: { cookie } })), 'FORBIDDEN')).toMatch(/CSRF/);
    expect(await refused(() => access.logout(req({ headers: { cookie, 'x-ringside-csrf': csrf, origin: 'http://evil.test' } })), 'FORBIDDEN')).toMatch(/^cross-origin/);
    const out = access.logout(req({ headers: { cookie, 'x-ringside-csrf': csrf } }));
    expect(out).toEqual({ body: { user: null }, setCookies: ['ringside_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0'] });
    expect(await refused(access.requireOperator(req({ headers: { cookie, 'x-ringside-csrf': csrf } })), 'UNAUTHENTICATED')).toMatch(/session has ended/);
  });

  test('the session route tells the page the mode, the user, its CSRF token and how to sign in', async () => {
    const { access, advance } = setup();
    expect(access.session(req({ method: 'GET' }))).toEqual({ body: { mode: 'auth', user: null, methods: ['password', 'token'], anonymous: 'viewer' } });
    const { cookie, csrf } = await signIn(access, 'alice', ALICE_PW);
    expect(access.session(req({ method: 'GET', headers: { cookie } })).body).toEqual({
      mode: 'auth',
      user: { name: 'alice', role: 'operator', via: 'password' },
      csrfToken: csrf,
      expiresAt: new Date(T0 + 12 * 60 * MIN).toISOString(),
      methods: ['password', 'token'],
      anonymous: 'viewer',
    });
    expect(access.session(scriptReq({ authorization: `Bearer ${ALICE_TOKEN}` })).body).toMatchObject({ user: { name: 'alice', via: 'token' } });
    advance(31 * MIN);
    const expired = access.session(req({ method: 'GET', headers: { cookie } }));
    expect(expired.body.user).toBeNull();
    expect(cookieOf(expired)).toMatch(/Max-Age=0/);
  });
});

test('no answer or refusal carries a password, token, hash or session id', async () => {
  const { access, advance } = setup();
  const said: string[] = [];
  const collect = async (p: Promise<unknown> | (() => unknown)) => {
    try {
      const r = await (typeof p === 'function' ? p() : p);
      said.push(JSON.stringify((r as AuthReply | undefined)?.body ?? r ?? null));
    } catch (e) {
      said.push((e as Error).message);
    }
  };
  const a = await signIn(access, 'alice', ALICE_PW);
  said.push(JSON.stringify(a.reply.body));
  const ids = [a.id];
  await collect(login(access, req({ body: { user: 'alice', password: VICTOR_PW } })));
  await collect(login(access, req({ body: { user: ALICE_PW, password: ALICE_PW } })));
  await collect(login(access, req({ body: { token: ALICE_TOKEN, user: 'alice', password: ALICE_PW } })));
  await collect(login(access, req({ body: { token: VICTOR_TOKEN.slice(2) } })));
  await collect(login(access, req({ body: `{"user":"alice","password":"${ALICE_PW}"` })));
  await collect(access.requireOperator(req({ headers: { cookie: a.cookie } })));
  await collect(access.requireOperator(req({ headers: { cookie: a.cookie, 'x-ringside-csrf': ALICE_TOKEN } })));
  await collect(access.requireOperator(req({ headers: { authorization: `Bearer ${ALICE_TOKEN}x` } })));
  await collect(access.requireOperator(req({ headers: { authorization: `Bearer ${VICTOR_TOKEN}` } })));
  await collect(access.requireOperator(req({ headers: { cookie: a.cookie, origin: 'http://evil.test' } })));
  await collect(access.requireOperator(req({ headers: { cookie: a.cookie, 'x-ringside-csrf': a.csrf } })));
  await collect(() => access.session(req({ method: 'GET', headers: { cookie: a.cookie } })));
  await collect(() => access.session(req({ method: 'GET', headers: { authorization: `Bearer ${ALICE_TOKEN}` } })));
  for (let i = 0; i < 6; i++) await collect(login(access, req({ headers: { 'x-ringside-peer': '10.0.0.66' }, body: { user: 'victor', password: ALICE_PW } })));
  const v = await login(access, req({ headers: { 'x-ringside-peer': '10.0.0.77' }, body: { token: VICTOR_TOKEN } }));
  ids.push(sessionIdOf(v));
  said.push(JSON.stringify(v.body));
  advance(13 * 60 * MIN);
  await collect(access.requireOperator(req({ headers: { cookie: a.cookie, 'x-ringside-csrf': a.csrf } })));
  await collect(() => access.logout(req({ headers: { cookie: a.cookie } })));

  const secrets = [ALICE_PW, VICTOR_PW, ALICE_TOKEN, VICTOR_TOKEN, ...users.flatMap((u) => [u.passwordHash!, u.tokenHash!]), ...ids];
  for (const s of secrets) expect(s.length).toBeGreaterThan(10);
  expect(said.length).toBeGreaterThan(20);
  for (const text of said) {
    for (const secret of secrets) expect(text.includes(secret) || text.includes(secret.slice(2)) || text.includes(secret.slice(8, 24)), text).toBe(false);
  }
});

describe('issue 11: what a client cannot forge or flush', () => {
  const proxyAuth = () => authSettings({ users, proxy: { trustedProxies: ['10.9.0.0/24'], userHeader: 'X-Forwarded-User', operators: ['olga'] } });

  test("the proxy's user header counts only from a trusted proxy's socket", async () => {
    const { access } = setup({ readOnly: false, auth: proxyAuth() });
    expect(access.principal(req({ method: 'GET', headers: { 'x-forwarded-user': 'olga' } }))).toBeNull();
    expect(access.principal(req({ method: 'GET', headers: { 'x-forwarded-user': 'olga', 'x-ringside-peer': '10.8.0.1' } }))).toBeNull();
    expect(access.principal(req({ method: 'GET', headers: { 'x-forwarded-user': 'olga', 'x-ringside-peer': '10.9.0.7' } }))).toMatchObject({ name: 'olga', role: 'operator' });
  });

  test('a user header naming two users (or anything but one name) is refused, not guessed at', async () => {
    const { access } = setup({ readOnly: false, auth: proxyAuth() });
    for (const value of ['alice, mallory', 'olga,olga', 'olga mallory', '', ' ']) {
      const r = req({ method: 'GET', headers: { 'x-forwarded-user': value, 'x-ringside-peer': '10.9.0.7' } });
      if (value.trim() === '') {
        expect(access.principal(r), JSON.stringify(value)).toBeNull();
        continue;
      }
      expect(await refused(() => access.session(r), 'UNAUTHENTICATED'), value).toMatch(/exactly one user/);
      expect(await refused(access.requireOperator(req({ headers: { 'x-forwarded-user': value, 'x-ringside-peer': '10.9.0.7' } })), 'UNAUTHENTICATED')).toMatch(/exactly one user/);
    }
  });

  test('X-Forwarded-Host/-Proto from an untrusted peer do not make an origin, even with a proxy configured', async () => {
    const { access } = setup({ readOnly: false, auth: proxyAuth() });
    const a = await signIn(access, 'alice', ALICE_PW);
    const forwarded = { origin: 'https://ringside.corp', 'x-forwarded-host': 'ringside.corp', 'x-forwarded-proto': 'https', cookie: a.cookie, 'x-ringside-csrf': a.csrf };
    expect(await refused(access.requireOperator(req({ headers: { ...forwarded, 'x-ringside-peer': '192.0.2.1' } })), 'FORBIDDEN')).toMatch(/^cross-origin/);
    expect((await access.requireOperator(req({ headers: { ...forwarded, 'x-ringside-peer': '10.9.0.7' } }))).name).toBe('alice');
  });

  test('the limiter keys on the socket address the edge saw, never on a client-sent X-Forwarded-For', async () => {
    const { access } = setup();
    for (let i = 0; i < 5; i++) {
      await refused(login(access, req({ headers: { 'x-ringside-peer': '192.0.2.9', 'x-forwarded-for': `10.7.0.${i}` }, body: { token: generateToken() } })), 'UNAUTHENTICATED');
    }
    expect(await refused(login(access, req({ headers: { 'x-ringside-peer': '192.0.2.9', 'x-forwarded-for': '10.7.1.1' }, body: { token: ALICE_TOKEN } })), 'RATE_LIMITED')).toMatch(/try again in 30 s/);
  });

  test('a stranger spending alice\'s budget from many addresses slows strangers, not alice in her own browser', async () => {
    const { access } = setup();
    const first = await signIn(access, 'alice', ALICE_PW, { 'x-ringside-peer': '198.51.100.1' });
    const device = cookieOf(first.reply, 'ringside_device');
    expect(device).toMatch(/^ringside_device=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/api\/auth; Max-Age=2592000$/);
    const deviceCookie = device!.split(';')[0];
    for (let i = 0; i < 12; i++) {
      await refused(login(access, req({ headers: { 'x-ringside-peer': `203.0.113.${i}` }, body: { user: 'alice', password: `guess-${i}` } })), i < 10 ? 'UNAUTHENTICATED' : 'RATE_LIMITED');
    }
    // A new browser waits...
    expect(await refused(login(access, req({ headers: { 'x-ringside-peer': '198.51.100.2' }, body: { user: 'alice', password: ALICE_PW } })), 'RATE_LIMITED')).toMatch(/try again in \d+ s/);
    // ...alice's own browser signs in, and is not given a second device cookie.
    const again = await signIn(access, 'alice', ALICE_PW, { 'x-ringside-peer': '198.51.100.1', cookie: deviceCookie });
    expect(again.reply.body.user).toEqual({ name: 'alice', role: 'operator' });
    expect(cookieOf(again.reply, 'ringside_device')).toBeUndefined();
    // A device cookie is alice's only: it does not exempt guesses at bob... (victor here)
    for (let i = 0; i < 10; i++) await refused(login(access, req({ headers: { 'x-ringside-peer': `203.0.114.${i}` }, body: { user: 'victor', password: `g-${i}` } })), 'UNAUTHENTICATED');
    expect(await refused(login(access, req({ headers: { 'x-ringside-peer': '198.51.100.1', cookie: deviceCookie }, body: { user: 'victor', password: VICTOR_PW } })), 'RATE_LIMITED')).toMatch(/try again/);
  });

  test('two replicas sharing the sign-in budget: guesses spread over both spend one budget; a browser remembered by one is known to the other', async () => {
    // The shared table, as lib/store/postgres.ts keeps it (tested on a real PostgreSQL in replicas.test.ts).
    const failures: { user: string; at: number }[] = [];
    const devices = new Set<string>();
    const share: SignInShare = {
      failures: async (user, since, limit) => failures.filter((f) => f.user === user && f.at >= since).map((f) => f.at).sort((a, b) => b - a).slice(0, limit),
      recordFailure: async (user, at) => void failures.push({ user, at }),
      knowsDevice: async (user, k) => devices.has(`${user}/${k}`),
      addDevice: async (user, k) => void devices.add(`${user}/${k}`),
    };
    let now = T0;
    const replica = () => {
      const access = createAccess({ readOnly: false, auth: authSettings() }, { clock: () => now });
      access.shareSignIns(share);
      return access;
    };
    const [a, b] = [replica(), replica()];
    const first = await signIn(a, 'alice', ALICE_PW, { 'x-ringside-peer': '198.51.100.1' });
    const deviceCookie = cookieOf(first.reply, 'ringside_device')!.split(';')[0];
    // Six guesses on A, four on B, each from its own address: the shared budget of ten is spent.
    for (let i = 0; i < 10; i++) await refused(login(i < 6 ? a : b, req({ headers: { 'x-ringside-peer': `203.0.113.${i}` }, body: { user: 'alice', password: `guess-${i}` } })), 'UNAUTHENTICATED');
    expect(failures).toHaveLength(10);
    // B alone has seen four: only the shared count refuses the next guess there.
    expect(await refused(login(b, req({ headers: { 'x-ringside-peer': '203.0.113.50' }, body: { user: 'alice', password: 'guess-x' } })), 'RATE_LIMITED')).toMatch(/try again in 300 s/);
    // Alice's browser, remembered by A, signs in on B; no second device cookie.
    const onB = await signIn(b, 'alice', ALICE_PW, { 'x-ringside-peer': '198.51.100.1', cookie: deviceCookie });
    expect(onB.reply.body.user).toEqual({ name: 'alice', role: 'operator' });
    expect(cookieOf(onB.reply, 'ringside_device')).toBeUndefined();
    // Names that are no user are not written to the shared table (they can never sign in).
    await refused(login(a, req({ headers: { 'x-ringside-peer': '203.0.113.60' }, body: { user: 'mallory', password: 'x' } })), 'UNAUTHENTICATED');
    expect(failures.every((f) => f.user === 'alice')).toBe(true);
    // The window passes: B takes guesses again.
    now += 301_000;
    await refused(login(b, req({ headers: { 'x-ringside-peer': '203.0.113.70' }, body: { user: 'alice', password: 'guess-y' } })), 'UNAUTHENTICATED');
  });

  test('anonymous: none: reading needs a principal', async () => {
    const { access } = setup({ readOnly: false, auth: authSettings({ anonymous: 'none' }) });
    expect(access.anonymousReads).toBe(false);
    expect(access.mayRead(req({ method: 'GET' }))).toBe(false);
    expect(access.mayRead(scriptReq({ authorization: `Bearer ${generateToken()}` }))).toBe(false);
    expect(access.mayRead(scriptReq({ authorization: `Bearer ${VICTOR_TOKEN}` }))).toBe(true);
    const v = await signIn(access, 'victor', VICTOR_PW);
    expect(access.mayRead(req({ method: 'GET', headers: { cookie: v.cookie } }))).toBe(true);
    expect(access.session(req({ method: 'GET' })).body).toMatchObject({ anonymous: 'none', user: null });
    expect(setup().access.mayRead(req({ method: 'GET' }))).toBe(true);
  });
});
