import { expect, test } from 'vitest';
import { parseLine } from './parse';
import { CheckRounds } from './rounds';
import { zapLine } from './testdata/fixtures';

const withTime = (raw: string, ts: string) => {
  const o = JSON.parse(raw) as Record<string, unknown>;
  return parseLine(JSON.stringify({ ...o, ts }), 'm1.log');
};

test('a finished round after a mismatch is not good news; a clean round is', () => {
  const rounds = new CheckRounds();
  const mismatch = withTime(zapLine('same compact revision then hashes must match'), '2026-11-22T06:43:43.100Z');
  const finished = withTime(zapLine('finished peer corruption check'), '2026-11-22T06:43:43.101Z');
  expect(finished.good).toBe(true);
  rounds.judge(mismatch);
  expect(rounds.judge(finished).good).toBe(false);
  const later = withTime(zapLine('finished peer corruption check'), '2026-11-22T06:43:53.101Z');
  expect(rounds.judge(later).good).toBe(true);
});

test('a round that could not reach a peer ends "partial", neither good news nor a finding about data', () => {
  const rounds = new CheckRounds();
  const failed = rounds.judge(withTime(zapLine('failed hash kv request', { error: /connection refused/ }), '2026-11-22T06:43:43.100Z'));
  expect(failed.check).toMatchObject({ evidence: 'check-health', outcome: 'unreachable' });
  const finished = rounds.judge(withTime(zapLine('finished peer corruption check'), '2026-11-22T06:43:43.101Z'));
  expect(finished).toMatchObject({ good: false, check: { evidence: 'check-health', outcome: 'partial' } });
});

test('a round that found a difference ends "found"', () => {
  const rounds = new CheckRounds();
  rounds.judge(withTime(zapLine('same compact revision then hashes must match'), '2026-11-22T06:43:43.100Z'));
  expect(rounds.judge(withTime(zapLine('finished peer corruption check'), '2026-11-22T06:43:43.101Z')).check).toMatchObject({ outcome: 'found' });
});
