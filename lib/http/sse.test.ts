import { describe, expect, test } from 'vitest';
import type { ClusterMonitor, MonitorMessage } from '../monitor/cluster-monitor';
import { ringStream, STREAM_BUFFER_BYTES, type StreamAdmission } from './sse';
import { StreamLimiter } from './streams';

/** Just enough of a monitor to drive a stream: what it holds, and a way to publish. */
function fakeMonitor() {
  const subs = new Set<(m: MonitorMessage) => void>();
  const monitor = {
    ring: null,
    hashCheck: null,
    alerts: () => [],
    subscribe(cb: (m: MonitorMessage) => void) {
      subs.add(cb);
      return () => subs.delete(cb);
    },
  } as unknown as ClusterMonitor;
  return { monitor, publish: (m: MonitorMessage) => subs.forEach((cb) => cb(m)), subscribers: () => subs.size };
}

describe('a client that stops reading a stream', () => {
  test('is dropped once more than the buffer bound is queued for it, and its slot and subscription are freed', async () => {
    const { monitor, publish, subscribers } = fakeMonitor();
    const admission: StreamAdmission = { limiter: new StreamLimiter(10, 10), clientOf: () => '192.0.2.1' };
    const res = ringStream(monitor, new Request('http://127.0.0.1/api/clusters/c/stream'), admission);
    expect(admission.limiter.open).toBe(1);
    expect(subscribers()).toBe(1);
    // Nobody reads the body. Each message is about 100 kB of ring state.
    const big = { cluster: 'c', note: 'x'.repeat(100_000) };
    let sent = 0;
    while (subscribers() > 0 && sent < 100) {
      publish({ type: 'ring', ring: big } as unknown as MonitorMessage);
      sent++;
    }
    expect(subscribers()).toBe(0);
    expect(admission.limiter.open).toBe(0);
    expect(sent * 100_000).toBeGreaterThan(STREAM_BUFFER_BYTES);
    expect(sent * 100_000).toBeLessThan(STREAM_BUFFER_BYTES + 64 * 1024 + 300_000);
    await expect(res.text()).rejects.toThrow();
  });

  test('a reading client gets every message, and closing it frees the slot', async () => {
    const { monitor, publish, subscribers } = fakeMonitor();
    const admission: StreamAdmission = { limiter: new StreamLimiter(10, 10), clientOf: () => '192.0.2.1' };
    const abort = new AbortController();
    const res = ringStream(monitor, new Request('http://127.0.0.1/x', { signal: abort.signal }), admission);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (let i = 0; i < 50; i++) {
      publish({ type: 'ring', ring: { cluster: 'c', n: i } } as unknown as MonitorMessage);
      text += decoder.decode((await reader.read()).value);
    }
    while (!text.includes('"n":49')) text += decoder.decode((await reader.read()).value);
    expect(text.match(/event: ring/g)).toHaveLength(50);
    abort.abort();
    expect(subscribers()).toBe(0);
    expect(admission.limiter.open).toBe(0);
  });
});
