import 'server-only';
import { createHash } from 'node:crypto';
import type { Role } from '../config/types';
import { generateToken } from './password';

export type SignInMethod = 'password' | 'token' | 'proxy';

export interface Session {
  user: string;
  role: Role;
  via: SignInMethod;
  /** Sent back by the browser with every action (header x-ringside-csrf); handed out by /api/auth/session. */
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionStoreOptions {
  /** A session ends after this long without a request... */
  idleMs: number;
  /** ...and this long after sign-in, whatever happens. */
  maxMs: number;
  /** The most sessions held in all; beyond it the oldest viewer session goes (an operator's only when no viewer has one). */
  maxSessions?: number;
  /** The most sessions one user holds; their own oldest goes first. */
  maxPerUser?: number;
  clock?: () => number;
}

/** Told of every change, to share sessions with other replicas (lib/auth/session-sync.ts). */
export interface SessionMirror {
  created(key: string, session: Session): Promise<void>;
  removed(key: string): void;
  seen(key: string, at: number): void;
}

/**
 * Sessions live in memory, on purpose: signing out really ends a session (a signed cookie would
 * stay valid until it expired, whoever copied it), and with files a restart signs everyone out,
 * which is the right default for a tool that can remove etcd members. With several replicas on
 * PostgreSQL (`store.postgres`) a `mirror` copies every session to the store and back, so a
 * session works on every replica and survives a restart; signing out still ends it everywhere.
 *
 * Keyed by the SHA-256 of the session id: the id itself lives only in the browser's cookie, so
 * neither a heap dump, a stray debug print of this map, nor the database yields a usable session.
 */
export class SessionStore {
  readonly idleMs: number;
  readonly maxMs: number;
  readonly maxSessions: number;
  readonly maxPerUser: number;
  private readonly clock: () => number;
  /** Insertion order is creation order, so the first key is the oldest session. */
  private readonly sessions = new Map<string, Session>();
  /** Each user's session keys, oldest first: a user's cap is enforced without a scan. */
  private readonly byUser = new Map<string, Set<string>>();
  /** Viewer sessions, oldest first: what a full store evicts, so viewers can never push operators out. */
  private readonly viewers = new Set<string>();
  /** Several replicas: every change goes to the shared store too. */
  mirror: SessionMirror | null = null;

  constructor(opts: SessionStoreOptions) {
    this.idleMs = opts.idleMs;
    this.maxMs = opts.maxMs;
    this.maxSessions = opts.maxSessions ?? 10_000;
    this.maxPerUser = opts.maxPerUser ?? 10;
    this.clock = opts.clock ?? Date.now;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** A new session; `id` goes into the cookie and is not kept here. `saved`: it is in the shared store too. */
  create(user: { name: string; role: Role }, via: SignInMethod, now = this.clock()): { id: string; session: Session; saved: Promise<void> } {
    const own = this.byUser.get(user.name);
    while (own && own.size >= this.maxPerUser) this.remove(own.values().next().value!);
    if (this.sessions.size >= this.maxSessions) this.prune(now);
    while (this.sessions.size >= this.maxSessions) {
      const victim = this.viewers.values().next().value ?? this.sessions.keys().next().value;
      if (victim === undefined) break;
      this.remove(victim);
    }
    const id = generateToken();
    const session: Session = { user: user.name, role: user.role, via, csrfToken: generateToken(), createdAt: now, lastSeenAt: now };
    const k = key(id);
    this.insert(k, session);
    return { id, session, saved: this.mirror?.created(k, session) ?? Promise.resolve() };
  }

  private insert(k: string, session: Session): void {
    this.sessions.set(k, session);
    let set = this.byUser.get(session.user);
    if (!set) this.byUser.set(session.user, (set = new Set()));
    set.add(k);
    if (session.role !== 'operator') this.viewers.add(k);
  }

  /** A session another replica made or saw (by its key): added, or its last-seen time moved on. */
  adopt(k: string, session: Session): void {
    const held = this.sessions.get(k);
    if (held) held.lastSeenAt = Math.max(held.lastSeenAt, session.lastSeenAt);
    else this.insert(k, { ...session });
  }

  /** A session another replica ended. */
  forget(k: string): void {
    this.remove(k, false);
  }

  hasKey(k: string): boolean {
    return this.sessions.has(k);
  }

  /** The live session of this id, marked as seen now; an expired one is dropped. */
  get(id: string, now = this.clock()): Session | undefined {
    const k = key(id);
    const session = this.sessions.get(k);
    if (!session) return undefined;
    if (now >= this.expiresAt(session)) {
      this.remove(k);
      return undefined;
    }
    session.lastSeenAt = Math.max(session.lastSeenAt, now);
    this.mirror?.seen(k, session.lastSeenAt);
    return session;
  }

  destroy(id: string): void {
    this.remove(key(id));
  }

  /** When the session ends if nothing else happens: the sooner of its idle and absolute ends. */
  expiresAt(session: Session): number {
    return Math.min(session.lastSeenAt + this.idleMs, session.createdAt + this.maxMs);
  }

  /** Its absolute end, which no activity moves. */
  endsAt(session: Session): number {
    return session.createdAt + this.maxMs;
  }

  private remove(k: string, shared = true): void {
    const s = this.sessions.get(k);
    if (!s) return;
    if (shared) this.mirror?.removed(k);
    this.sessions.delete(k);
    this.viewers.delete(k);
    const set = this.byUser.get(s.user);
    set?.delete(k);
    if (set && set.size === 0) this.byUser.delete(s.user);
  }

  private prune(now: number): void {
    for (const [k, s] of this.sessions) if (now >= this.expiresAt(s)) this.remove(k);
  }
}

/**
 * Browsers where a user has signed in before, by a random id in a long-lived HttpOnly cookie:
 * such a browser is not held to the user's shared sign-in budget (see limiter.ts), so a stranger
 * spending that budget cannot keep the user out at their own desk. In memory, like sessions.
 */
export class DeviceStore {
  private readonly devices = new Map<string, Set<string>>();

  constructor(readonly maxPerUser = 20) {}

  /** A new device id for `user`; their oldest is forgotten past the cap. */
  issue(user: string): string {
    const id = generateToken();
    let set = this.devices.get(user);
    if (!set) this.devices.set(user, (set = new Set()));
    set.add(key(id));
    while (set.size > this.maxPerUser) set.delete(set.values().next().value!);
    return id;
  }

  /** Whether `id` was issued to `user`. */
  knows(user: string, id: string): boolean {
    return this.devices.get(user)?.has(key(id)) ?? false;
  }
}

/** The key a session is kept under: the SHA-256 of its id. */
export function key(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}
