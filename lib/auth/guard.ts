import 'server-only';
import type { RingsideConfig, Role, UserConfig } from '../config/types';
import { RingsideError } from '../errors';
import { AddressSet, clientAddress, throttleKey, viaTrustedProxy } from './peer';
import { SignInThrottle } from './limiter';
import { dummyVerifyPassword, sameSecret, verifyPassword, verifyToken } from './password';
import type { SessionShare, SignInShare } from '../store/types';
import { SessionSync } from './session-sync';
import { DeviceStore, key, SessionStore, type Session, type SignInMethod } from './sessions';

export type { SignInMethod };

/**
 * `read-only`: `readOnly: true`, no action and no sign-in exist. `no-operators`: nobody could be
 * allowed to act, so actions are refused (viewers may still sign in). `auth`: operators act.
 */
export type AccessMode = 'read-only' | 'no-operators' | 'auth';

export type Principal = { name: string; role: Role; via: SignInMethod };

export type AccessConfig = Pick<RingsideConfig, 'readOnly' | 'auth'>;

/** What an auth route answers: a JSON body and perhaps cookies. access.ts turns it into a Response. */
export interface AuthReply {
  body: Record<string, unknown>;
  setCookies?: string[];
}

/** What the guard reads of a request: its headers (a fetch Request, or the edge's view of Node's). */
export interface RequestHeaders {
  headers: { get(name: string): string | null };
}

export interface RequireOperatorOptions {
  /**
   * A native form POST (snapshot downloads) carries its CSRF token in the body. It is read only
   * after the principal is known to be an operator, so nobody unauthenticated gets a byte read.
   */
  csrfFromBody?: () => Promise<string | undefined>;
  /** What the refused viewer could not do, for the message: "only operators can <action>". */
  action?: string;
}

export interface AccessOptions {
  clock?: () => number;
  store?: SessionStore;
  throttle?: SignInThrottle;
}

export const SESSION_COOKIE = 'ringside_session';
export const DEVICE_COOKIE = 'ringside_device';
/** A browser is remembered as the user's for this long after a sign-in there. */
const DEVICE_MAX_AGE_S = 30 * 24 * 3600;
export const CSRF_HEADER = 'x-ringside-csrf';

const READ_ONLY = 'this Ringside is read-only (readOnly: true in the config): it has no actions';
const NO_OPERATORS = 'no operators are configured; Ringside is read-only (see README, Access control)';
const CROSS_ORIGIN = 'cross-origin request refused';
const SIGN_IN = 'sign in as an operator to do this';
const SESSION_ENDED = 'your session has ended; sign in again as an operator to do this';
const BAD_CSRF = 'missing or wrong CSRF token; reload the page';
const BAD_PASSWORD = 'wrong user name or password';
const BAD_TOKEN = 'that API token is not valid';
const BAD_PROXY_USER = "the proxy's user header must name exactly one user (letters, digits, '.', '_', '@', '+', '-')";


/** Who a request says it is, before any decision. */
type Identity =
  | { kind: 'token'; principal: Principal }
  | { kind: 'session'; principal: Principal; session: Session }
  | { kind: 'proxy'; principal: Principal }
  | { kind: 'bad-token' }
  | { kind: 'bad-proxy-user' }
  | { kind: 'none'; hadCookie: boolean };

export function createAccess(config: AccessConfig | undefined, options: AccessOptions = {}): AccessControl {
  return new AccessControl(config, options);
}

/**
 * Who may act, decided from plain `Request`s so it is testable without Next. Reads are never
 * guarded here; every mutating route calls `requireOperator` first.
 */
export class AccessControl {
  readonly mode: AccessMode;
  /** How one can sign in: what the sign-in form offers. */
  readonly methods: SignInMethod[];
  /** `auth.anonymous: none`: nothing is readable without signing in. */
  readonly anonymousReads: boolean;
  /** `auth.proxy.trustedProxies`: the only peers whose X-Forwarded-* and user header count. */
  readonly trustedProxies: AddressSet;
  private readonly users: UserConfig[];
  private readonly proxy?: { userHeader?: string; operators: string[] };
  private readonly allowedOrigins: string[];
  private readonly clock: () => number;
  private readonly store: SessionStore;
  private readonly throttle: SignInThrottle;
  private readonly devices = new DeviceStore();
  /** Several replicas: sessions shared through the store. */
  private shared: SessionSync | null = null;
  /** Several replicas: the per-user sign-in budget and the remembered browsers, through the store. */
  private signIns: SignInShare | null = null;
  /** Sessions made here and not yet in the store: a request naming one waits for it. */
  private readonly saving = new Set<Promise<void>>();

