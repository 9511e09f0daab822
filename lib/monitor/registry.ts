import 'server-only';
import { ConfigError, loadConfig, resolveConfigPath } from '../config/load';
import type { RingsideConfig } from '../config/types';
import { RingsideError } from '../errors';
import type { Registry as PromRegistry } from 'prom-client';
import { ClusterMonitor } from './cluster-monitor';
import { createPrometheusRegistry } from './prometheus';

export type ConfigState =
  | { kind: 'ok'; config: RingsideConfig }
  | { kind: 'none' }
  | { kind: 'error'; message: string };

export interface Registry {
  config: ConfigState;
  monitors: Map<string, ClusterMonitor>;
  startedAt: Date;
  /** Ringside's own /metrics, created on first use. */
  prometheus?: PromRegistry;
}

/**
 * Long-lived server state lives here, once per process. Next.js loads instrumentation and route
 * handlers as separate module graphs, so module-level variables would give each its own pollers.
 */
const KEY = Symbol.for('ringside.registry');
type Global = typeof globalThis & { [KEY]?: Registry };

export function getRegistry(): Registry {
  const g = globalThis as Global;
  g[KEY] ??= createRegistry();
  return g[KEY];
}

function createRegistry(): Registry {
  const config = readConfigState();
  const monitors = new Map<string, ClusterMonitor>();
  if (config.kind === 'ok') {
    for (const cluster of config.config.clusters) {
      const m = new ClusterMonitor(cluster, {
        pollIntervalMs: config.config.pollIntervalMs,
        hashCheckIntervalMs: config.config.hashCheckIntervalMs,
        requestTimeoutMs: config.config.requestTimeoutMs,
        alerts: config.config.alerts,
      });
      m.start();
      monitors.set(cluster.name, m);
    }
  }
  return { config, monitors, startedAt: new Date() };
}

function readConfigState(): ConfigState {
  const file = resolveConfigPath();
  if (!file) return { kind: 'none' };
  try {
    return { kind: 'ok', config: loadConfig(file) };
  } catch (e) {
    if (e instanceof ConfigError) return { kind: 'error', message: e.message };
    throw e;
  }
}

/** The monitor of a configured cluster, or NOT_FOUND. */
export function getMonitor(name: string): ClusterMonitor {
  const m = getRegistry().monitors.get(name);
  if (!m) throw new RingsideError('NOT_FOUND', `no cluster named "${name}" is configured`);
  return m;
}

/** Ringside's own Prometheus registry (one per process: it observes every monitor's polls). */
export function getPrometheusRegistry(): PromRegistry {
  const registry = getRegistry();
  registry.prometheus ??= createPrometheusRegistry(registry.monitors);
  return registry.prometheus;
}
