import { describe, expect, test } from 'vitest';
import { ReportLimiter } from './report-limit';

const MIN = 60_000;

describe('ReportLimiter: what of a failing receiver reaches the audit log', () => {
  test('an hour of failures a minute apart: the first, one line per 10 minutes saying how many it stands for, then the recovery with the rest', () => {
    const limit = new ReportLimiter(10 * MIN);
    const written: { at: number; held: number }[] = [];
    for (let m = 0; m < 60; m++) {
      const a = limit.admit({ receiver: 'ops', event: 'failed' }, m * MIN);
      if (a.write) written.push({ at: m, held: a.held });
    }
    expect(written).toEqual([
      { at: 0, held: 0 },
      { at: 10, held: 9 },
      { at: 20, held: 9 },
      { at: 30, held: 9 },
      { at: 40, held: 9 },
      { at: 50, held: 9 },
    ]);
    expect(limit.admit({ receiver: 'ops', event: 'recovered' }, 60 * MIN)).toEqual({ write: true, held: 9 });
    // The next outage starts a new run: its first failure is written at once.
    expect(limit.admit({ receiver: 'ops', event: 'failed' }, 61 * MIN)).toEqual({ write: true, held: 0 });
  });

  test('receivers and kinds of report are limited apart', () => {
    const limit = new ReportLimiter(10 * MIN);
    expect(limit.admit({ receiver: 'ops', event: 'failed' }, 0).write).toBe(true);
    expect(limit.admit({ receiver: 'chat', event: 'failed' }, 1).write).toBe(true);
    expect(limit.admit({ receiver: 'ops', event: 'dropped' }, 2).write).toBe(true);
    expect(limit.admit({ event: 'state' }, 3).write).toBe(true);
    expect(limit.admit({ receiver: 'ops', event: 'failed' }, 4).write).toBe(false);
    expect(limit.admit({ event: 'state' }, 5).write).toBe(false);
    // A recovery of one receiver leaves the other's run alone.
    expect(limit.admit({ receiver: 'chat', event: 'recovered' }, 6)).toEqual({ write: true, held: 0 });
    expect(limit.admit({ receiver: 'ops', event: 'failed' }, 7).write).toBe(false);
  });
});
