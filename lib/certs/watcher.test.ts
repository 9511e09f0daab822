import { describe, expect, test } from 'vitest';
import { MessageBus } from '../monitor/bus';
import type { MonitorMessage } from '../monitor/cluster-monitor';
import type { MonitorClock } from '../monitor/clock';
import { deriveRing } from '../ring/derive';
import { ids, okProbe, poll } from '../ring/fixtures';
import type { RingEvent, RingState } from '../ring/types';
import type { ClusterCertificates } from './inventory';
import { CertificateWatcher, type CertificateSubject } from './watcher';

// The watcher with its parts injected: a fake clock whose timers fire when the test moves it, a
// monitor made of a message bus and a ring from real-shaped fixtures, and a reader that records.

const T0 = Date.UTC(2026, 10, 22, 3, 0, 0);
const MIN = 60_000;

class FakeClock implements MonitorClock {
  t = T0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private next = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.next++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.timers = this.timers.filter((t) => t.id !== id);
  };
  async advance(ms: number) {
    const target = this.t + ms;
    for (;;) {
      await settle();
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const due = this.timers[0];
      if (!due || due.at > target) break;
      this.timers.shift();
      this.t = due.at;
      due.fn();
    }
    this.t = target;
    await settle();
  }
  pending(): number {
    return this.timers.length;
  }
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

function subject(): CertificateSubject & { bus: MessageBus<MonitorMessage>; reads: ClusterCertificates[]; setRing(r: RingState): void } {
  const bus = new MessageBus<MonitorMessage>();
  let ring: RingState | null = null;
  const reads: ClusterCertificates[] = [];
  return {
    cluster: { name: 'prod' },
    get ring() {
      return ring;
    },
    bus,
    reads,
    setRing: (r) => (ring = r),
    subscribe: (fn) => bus.subscribe(fn),
    setCertificates: (read) => reads.push(read),
  };
}

const ring = deriveRing(poll(1, [okProbe('m1', ids.m1), okProbe('m2', ids.m1), okProbe('m3', ids.m1)]), null, { bootId: 'b', pollIntervalMs: 1000 });
const event = (kind: RingEvent['kind']): MonitorMessage => ({ type: 'ring-event', event: { id: kind, cluster: 'prod', at: new Date(T0).toISOString(), kind, severity: 'info', message: kind } });

function watcher(s: CertificateSubject, clock: FakeClock) {
  const asked: { at: number; members: string[] }[] = [];
  const w = new CertificateWatcher([s], { checkIntervalMs: 60 * MIN, timeoutMs: 5000 }, {
    clock,
    read: async (input) => {
      asked.push({ at: input.now - T0, members: input.members.map((m) => m.memberName) });
      await settle();
      return { cluster: input.cluster, checkedAt: new Date(input.now).toISOString(), members: [], ca: [], client: [] };
    },
  });
  return { w, asked };
}

describe('CertificateWatcher on a fake clock', () => {
  test('reads once the first poll has found the members, then every interval; the monitor gets each read', async () => {
    const clock = new FakeClock();
    const s = subject();
    const { w, asked } = watcher(s, clock);
    w.start();
    await clock.advance(5 * MIN);
    expect(asked).toEqual([]);
    s.setRing(ring);
    s.bus.emit({ type: 'ring', ring });
    await clock.advance(0);
    expect(asked).toEqual([{ at: 5 * MIN, members: ['m1', 'm2', 'm3'] }]);
    // Later polls do not read again; the interval does.
    for (let i = 0; i < 10; i++) s.bus.emit({ type: 'ring', ring });
    await clock.advance(130 * MIN);
    expect(asked.map((a) => a.at)).toEqual([5 * MIN, 65 * MIN, 125 * MIN]);
    expect(s.reads.map((r) => r.checkedAt)).toEqual(asked.map((a) => new Date(T0 + a.at).toISOString()));
    await w.stop();
  });

  test('a member back or a membership change reads again at once, and the interval starts over from there', async () => {
    const clock = new FakeClock();
    const s = subject();
    const { w, asked } = watcher(s, clock);
    w.start();
    s.setRing(ring);
    s.bus.emit({ type: 'ring', ring });
    await clock.advance(10 * MIN);
    s.bus.emit(event('member-down'));
    await clock.advance(0);
    expect(asked.length).toBe(1);
    s.bus.emit(event('member-up'));
    // A second change while that read runs: one more read after it, not a pile of them.
    s.bus.emit(event('member-added'));
    s.bus.emit(event('member-removed'));
    await clock.advance(0);
    expect(asked.map((a) => a.at)).toEqual([0, 10 * MIN, 10 * MIN]);
    await clock.advance(60 * MIN);
    expect(asked.map((a) => a.at)).toEqual([0, 10 * MIN, 10 * MIN, 70 * MIN]);
    await w.stop();
  });

  test('stop ends the schedule: no read, no timer left behind', async () => {
    const clock = new FakeClock();
    const s = subject();
    const { w, asked } = watcher(s, clock);
    w.start();
    s.setRing(ring);
    s.bus.emit({ type: 'ring', ring });
    await clock.advance(0);
    await w.stop();
    expect(clock.pending()).toBe(0);
    s.bus.emit(event('member-up'));
    await clock.advance(180 * MIN);
    expect(asked.length).toBe(1);
  });
});
