import { describe, expect, test } from 'vitest';
import { liveness, readiness } from './probes';

describe('probes', () => {
  test('liveness is a fixed answer', () => {
    expect(liveness()).toEqual({ status: 'ok' });
  });

  test('readiness: not before the config is loaded and every cluster has been polled once', () => {
    const polled = { ring: { members: [] } };
    const waiting = { ring: null };
    expect(readiness('none', [])).toEqual({ status: 'not-ready', reason: 'no-config' });
    expect(readiness('error', [polled])).toEqual({ status: 'not-ready', reason: 'config-error' });
    expect(readiness('ok', [polled, waiting])).toEqual({ status: 'not-ready', reason: 'first-poll' });
    expect(readiness('ok', [polled, polled])).toEqual({ status: 'ready' });
  });
});
