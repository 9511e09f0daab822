import 'server-only';
import type { LogLine } from '../logs/types';
import type { ClusterMonitor, MonitorMessage } from '../monitor/cluster-monitor';
import type { Operation } from '../ops/types';
import { summarizeCluster } from '../ring/summary';
import type { StreamLimiter } from './streams';

const encoder = new TextEncoder();

type Send = (event: string, data: unknown, id?: string) => void;

/**
 * Frames already serialised, by the object they carry and their event. Every subscriber of a
 * cluster receives the same message object from the bus, so 200 viewers of one ring cost one
 * JSON.stringify and one buffer per poll, not 200 (a 5-member ring state is about 6 kB). Weak:
 * a frame lives as long as its message does.
 */
const frames = new WeakMap<object, Map<string, Uint8Array>>();

/** One SSE frame (`id:`, `event:`, `data:`), serialised once per message object and event. */
export function frameOf(event: string, data: unknown, id?: string): Uint8Array {
  const encode = () => encoder.encode(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  if (typeof data !== 'object' || data === null) return encode();
  let byEvent = frames.get(data);
  if (!byEvent) frames.set(data, (byEvent = new Map()));
  const key = id ? `${event}\n${id}` : event;
  let frame = byEvent.get(key);
  if (!frame) byEvent.set(key, (frame = encode()));
  return frame;
}

const RETRY = encoder.encode('retry: 2000\n\n');
const KEEPALIVE = encoder.encode(': keepalive\n\n');

/** What a stream may queue for a client that is not reading; past it the client is dropped. */
export const STREAM_BUFFER_BYTES = 1 << 20;

/** The process's stream slots and how a request names its client. */
export interface StreamAdmission {
  limiter: StreamLimiter;
  clientOf(req: Request): string;
}

/**
 * A Server-Sent Events response. Headers leave with the first chunk, so a `retry:` line is sent
 * at once; a comment every 15 s keeps proxies from closing an idle stream. `start` subscribes
 * and returns its own cleanup, run when the browser goes away.
 *
 * Backpressure: Next stops pulling when the socket's buffers are full, so what a stalled client
 * has not taken queues here. Past STREAM_BUFFER_BYTES the stream is ended, its slot freed: the
 * client reconnects and resyncs from a fresh snapshot, and a client that never reads costs at
 * most that much. The slot (admission) is taken before the response exists, so a refusal is a 429.
 */
function eventStream(req: Request, admission: StreamAdmission, start: (send: Send) => () => void): Response {
  const release = admission.limiter.acquire(admission.clientOf(req));
  const signal = req.signal;
  let cleanup = () => {};
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const write = (chunk: Uint8Array) => {
          if ((controller.desiredSize ?? 0) < -STREAM_BUFFER_BYTES) {
            cleanup();
            try {
              controller.error(new Error('the client stopped reading'));
            } catch {
              // already closed
            }
            return;
          }
          try {
            controller.enqueue(chunk);
          } catch {
            cleanup();
          }
        };
        write(RETRY);
        const unsubscribe = start((event, data, id) => write(frameOf(event, data, id)));
        const keepalive = setInterval(() => write(KEEPALIVE), 15_000);
        const onAbort = () => {
          cleanup();
          try {
            controller.close();
          } catch {
            // already closed
          }
        };
        cleanup = () => {
          unsubscribe();
          clearInterval(keepalive);
          signal.removeEventListener('abort', onAbort);
          release();
        };
        signal.addEventListener('abort', onAbort);
      },
      cancel() {
        cleanup();
      },
    },
    { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
  );
  return new Response(stream, {
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    },
  });
}

/**
 * One cluster: `ring` after every poll, `ring-event` per derived event, `hashkv` per agreement
 * check, `alerts` (the whole pending and firing list) whenever it changes, `operation` as a
 * guided operation moves from step to step (without server paths unless an operator asked),
 * `backups` (freshness and the last drill) on connect and whenever it changes.
 */
export function ringStream(monitor: ClusterMonitor, req: Request, admission: StreamAdmission, forRequester: (op: Operation) => Operation = (op) => op): Response {
  return eventStream(req, admission, (send) => {
    if (monitor.ring) send('ring', monitor.ring);
    if (monitor.hashCheck) send('hashkv', monitor.hashCheck);
    send('alerts', monitor.alerts());
    send('backups', monitor.backups);
    return monitor.subscribe((msg: MonitorMessage) => {
      if (msg.type === 'ring') send('ring', msg.ring);
      else if (msg.type === 'hashkv') send('hashkv', msg.check);
      else if (msg.type === 'alerts') send('alerts', msg.alerts);
      else if (msg.type === 'ring-event') send('ring-event', msg.event, msg.event.id);
      else if (msg.type === 'operation') send('operation', forRequester(msg.operation));
      else if (msg.type === 'backups') send('backups', msg.status);
    });
  });
}