  constructor(config: AccessConfig | undefined, options: AccessOptions = {}) {
    const auth = config?.auth;
    this.users = auth?.users ?? [];
    this.proxy = auth?.proxy;
    this.trustedProxies = new AddressSet(auth?.proxy?.trustedProxies ?? []);
    this.allowedOrigins = auth?.allowedOrigins ?? [];
    this.anonymousReads = (auth?.anonymous ?? 'viewer') === 'viewer';
    const anyOperator = this.users.some((u) => u.role === 'operator') || (this.proxy?.userHeader !== undefined && this.proxy.operators.length > 0);
    this.mode = config?.readOnly ? 'read-only' : anyOperator ? 'auth' : 'no-operators';
    this.methods =
      this.mode === 'read-only'
        ? []
        : [
            ...(this.users.some((u) => u.passwordHash) ? (['password'] as const) : []),
            ...(this.users.some((u) => u.tokenHash) ? (['token'] as const) : []),
            ...(this.proxy?.userHeader ? (['proxy'] as const) : []),
          ];
    this.clock = options.clock ?? Date.now;
    this.store =
      options.store ??
      new SessionStore({ idleMs: auth?.sessionIdleMs ?? 30 * 60_000, maxMs: auth?.sessionMaxMs ?? 12 * 3_600_000, clock: this.clock });
    this.throttle = options.throttle ?? new SignInThrottle({ users: this.users.map((u) => u.name), clock: this.clock });
  }

  /**
   * Shares the sign-in throttle's per-user part with other replicas from now on: a guess counts
   * against the user's budget whichever replica it reaches, and a browser remembered by one is
   * known to all. The address and device backoffs stay per replica. If the store cannot be
   * reached, sign-in goes on under this replica's own limits.
   */
  shareSignIns(share: SignInShare): void {
    this.signIns = share;
  }

  /** Shares sessions with other replicas from now on (started by the composition root). */
  shareSessions(share: SessionShare): SessionSync {
    this.shared = new SessionSync(share, this.store);
    return this.shared;
  }

  /**
   * With several replicas, before a request is identified: sessions its cookies name that were
   * made on another replica a moment ago are fetched. Nothing to do on one process.
   */
  async sync(req: RequestHeaders, fresh = false): Promise<void> {
    if (!this.shared) return;
    if (this.saving.size) await Promise.allSettled([...this.saving]);
    await this.shared.ensure(cookieValues(req, SESSION_COOKIE), fresh);
  }

  /** A session made by a synchronous path (a proxy's user): stored in the background, awaited by `sync`. */
  private track(saved: Promise<void>): void {
    const p = saved.catch(() => undefined).finally(() => this.saving.delete(p));
    this.saving.add(p);
  }

  /** Who is signed in, for pages and GET routes that show it; null when nobody (or a wrong token). */
  principal(req: RequestHeaders): Principal | null {
    if (this.mode === 'read-only') return null;
    const id = this.identify(req, this.clock());
    return 'principal' in id ? id.principal : null;
  }

  /**
   * With `anonymous: none`, whether a request may read at all: a session, a valid token or a
   * trusted proxy's user. On a read-only deployment nobody can sign in, so anonymous: none is
   * refused by the config check there and this never runs.
   */
  mayRead(req: RequestHeaders): boolean {
    return this.anonymousReads || this.principal(req) !== null;
  }

