import type { HealthResponse, ReadyResponse } from '../api/contract';

/** Liveness: answering at all is the whole test (a hung event loop answers nothing). */
export function liveness(): HealthResponse {
  return { status: 'ok' };
}

/**
 * Readiness: the config loaded and every cluster polled once, so the first page a replica serves
 * shows data. A poll that found every member down still counts: etcd being down is what Ringside
 * is there to show, so it must never take the dashboard out of the Service.
 */
export function readiness(config: 'ok' | 'none' | 'error', monitors: Iterable<{ readonly ring: unknown }>): ReadyResponse {
  if (config === 'none') return { status: 'not-ready', reason: 'no-config' };
  if (config === 'error') return { status: 'not-ready', reason: 'config-error' };
  for (const m of monitors) if (m.ring === null) return { status: 'not-ready', reason: 'first-poll' };
  return { status: 'ready' };
}