/** One tick object per ring state, so every log viewer's tick shares its frame too. */
const ticks = new WeakMap<object, { at: string }>();
function tickOf(ring: { at: string }): { at: string } {
  let tick = ticks.get(ring);
  if (!tick) ticks.set(ring, (tick = { at: ring.at }));
  return tick;
}

/**
 * One cluster's log lines as they arrive (`log`), filtered like the logs query, and a `tick` after
 * every poll: lines can be quiet for hours, and the tick is how the browser tells a quiet stream
 * from a dead one.
 */
export function logStream(monitor: ClusterMonitor, filter: (line: LogLine) => boolean, req: Request, admission: StreamAdmission): Response {
  return eventStream(req, admission, (send) =>
    monitor.subscribe((msg) => {
      if (msg.type === 'log' && filter(msg.line)) send('log', msg.line);
      else if (msg.type === 'ring') send('tick', tickOf(msg.ring));
    }),
  );
}

/**
 * Every cluster's summary, computed once for every wall screen watching: at most twice a second
 * and only after a poll, an alert, a HashKV check or a backup changed something. It listens to
 * the monitors only while someone watches. With 200 clusters a summary pass is the costly part,
 * and one screen per viewer must not multiply it.
 */
class FleetFeed {
  private readonly viewers = new Set<(snapshot: FleetSnapshot) => void>();
  private offs: (() => void)[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private dirty = false;
  private latest: FleetSnapshot | null = null;

  constructor(private readonly monitors: ReadonlyMap<string, ClusterMonitor>) {}

  /**
   * The latest snapshot at once (at most half a second old: a change since reaches every viewer,
   * this one too, at the next tick), then every change.
   */
  subscribe(fn: (snapshot: FleetSnapshot) => void): () => void {
    if (this.viewers.size === 0) this.open();
    this.viewers.add(fn);
    if (!this.latest) this.refresh();
    fn(this.latest!);
    return () => {
      this.viewers.delete(fn);
      if (this.viewers.size === 0) this.close();
    };
  }

  private refresh() {
    this.dirty = false;
    const monitors = [...this.monitors.values()];
    this.latest = { at: new Date().toISOString(), clusters: monitors.map((m) => summarizeCluster(m.cluster, m.ring, m.alerts(), m.hashCheck, m.backups)) };
  }

  private open() {
    this.dirty = true;
    this.offs = [...this.monitors.values()].map((m) =>
      m.subscribe((msg) => {
        if (msg.type === 'ring' || msg.type === 'alerts' || msg.type === 'hashkv' || msg.type === 'backups') this.dirty = true;
      }),
    );
    this.timer = setInterval(() => {
      if (!this.dirty) return;
      this.refresh();
      for (const fn of this.viewers) fn(this.latest!);
    }, 500);
  }

  private close() {
    if (this.timer) clearInterval(this.timer);
    for (const off of this.offs) off();
    this.offs = [];
    this.timer = null;
    this.latest = null;
  }
}

/** What the wall screen receives: every cluster's summary at one moment. */
interface FleetSnapshot {
  at: string;
  clusters: ReturnType<typeof summarizeCluster>[];
}

/** One feed per set of monitors (the process has one); weak, so a test's monitors go with it. */
const feeds = new WeakMap<ReadonlyMap<string, ClusterMonitor>, FleetFeed>();

/**
 * Every cluster at once, for the wall screen: a `fleet` message with every cluster's summary,
 * at most twice a second and only after something changed, the same snapshot and the same bytes
 * for every viewer. A fleet whose pollers stall sends nothing, and the screen says DATA STALE.
 */
export function fleetStream(monitors: ReadonlyMap<string, ClusterMonitor>, req: Request, admission: StreamAdmission): Response {
  let feed = feeds.get(monitors);
  if (!feed) feeds.set(monitors, (feed = new FleetFeed(monitors)));
  const shared = feed;
  return eventStream(req, admission, (send) => shared.subscribe((snapshot) => send('fleet', snapshot)));
}
