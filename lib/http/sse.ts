import 'server-only';
import type { LogLine } from '../logs/types';
import type { ClusterMonitor, MonitorMessage } from '../monitor/cluster-monitor';
import type { Operation } from '../ops/types';
import { summarizeCluster } from '../ring/summary';

const encoder = new TextEncoder();

type Send = (event: string, data: unknown, id?: string) => void;

/**
 * A Server-Sent Events response. Headers leave with the first chunk, so a `retry:` line is sent
 * at once; a comment every 15 s keeps proxies from closing an idle stream. `start` subscribes
 * and returns its own cleanup, run when the browser goes away.
 */
function eventStream(signal: AbortSignal, start: (send: Send) => () => void): Response {
  let cleanup = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          cleanup();
        }
      };
      write('retry: 2000\n\n');
      const unsubscribe = start((event, data, id) => write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
      const keepalive = setInterval(() => write(': keepalive\n\n'), 15_000);
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
      };
      signal.addEventListener('abort', onAbort);
    },
    cancel() {
      cleanup();
    },
  });
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
 * guided operation moves from step to step (without server paths unless an operator asked).
 */
export function ringStream(monitor: ClusterMonitor, signal: AbortSignal, forRequester: (op: Operation) => Operation): Response {
  return eventStream(signal, (send) => {
    if (monitor.ring) send('ring', monitor.ring);
    if (monitor.hashCheck) send('hashkv', monitor.hashCheck);
    send('alerts', monitor.alerts());
    return monitor.subscribe((msg: MonitorMessage) => {
      if (msg.type === 'ring') send('ring', msg.ring);
      else if (msg.type === 'hashkv') send('hashkv', msg.check);
      else if (msg.type === 'alerts') send('alerts', msg.alerts);
      else if (msg.type === 'ring-event') send('ring-event', msg.event, msg.event.id);
      else if (msg.type === 'operation') send('operation', forRequester(msg.operation));
    });
  });
}

/** One cluster's log lines as they arrive (`log`), filtered like the logs query. */
export function logStream(monitor: ClusterMonitor, filter: (line: LogLine) => boolean, signal: AbortSignal): Response {
  return eventStream(signal, (send) =>
    monitor.subscribe((msg) => {
      if (msg.type === 'log' && filter(msg.line)) send('log', msg.line);
    }),
  );
}

/**
 * Every cluster at once, for the wall screen: a `fleet` message with every cluster's summary,
 * at most twice a second and only after a poll, an alert or a HashKV check changed something.
 * A fleet whose pollers stall sends nothing, and the screen says DATA STALE.
 */
export function fleetStream(monitors: ClusterMonitor[], signal: AbortSignal): Response {
  return eventStream(signal, (send) => {
    const snapshot = () => ({ at: new Date().toISOString(), clusters: monitors.map((m) => summarizeCluster(m.cluster, m.ring, m.alerts(), m.hashCheck)) });
    send('fleet', snapshot());
    let dirty = false;
    const offs = monitors.map((m) =>
      m.subscribe((msg) => {
        if (msg.type === 'ring' || msg.type === 'alerts' || msg.type === 'hashkv') dirty = true;
      }),
    );
    const timer = setInterval(() => {
      if (!dirty) return;
      dirty = false;
      send('fleet', snapshot());
    }, 500);
    return () => {
      clearInterval(timer);
      for (const off of offs) off();
    };
  });
}
