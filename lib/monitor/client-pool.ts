import 'server-only';
import type { TlsMaterial } from '../config/types';
import { MemberClient } from '../etcd/client';
import type { RingState } from '../ring/types';

export type ClientFactory = (endpoint: string, tls: TlsMaterial | undefined, timeoutMs: number) => MemberClient;

/**
 * One warm etcd client per member endpoint (never one per request), closed when the member
 * leaves the ring. Configured endpoints stay: they are how the ring is found again.
 */
export class MemberClientPool {
  private readonly clients = new Map<string, MemberClient>();

  constructor(
    private readonly tls: TlsMaterial | undefined,
    private readonly timeoutMs: number,
    private readonly seeds: readonly string[],
    private readonly factory: ClientFactory = (e, tls, t) => new MemberClient(e, tls, t),
  ) {}

  get(endpoint: string): MemberClient {
    let c = this.clients.get(endpoint);
    if (!c) {
      c = this.factory(endpoint, this.tls, this.timeoutMs);
      this.clients.set(endpoint, c);
    }
    return c;
  }

  /** Closes clients of members that left the ring. */
  sync(state: RingState): void {
    if (!state.membersKnown) return;
    const keep = new Set([...this.seeds, ...state.members.flatMap((m) => m.clientURLs)]);
    for (const [url, c] of this.clients) {
      if (!keep.has(url)) {
        c.close();
        this.clients.delete(url);
      }
    }
  }

  closeAll(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