  /**
   * The operator behind a mutating request, or a RingsideError saying why not. Checks, in order:
   * read-only (404), the request's origin (403), whether anyone could act at all (403), who it is
   * (401), their role (403), and for cookie and proxy principals the CSRF token (403).
   */
  async requireOperator(req: Request, opts: RequireOperatorOptions = {}): Promise<Principal> {
    if (this.mode === 'read-only') throw new RingsideError('NOT_FOUND', READ_ONLY);
    this.checkOrigin(req, bearerToken(req) !== undefined);
    // Before identifying: with no operator configured, "sign in" would send people looking for an
    // account that cannot exist.
    if (this.mode === 'no-operators') throw new RingsideError('FORBIDDEN', NO_OPERATORS);
    // An action asks the store itself: one query, and a session ended anywhere is ended here.
    await this.sync(req, true);
    const id = this.identify(req, this.clock());
    if (id.kind === 'bad-token') throw new RingsideError('UNAUTHENTICATED', BAD_TOKEN);
    if (id.kind === 'bad-proxy-user') throw new RingsideError('UNAUTHENTICATED', BAD_PROXY_USER);
    if (id.kind === 'none') throw new RingsideError('UNAUTHENTICATED', id.hadCookie ? SESSION_ENDED : SIGN_IN);
    const { principal } = id;
    if (principal.role !== 'operator') {
      throw new RingsideError('FORBIDDEN', `${principal.name} is a viewer; only operators can ${opts.action ?? 'change a ring'}`);
    }
    if (id.kind !== 'token') {
      // A proxy principal without a session has no token to match: GET /api/auth/session makes one.
      const presented = req.headers.get(CSRF_HEADER) ?? (opts.csrfFromBody ? await opts.csrfFromBody() : undefined);
      if (id.kind !== 'session' || !presented || !sameSecret(presented, id.session.csrfToken)) {
        throw new RingsideError('FORBIDDEN', BAD_CSRF);
      }
    }
    return principal;
  }

  /** A device cookie remembered for `user`, here or (several replicas) by any replica. */
  private async knownDevice(req: Request, user: string): Promise<string | undefined> {
    // A browser holds one device cookie; a request with dozens is not asking honestly.
    const presented = cookieValues(req, DEVICE_COOKIE).slice(0, 3);
    const here = presented.find((d) => this.devices.knows(user, d));
    if (here || !this.signIns) return here;
    for (const d of presented) if (await this.signIns.knowsDevice(user, key(d)).catch(() => false)) return d;
    return undefined;
  }

  /** Refuses (429) a sign-in whose user's budget the replicas spent together: `burst` failures within `burst x refill`. */
  private async checkSharedBudget(share: SignInShare, user: string): Promise<void> {
    const { burst, refillMs } = this.throttle.budgets;
    const windowMs = burst * refillMs;
    const now = this.clock();
    const recent = await share.failures(user, now - windowMs, burst).catch(() => [] as number[]);
    if (recent.length < burst) return;
    const s = Math.max(1, Math.ceil((recent[burst - 1] + windowMs - now) / 1000));
    throw new RingsideError('RATE_LIMITED', `too many failed sign-ins; try again in ${s} s`, undefined, s);
  }

