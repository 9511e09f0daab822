import { describe, expect, it } from 'vitest';
import type { MonitorClock } from '../monitor/clock';
import { LeaseKeeper, MemoryLeaseTable } from './lease';
import { MIGRATIONS, pending, type Migration } from './migrations';
import { interruptedOperation } from '../ops/interrupted';

/** A clock that moves only when told; timers fire as it passes them. */
function fakeClock(): MonitorClock & { advance(ms: number): Promise<void> } {
  let now = 1_000_000;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 0;
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = ++next;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (h) => {
      timers = timers.filter((t) => t.id !== h);
    },
    async advance(ms) {
      const end = now + ms;
      await new Promise((r) => setImmediate(r)); // what was started before runs first
      for (;;) {
        const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.fn();
        await new Promise((r) => setImmediate(r));
      }
      now = end;
    },
  };
}

describe('migrations', () => {
  const m = (version: number): Migration => ({ version, name: `m${version}`, sql: '' });

  it('applies what is missing, in order', () => {
    expect(pending([m(1), m(2), m(3)], new Set([1])).map((x) => x.version)).toEqual([2, 3]);
    expect(pending([m(1), m(2)], new Set([1, 2]))).toEqual([]);
    expect(pending(MIGRATIONS, new Set()).map((x) => x.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('refuses a list out of order or with a gap', () => {
    expect(() => pending([m(2), m(1)], new Set())).toThrow(/numbered 2, expected 1/);
    expect(() => pending([m(1), m(3)], new Set())).toThrow(/numbered 3, expected 2/);
  });

  it('refuses a database newer than this Ringside', () => {
    expect(() => pending([m(1)], new Set([1, 2]))).toThrow(/schema version 2, newer than this Ringside knows \(1\)/);
  });
});

describe('lease', () => {
  it('one holder at a time; it moves once the holder stops renewing, within the lease', async () => {
    const clock = fakeClock();
    const table = new MemoryLeaseTable(clock.now);
    const a = new LeaseKeeper(table, 'schedule', 'a', 9000, clock, () => {});
    const b = new LeaseKeeper(table, 'schedule', 'b', 9000, clock, () => {});
    a.start();
    await clock.advance(1);
    b.start();
    await clock.advance(1);
    expect([a.held(), b.held()]).toEqual([true, false]);
    await clock.advance(60_000);
    expect([a.held(), b.held()]).toEqual([true, false]);

    // a freezes (no more renewals): b holds it within one lease plus one renewal interval.
    const frozeAt = clock.now();
    a['running'] = false;
    let movedAt = 0;
    b.onChange((held) => held && (movedAt = clock.now()));
    await clock.advance(20_000);
    expect(b.held()).toBe(true);
    expect(movedAt - frozeAt).toBeLessThanOrEqual(9000 + 3000);
    // a stopped believing it before b could take it.
    expect(a.held()).toBe(false);
  });

  it('a holder that loses the store stops holding before the lease could expire', async () => {
    const clock = fakeClock();
    const table = new MemoryLeaseTable(clock.now);
    const a = new LeaseKeeper(table, 'schedule', 'a', 9000, clock, () => {});
    a.start();
    await clock.advance(1);
    expect(a.held()).toBe(true);
    table.down = true;
    const lastRenewal = clock.now();
    await clock.advance(6000);
    // The row says a holds it until lastRenewal + 9 s at the latest; a gave up at 6 s.
    expect(a.held()).toBe(false);
    expect(table.rows.get('schedule')!.expiresAt).toBeGreaterThan(lastRenewal + 6000 - 3000);
    table.down = false;
    await clock.advance(3000);
    expect(a.held()).toBe(true);
  });

  it('stop gives the lease up at once', async () => {
    const clock = fakeClock();
    const table = new MemoryLeaseTable(clock.now);
    const a = new LeaseKeeper(table, 'schedule', 'a', 9000, clock, () => {});
    const b = new LeaseKeeper(table, 'schedule', 'b', 9000, clock, () => {});
    a.start();
    await clock.advance(1);
    await a.stop();
    expect(a.held()).toBe(false);
    await b.renew();
    expect(b.held()).toBe(true);
  });
});

describe('interrupted operation', () => {
  it('ends at the step it stood at, saying which replica stopped', () => {
    const op = interruptedOperation(
      {
        id: 'x',
        cluster: 'prod',
        action: 'defragment',
        user: 'alice',
        params: {},
        startedAt: '2026-01-01T00:00:00.000Z',
        state: 'running',
        steps: [
          { name: 'defragment m1', state: 'done' },
          { name: 'defragment m2', state: 'running' },
        ],
      },
      'pod-a/7',
      '2026-01-01T00:00:10.000Z',
    );
    expect(op.state).toBe('interrupted');
    expect(op.steps.map((s) => s.state)).toEqual(['done', 'failed']);
    expect(op.error).toMatch(/^interrupted: replica pod-a\/7 stopped while at step "defragment m2"/);
    expect(op.endedAt).toBe('2026-01-01T00:00:10.000Z');
  });
});
