import { describe, expect, test } from 'vitest';
import type { ClusterMonitor, MonitorMessage } from '../monitor/cluster-monitor';
import { fleetStream, frameOf, logStream, ringStream, STREAM_BUFFER_BYTES, type StreamAdmission } from './sse';
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

describe('a message to many viewers', () => {
  test('200 subscribers of one cluster share one serialisation and the same bytes', async () => {
    const { monitor, publish } = fakeMonitor();
    const admission: StreamAdmission = { limiter: new StreamLimiter(1000, 1000), clientOf: () => '192.0.2.1' };
    const readers = Array.from({ length: 200 }, () => ringStream(monitor, new Request('http://127.0.0.1/api/clusters/c/stream'), admission).body!.getReader());
    // The frames every stream opens with: retry:, alerts, backups.
    for (const r of readers) for (let i = 0; i < 3; i++) await r.read();
    let serialised = 0;
    // JSON.stringify calls toJSON once per serialisation of the object.
    const ring = { cluster: 'c', toJSON: () => (serialised++, { cluster: 'c', seq: 7 }) };
    publish({ type: 'ring', ring } as unknown as MonitorMessage);
    const chunks = await Promise.all(readers.map(async (r) => (await r.read()).value!));
    expect(serialised).toBe(1);
    expect(new TextDecoder().decode(chunks[0])).toBe('event: ring\ndata: {"cluster":"c","seq":7}\n\n');
    expect(new Set(chunks).size).toBe(1);
    // The next message is serialised again, once.
    publish({ type: 'ring', ring: { ...ring } } as unknown as MonitorMessage);
    await Promise.all(readers.map((r) => r.read()));
    expect(serialised).toBe(2);
    await Promise.all(readers.map((r) => r.cancel()));
    expect(admission.limiter.open).toBe(0);
  });

  test('a ring event keeps its own id line; another event of the same object is its own frame', () => {
    const event = { id: '42', type: 'member-down' };
    expect(new TextDecoder().decode(frameOf('ring-event', event, event.id))).toBe('id: 42\nevent: ring-event\ndata: {"id":"42","type":"member-down"}\n\n');
    expect(frameOf('ring-event', event, event.id)).toBe(frameOf('ring-event', event, event.id));
    expect(new TextDecoder().decode(frameOf('other', event))).toMatch(/^event: other\n/);
    expect(new TextDecoder().decode(frameOf('backups', null))).toBe('event: backups\ndata: null\n\n');
  });

  test('wall screens share one fleet summary pass per change', async () => {
    const { monitor, publish } = fakeMonitor();
    let passes = 0;
    Object.assign(monitor, { cluster: { name: 'c', endpoints: ['http://127.0.0.1:2379'] }, hashCheck: null, backups: null, alerts: () => (passes++, []) });
    const monitors = new Map([['c', monitor]]);
    const admission: StreamAdmission = { limiter: new StreamLimiter(100, 100), clientOf: () => '192.0.2.1' };
    const readers = Array.from({ length: 20 }, () => fleetStream(monitors, new Request('http://127.0.0.1/api/fleet/stream'), admission).body!.getReader());
    for (const r of readers) await r.read(); // retry:
    const first = await Promise.all(readers.map(async (r) => (await r.read()).value!));
    expect(passes).toBe(1);
    expect(new Set(first).size).toBe(1);
    publish({ type: 'ring', ring: {} } as unknown as MonitorMessage);
    const next = await Promise.all(readers.map(async (r) => (await r.read()).value!));
    expect(passes).toBe(2);
    expect(new Set(next).size).toBe(1);
    expect(new TextDecoder().decode(next[0])).toMatch(/^event: fleet\ndata: \{"at":.*"name":"c"/);
    await Promise.all(readers.map((r) => r.cancel()));
    expect(admission.limiter.open).toBe(0);
  });

  test('log viewers share each line’s frame and each poll’s tick', async () => {
    const { monitor, publish } = fakeMonitor();
    const admission: StreamAdmission = { limiter: new StreamLimiter(100, 100), clientOf: () => '192.0.2.1' };
    const readers = Array.from({ length: 5 }, () => logStream(monitor, () => true, new Request('http://127.0.0.1/x'), admission).body!.getReader());
    for (const r of readers) await r.read(); // retry:
    publish({ type: 'ring', ring: { at: '2026-11-30T10:00:00.000Z' } } as unknown as MonitorMessage);
    const ticks = await Promise.all(readers.map(async (r) => (await r.read()).value!));
    expect(new Set(ticks).size).toBe(1);
    expect(new TextDecoder().decode(ticks[0])).toBe('event: tick\ndata: {"at":"2026-11-30T10:00:00.000Z"}\n\n');
    publish({ type: 'log', line: { text: 'x' } } as unknown as MonitorMessage);
    expect(new Set(await Promise.all(readers.map(async (r) => (await r.read()).value!))).size).toBe(1);
    await Promise.all(readers.map((r) => r.cancel()));
  });
});
