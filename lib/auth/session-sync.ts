import 'server-only';
import type { SessionShare, StoredSession } from '../store/types';
import { key, type Session, type SessionMirror, type SessionStore } from './sessions';

/**
 * Shares one replica's sessions with the others through the store: a new session is written
 * before sign-in answers, a sign-out deletes it, and every replica hears of both at once (LISTEN/
 * NOTIFY). A cookie this replica has not heard of yet is looked up before it is refused, so
 * signing in on one replica and acting on another never races the notification. Last-seen times
 * go to the store in batches (idle expiry counts activity on every replica).
 */
export class SessionSync implements SessionMirror {
  private readonly touched = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private lastPrune = 0;

  constructor(
    private readonly share: SessionShare,
    private readonly store: SessionStore,
    private readonly warn: (line: string) => void = (l) => console.warn(l),
  ) {
    store.mirror = this;
  }

  async start(): Promise<void> {
    await this.reload();
    // An empty key: the listener was reconnected and may have missed notes; read everything again.
    this.unlisten = await this.share.listen((k) => void (k ? this.refresh(k) : this.reload().catch((e: Error) => this.warn(`[ringside] cannot read the sessions from the store: ${e.message}`))));
    this.timer = setInterval(() => void this.flush(), 5000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
    await this.unlisten?.();
    this.unlisten = null;
  }

  private async reload(): Promise<void> {
    for (const s of await this.share.all()) this.store.adopt(s.key, sessionOf(s));
  }

  created(k: string, s: Session): Promise<void> {
    return this.share.put({ key: k, user: s.user, role: s.role, via: s.via, csrfToken: s.csrfToken, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt });
  }

  removed(k: string): void {
    this.share.remove(k).catch((e: Error) => this.warn(`[ringside] cannot end a session in the store: ${e.message}`));
  }

  seen(k: string, at: number): void {
    this.touched.set(k, at);
  }

  /**
   * Before identifying a request: the sessions its cookies name that this replica has not heard
   * of yet; with `fresh` (an action) every one of them, so a sign-out on another replica a moment
   * ago counts here even before its notification arrives.
   */
  async ensure(ids: readonly string[], fresh = false): Promise<void> {
    await Promise.all(ids.map((id) => key(id)).filter((k) => fresh || !this.store.hasKey(k)).map((k) => this.refresh(k)));
  }

  private async refresh(k: string): Promise<void> {
    try {
      const s = await this.share.get(k);
      if (s) this.store.adopt(k, sessionOf(s));
      else this.store.forget(k);
    } catch (e) {
      this.warn(`[ringside] cannot read a session from the store: ${(e as Error).message}`);
    }
  }

  private async flush(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune > 10 * 60_000) {
      this.lastPrune = now;
      // Ended sessions leave the table too (any replica may do it; the rule is the same everywhere).
      await this.share.prune(now - this.store.idleMs, now - this.store.maxMs).catch((e: Error) => this.warn(`[ringside] cannot prune the sessions: ${e.message}`));
    }
    if (!this.touched.size) return;
    const batch = new Map(this.touched);
    this.touched.clear();
    await this.share.touch(batch).catch((e: Error) => this.warn(`[ringside] cannot store the sessions' last-seen times: ${e.message}`));
  }
}

function sessionOf(s: StoredSession): Session {
  return { user: s.user, role: s.role, via: s.via, csrfToken: s.csrfToken, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt };
}
