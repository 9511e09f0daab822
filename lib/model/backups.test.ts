import { describe, expect, test } from 'vitest';
import { drillWords, freshnessWords, periodWords } from './backups';

const NOW = Date.UTC(2026, 10, 30, 8, 0, 0);
const ago = (ms: number) => new Date(NOW - ms).toISOString();

describe('backups in words', () => {
  test('freshness: fresh, stale past its limit, none at all, and a plain age without a limit', () => {
    expect(freshnessWords({ newestAt: ago(4 * 60_000), staleAfterMs: 3_600_000 }, NOW)).toEqual({ state: 'fresh', text: 'backup 4 min ago', ageMs: 240_000 });
    expect(freshnessWords({ newestAt: ago(3 * 3_600_000), staleAfterMs: 3_600_000 }, NOW)).toEqual({ state: 'stale', text: 'BACKUP STALE: 3 h old', ageMs: 10_800_000 });
    expect(freshnessWords({ newestAt: null, staleAfterMs: 3_600_000 }, NOW)).toEqual({ state: 'never', text: 'NO VERIFIED BACKUP', ageMs: null });
    expect(freshnessWords({ newestAt: ago(2 * 86_400_000), staleAfterMs: null }, NOW)).toEqual({ state: 'unwatched', text: 'backup 2 d ago', ageMs: 172_800_000 });
    expect(freshnessWords({ newestAt: null, staleAfterMs: null }, NOW).text).toBe('no backup yet');
  });

  test('drills: proven restorable at a UTC time (the same on the server and in any browser), failed, never', () => {
    expect(drillWords({ at: '2026-11-30T03:12:09.000Z', result: 'passed' })).toEqual({ state: 'passed', text: 'proven restorable at 30 Nov, 03:12:09 UTC' });
    expect(drillWords({ at: '2026-11-30T03:12:09.000Z', result: 'failed' })).toEqual({ state: 'failed', text: 'drill FAILED at 30 Nov, 03:12:09 UTC' });
    expect(drillWords(null)).toEqual({ state: 'never', text: 'never drilled' });
  });

  test('configured periods, exactly', () => {
    expect([10_000, 1_800_000, 3_600_000, 5_400_000, 86_400_000, 7 * 86_400_000].map(periodWords)).toEqual(['10 s', '30 min', '1 h', '90 min', '1 d', '7 d']);
  });
});
