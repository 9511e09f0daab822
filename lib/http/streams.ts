import { RingsideError } from '../errors';

/**
 * Live streams held open at once: a cap in total and per client address, so one client (or a
 * script gone wrong) cannot hold every socket and the memory behind it. A refused stream is a
 * 429 with Retry-After; browsers' EventSource and our follower retry by themselves.
 */
export class StreamLimiter {
  private total = 0;
  private readonly byClient = new Map<string, number>();

  constructor(
    readonly max: number,
    readonly maxPerClient: number,
  ) {}

  get open(): number {
    return this.total;
  }

  /** Takes a slot for `client`, or throws RATE_LIMITED; the returned function gives it back (once). */
  acquire(client: string): () => void {
    const mine = this.byClient.get(client) ?? 0;
    if (this.total >= this.max) throw new RingsideError('RATE_LIMITED', `too many live streams are open (${this.max}); try again shortly`, undefined, 5);
    if (mine >= this.maxPerClient) {
      throw new RingsideError('RATE_LIMITED', `this client has ${mine} live streams open, the most allowed (http.maxStreamsPerClient); close some tabs`, undefined, 5);
    }
    this.total++;
    this.byClient.set(client, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const n = (this.byClient.get(client) ?? 1) - 1;
      if (n > 0) this.byClient.set(client, n);
      else this.byClient.delete(client);
    };
  }
}