  /**
   * POST /api/auth/login: `{ user, password }` or `{ token }` in, a session cookie out. Throttled
   * per client address, per user name and per remembered browser (limiter.ts); a throttled
   * attempt is a 429 with Retry-After and costs no scrypt.
   */
  async login(req: Request, body: LoginBody): Promise<AuthReply> {
    if (this.mode === 'read-only') throw new RingsideError('NOT_FOUND', READ_ONLY);
    // Login CSRF (signing a victim's browser into the attacker's account) is a cross-site POST too.
    this.checkOrigin(req, false);
    const creds = credentialsOf(body);
    const device = creds.kind === 'password' ? await this.knownDevice(req, creds.user) : undefined;
    const attempt = { address: throttleKey(clientAddress((n) => req.headers.get(n), this.trustedProxies)), user: creds.kind === 'password' ? creds.user : undefined, device };
    this.throttle.begin(attempt);
    // Several replicas: then the user's budget as every replica spent it (after this replica's own
    // limits, so a flood from one address costs the database nothing once it is held back here).
    const shared = creds.kind === 'password' && !device && this.signIns && this.users.some((u) => u.name === creds.user) ? this.signIns : null;
    if (shared && creds.kind === 'password') {
      try {
        await this.checkSharedBudget(shared, creds.user);
      } catch (e) {
        this.throttle.cancel(attempt);
        throw e;
      }
    }
    let user: UserConfig | undefined;
    try {
      if (creds.kind === 'password') {
        const u = this.users.find((x) => x.name === creds.user);
        const ok = u?.passwordHash ? await verifyPassword(creds.password, u.passwordHash) : await dummyVerifyPassword(creds.password);
        if (ok) user = u;
      } else {
        user = this.userByToken(creds.token);
      }
    } finally {
      this.throttle.finish(attempt, user !== undefined);
    }
    if (!user && shared && creds.kind === 'password') {
      const now = this.clock();
      await shared.recordFailure(creds.user, now, now - 3_600_000).catch((e: Error) => console.warn(`[ringside] cannot share a failed sign-in with the other replicas: ${e.message}`));
    }
    if (!user) throw new RingsideError('UNAUTHENTICATED', creds.kind === 'password' ? BAD_PASSWORD : BAD_TOKEN);

    // Whatever session this browser had is replaced, so a planted cookie cannot outlive sign-in.
    for (const old of cookieValues(req, SESSION_COOKIE)) this.store.destroy(old);
    const { id, session, saved } = this.store.create(user, creds.kind, this.clock());
    try {
      await saved;
    } catch (e) {
      this.store.destroy(id);
      throw new RingsideError('UNAVAILABLE', `cannot store the session, so you are not signed in (${(e as Error).message.split('\n')[0].slice(0, 120)})`);
    }
    const cookies = [this.sessionCookie(req, id)];
    if (creds.kind === 'password' && !device) {
      const issued = this.devices.issue(user.name);
      await this.signIns?.addDevice(user.name, key(issued), this.clock(), this.devices.maxPerUser).catch((e: Error) => console.warn(`[ringside] cannot share a remembered browser with the other replicas: ${e.message}`));
      cookies.push(this.cookie(req, DEVICE_COOKIE, issued, DEVICE_MAX_AGE_S, '/api/auth'));
    }
    return {
      body: { user: { name: user.name, role: user.role }, csrfToken: session.csrfToken, expiresAt: iso(this.store.endsAt(session)) },
      setCookies: cookies,
    };
  }

  /** POST /api/auth/logout: ends this browser's session (its CSRF token required) and clears the cookie. */
  logout(req: Request): AuthReply {
    if (this.mode === 'read-only') throw new RingsideError('NOT_FOUND', READ_ONLY);
    this.checkOrigin(req, false);
    const now = this.clock();
    const ids = cookieValues(req, SESSION_COOKIE);
    const live = ids.map((id) => this.store.get(id, now)).find((s) => s !== undefined);
    if (live) {
      const presented = req.headers.get(CSRF_HEADER);
      if (!presented || !sameSecret(presented, live.csrfToken)) throw new RingsideError('FORBIDDEN', BAD_CSRF);
    }
    for (const id of ids) this.store.destroy(id);
    return { body: { user: null }, setCookies: [this.clearCookie(req)] };
  }

  /**
   * GET /api/auth/session: the mode, who is signed in, and the CSRF token the page sends with
   * actions. A proxy-named user without a session gets one here, so the browser has a token.
   */
  /**
   * What the session route would say, without its side effects (no session made for a proxy
   * user, no cookie cleared): for a page's first paint, rendered before the browser asks. A proxy
   * user without a session yet gets no CSRF token here; the browser then asks the session route.
   */
  view(req: RequestHeaders): Record<string, unknown> {
    const base = { mode: this.mode, methods: this.methods, anonymous: this.anonymousReads ? 'viewer' : 'none' };
    if (this.mode === 'read-only') return { ...base, user: null };
    const id = this.identify(req, this.clock());
    switch (id.kind) {
      case 'token':
      case 'proxy':
        return { ...base, user: id.principal };
      case 'session':
        return { ...base, user: id.principal, csrfToken: id.session.csrfToken, expiresAt: iso(this.store.endsAt(id.session)) };
      default:
        return { ...base, user: null };
    }
  }

