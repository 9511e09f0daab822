/** Where a followed stream stands; a page shows its data as live only while `live` and fresh. */
export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

export interface FollowOptions {
  /** Handlers by SSE event name, given the parsed JSON data. */
  on: Record<string, (data: unknown) => void>;
  /** The event whose arrival proves the stream alive (sent after every poll). */
  heartbeat: string;
  /** How long without a heartbeat before the stream counts as dead, read on every check. */
  staleAfterMs: () => number;
  onStatus: (status: StreamStatus) => void;
  /** Each heartbeat's arrival time. */
  onHeartbeat?: (at: number) => void;
  /** The connection opened; `reconnected` after a drop (what was missed meanwhile may need a refetch). */
  onOpen?: (reconnected: boolean) => void;
}

/**
 * Follows a Server-Sent Events stream in the browser: reconnects by itself with backoff (0.5 s
 * doubling to 5 s), and treats a silent stream as dead, dropping and reopening it, so a page never
 * shows old data as live. Returns the cleanup for a React effect.
 */
export function followStream(url: string, o: FollowOptions): () => void {
  let source: EventSource | null = null;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let attempts = 0;
  let lastAt = Date.now();
  let closed = false;

  const connect = () => {
    if (closed) return;
    source = new EventSource(url);
    lastAt = Date.now();
    source.onopen = () => {
      o.onOpen?.(attempts > 0);
      attempts = 0;
      o.onStatus('live');
    };
    for (const [event, handle] of Object.entries(o.on)) {
      source.addEventListener(event, (e) => {
        if (event === o.heartbeat) {
          lastAt = Date.now();
          o.onHeartbeat?.(lastAt);
          o.onStatus('live');
        }
        // One bad message (a panel's data it cannot read) must not end the stream every other
        // panel lives on: it is reported and skipped.
        try {
          handle(JSON.parse((e as MessageEvent<string>).data));
        } catch (err) {
          console.error(`[ringside] a ${event} message from ${url} could not be used:`, err);
        }
      });
    }
    source.onerror = () => reconnect();
  };

  const reconnect = () => {
    source?.close();
    source = null;
    if (closed) return;
    o.onStatus('reconnecting');
    clearTimeout(retry);
    retry = setTimeout(connect, Math.min(5000, 500 * 2 ** attempts++));
  };

  const watchdog = setInterval(() => {
    if (source && Date.now() - lastAt > o.staleAfterMs()) reconnect();
  }, 250);

  connect();
  return () => {
    closed = true;
    clearInterval(watchdog);
    clearTimeout(retry);
    source?.close();
  };
}
