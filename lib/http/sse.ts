import 'server-only';
import type { ClusterMonitor, MonitorMessage } from '../monitor/cluster-monitor';

const encoder = new TextEncoder();

function frame(event: string, data: unknown, id?: string): Uint8Array {
  return encoder.encode(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * A Server-Sent Events response that follows one cluster: `ring` after every poll,
 * `ring-event` for each derived event and `hashkv` after every HashKV agreement check. Headers leave with the first chunk, so a `retry:` line is
 * sent at once; a comment every 15 s keeps proxies from closing an idle stream.
 */
export function ringStream(monitor: ClusterMonitor, signal: AbortSignal): Response {
  let cleanup = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (chunk: Uint8Array) => {
        try {
          controller.enqueue(chunk);
        } catch {
          cleanup();
        }
      };
      send(encoder.encode('retry: 2000\n\n'));
      if (monitor.ring) send(frame('ring', monitor.ring));
      if (monitor.hashCheck) send(frame('hashkv', monitor.hashCheck));
      const unsubscribe = monitor.subscribe((msg: MonitorMessage) => {
        if (msg.type === 'ring') send(frame('ring', msg.ring));
        else if (msg.type === 'hashkv') send(frame('hashkv', msg.check));
        else send(frame('ring-event', msg.event, msg.event.id));
      });
      const keepalive = setInterval(() => send(encoder.encode(': keepalive\n\n')), 15_000);
      cleanup = () => {
        unsubscribe();
        clearInterval(keepalive);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        cleanup();
        try {
          controller.close();
        } catch {
          // already closed
        }
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