  session(req: Request): AuthReply {
    const base = { mode: this.mode, methods: this.methods, anonymous: this.anonymousReads ? 'viewer' : 'none' };
    if (this.mode === 'read-only') return { body: { ...base, user: null } };
    const now = this.clock();
    const id = this.identify(req, now);
    switch (id.kind) {
      case 'bad-token':
        throw new RingsideError('UNAUTHENTICATED', BAD_TOKEN);
      case 'bad-proxy-user':
        throw new RingsideError('UNAUTHENTICATED', BAD_PROXY_USER);
      case 'token':
        return { body: { ...base, user: id.principal } };
      case 'session':
        return { body: { ...base, user: id.principal, csrfToken: id.session.csrfToken, expiresAt: iso(this.store.endsAt(id.session)) } };
      case 'proxy': {
        for (const old of cookieValues(req, SESSION_COOKIE)) this.store.destroy(old);
        const { id: sid, session, saved } = this.store.create(id.principal, 'proxy', now);
        this.track(saved);
        return {
          body: { ...base, user: id.principal, csrfToken: session.csrfToken, expiresAt: iso(this.store.endsAt(session)) },
          setCookies: [this.sessionCookie(req, sid)],
        };
      }
      case 'none':
        return { body: { ...base, user: null }, ...(id.hadCookie ? { setCookies: [this.clearCookie(req)] } : {}) };
    }
  }

  /**
   * Bearer token, else session cookie, else the proxy's user header. A wrong bearer token never
   * falls back to the cookie: a script with a revoked token must fail, not borrow a browser's session.
   */
  private identify(req: RequestHeaders, now: number): Identity {
    const bearer = bearerToken(req);
    if (bearer !== undefined) {
      const user = bearer ? this.userByToken(bearer) : undefined;
      return user ? { kind: 'token', principal: { name: user.name, role: user.role, via: 'token' } } : { kind: 'bad-token' };
    }
    const proxyUser = this.proxyUser(req);
    if (proxyUser === null) return { kind: 'bad-proxy-user' };
    const ids = cookieValues(req, SESSION_COOKIE);
    for (const sid of ids) {
      const s = this.store.get(sid, now);
      // A proxy session belongs to whoever the proxy names now: if someone else signed in to the
      // proxy in this browser, the old session is not theirs.
      if (s && !(s.via === 'proxy' && proxyUser !== undefined && proxyUser !== s.user)) {
        return { kind: 'session', principal: { name: s.user, role: s.role, via: s.via }, session: s };
      }
    }
    if (proxyUser !== undefined) {
      const role: Role = this.proxy!.operators.includes(proxyUser) ? 'operator' : 'viewer';
      return { kind: 'proxy', principal: { name: proxyUser, role, via: 'proxy' } };
    }
    return { kind: 'none', hadCookie: ids.length > 0 };
  }

  private userByToken(token: string): UserConfig | undefined {
    return this.users.find((u) => u.tokenHash !== undefined && verifyToken(token, u.tokenHash));
  }

  /**
   * The user the reverse proxy names: only from a trusted proxy's socket (the edge also drops
   * the header from anyone else), exactly one name. Undefined: no proxy user; null: a malformed
   * header, refused rather than guessed at (`alice, mallory` is two users, not one).
   */
  private proxyUser(req: RequestHeaders): string | undefined | null {
    if (!this.proxy?.userHeader || !viaTrustedProxy((n) => req.headers.get(n), this.trustedProxies)) return undefined;
    const raw = req.headers.get(this.proxy.userHeader);
    if (raw === null) return undefined;
    const name = raw.trim();
    return /^[A-Za-z0-9._@+-]{1,256}$/.test(name) ? name : null;
  }

