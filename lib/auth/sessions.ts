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
  /** The most sessions held; beyond it the oldest goes. */
  maxSessions?: number;
  clock?: () => number;
}

/**
 * Sessions live in memory, on purpose: signing out really ends a session (a signed cookie would
 * stay valid until it expired, whoever copied it), and a restart signs everyone out, which is the
 * right default for a tool that can remove etcd members. One Ringside process serves a ring, so
 * there is no second process to share them with.
 *
 * Keyed by the SHA-256 of the session id: the id itself lives only in the browser's cookie, so
 * neither a heap dump nor a stray debug print of this map yields a usable session.
 */
export class SessionStore {
  readonly idleMs: number;
  readonly maxMs: number;
  readonly maxSessions: number;
  private readonly clock: () => number;
  /** Insertion order is creation order, so the first key is the oldest session. */
  private readonly sessions = new Map<string, Session>();

  constructor(opts: SessionStoreOptions) {
    this.idleMs = opts.idleMs;
    this.maxMs = opts.maxMs;
    this.maxSessions = opts.maxSessions ?? 10_000;
    this.clock = opts.clock ?? Date.now;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** A new session; `id` goes into the cookie and is not kept here. */
  create(user: { name: string; role: Role }, via: SignInMethod, now = this.clock()): { id: string; session: Session } {
    if (this.sessions.size >= this.maxSessions) this.prune(now);
    while (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const id = generateToken();
    const session: Session = { user: user.name, role: user.role, via, csrfToken: generateToken(), createdAt: now, lastSeenAt: now };
    this.sessions.set(key(id), session);
    return { id, session };
  }

  /** The live session of this id, marked as seen now; an expired one is dropped. */
  get(id: string, now = this.clock()): Session | undefined {
    const k = key(id);
    const session = this.sessions.get(k);
    if (!session) return undefined;
    if (now >= this.expiresAt(session)) {
      this.sessions.delete(k);
      return undefined;
    }
    session.lastSeenAt = Math.max(session.lastSeenAt, now);
    return session;
  }

  destroy(id: string): void {
    this.sessions.delete(key(id));
  }

  /** When the session ends if nothing else happens: the sooner of its idle and absolute ends. */
  expiresAt(session: Session): number {
    return Math.min(session.lastSeenAt + this.idleMs, session.createdAt + this.maxMs);
  }

  /** Its absolute end, which no activity moves. */
  endsAt(session: Session): number {
    return session.createdAt + this.maxMs;
  }

  private prune(now: number): void {
    for (const [k, s] of this.sessions) if (now >= this.expiresAt(s)) this.sessions.delete(k);
  }
}

function key(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}