  /**
   * Refuses requests a browser sent on behalf of another site: `Sec-Fetch-Site: cross-site`, or an
   * Origin that is neither Ringside's own nor in `auth.allowedOrigins`. Browsers send Origin with
   * every POST, so a missing one means a script, which must then carry a bearer token.
   */
  private checkOrigin(req: Request, hasBearer: boolean): void {
    if (req.headers.get('sec-fetch-site') === 'cross-site') throw new RingsideError('FORBIDDEN', CROSS_ORIGIN);
    const origin = req.headers.get('origin');
    if (origin === null) {
      if (hasBearer) return;
      throw new RingsideError('FORBIDDEN', `${CROSS_ORIGIN}: it has no Origin header (scripts use Authorization: Bearer <token>)`);
    }
    const own = this.ownOrigin(req);
    const given = normalizeOrigin(origin);
    if (given && (given === own || this.allowedOrigins.includes(given))) return;
    throw new RingsideError(
      'FORBIDDEN',
      `${CROSS_ORIGIN}: Origin ${JSON.stringify(origin.slice(0, 200))} is neither this Ringside's (${own ?? 'unknown'}) nor in auth.allowedOrigins`,
    );
  }

  /**
   * The origin the browser used to reach Ringside: the Host header and protocol, or what the
   * reverse proxy forwarded when one is configured (without one, X-Forwarded-* are anyone's to send).
   */
  private ownOrigin(req: Request): string | undefined {
    const url = new URL(req.url);
    let proto = url.protocol.slice(0, -1);
    let host = req.headers.get('host') ?? url.host;
    if (viaTrustedProxy((n) => req.headers.get(n), this.trustedProxies)) {
      const fproto = firstValue(req.headers.get('x-forwarded-proto'));
      if (fproto === 'http' || fproto === 'https') proto = fproto;
      host = firstValue(req.headers.get('x-forwarded-host')) || host;
    }
    return normalizeOrigin(`${proto}://${host}`);
  }

  private isHttps(req: Request): boolean {
    return this.ownOrigin(req)?.startsWith('https:') ?? false;
  }

  private sessionCookie(req: Request, id: string): string {
    return this.cookie(req, SESSION_COOKIE, id, Math.floor(this.store.maxMs / 1000));
  }

  private clearCookie(req: Request): string {
    return this.cookie(req, SESSION_COOKIE, '', 0);
  }

  private cookie(req: Request, name: string, value: string, maxAgeS: number, path = '/'): string {
    return `${name}=${value}; HttpOnly; SameSite=Strict; Path=${path}; Max-Age=${maxAgeS}${this.isHttps(req) ? '; Secure' : ''}`;
  }
}

type Credentials = { kind: 'password'; user: string; password: string } | { kind: 'token'; token: string };

/** The sign-in body as the API contract shaped it (types and lengths checked there). */
export interface LoginBody {
  user?: string;
  password?: string;
  token?: string;
}

/** Which way of signing in the body chose. Messages name the field and never echo a value. */
function credentialsOf(b: LoginBody): Credentials {
  const invalid = (field: string, message: string) => new RingsideError('INVALID', `${field}: ${message}`, field);
  if (b.token !== undefined) {
    if (b.user !== undefined || b.password !== undefined) throw invalid('body', 'give { user, password } or { token }, not both');
    return { kind: 'token', token: b.token };
  }
  if (b.user === undefined) throw invalid('user', 'expected a user name (a non-empty string)');
  if (b.password === undefined) throw invalid('password', 'expected a non-empty string of at most 1024 characters');
  return { kind: 'password', user: b.user, password: b.password };
}

/** `Authorization: Bearer <token>`: the token, '' when the scheme is Bearer but the token is malformed, else undefined. */
function bearerToken(req: RequestHeaders): string | undefined {
  const h = req.headers.get('authorization');
  if (!h || !/^bearer(\s|$)/i.test(h)) return undefined; // Basic etc. may be a proxy's business
  return /^bearer\s+([A-Za-z0-9._~+/=-]{1,1024})\s*$/i.exec(h)?.[1] ?? '';
}

/** Every value of a cookie (a sibling site may have planted a second one). */
function cookieValues(req: RequestHeaders, cookie: string): string[] {
  const header = req.headers.get('cookie');
  if (!header) return [];
  const values: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== cookie) continue;
    const v = part.slice(eq + 1).trim();
    if (v && v.length <= 256) values.push(v);
  }
  return values;
}

function firstValue(h: string | null): string | undefined {
  return h?.split(',')[0]?.trim().toLowerCase() || undefined;
}

function normalizeOrigin(s: string): string | undefined {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host && u.pathname === '/' && !u.search && !u.username ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
