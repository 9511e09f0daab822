import type { AlertRuleName } from '../alerts/rules';

/** Settings after validation, with TLS material read from disk. Server-side only: holds keys. */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface LogSources {
  files: { path: string; member?: string }[];
  kubernetes?: { namespace: string; labelSelector: string; kubeconfig?: string; context?: string };
}

/**
 * Where members' /metrics are scraped: by member name from `urls`, else the member's client host
 * on `port` over `scheme`, else the member's client URL with the cluster's TLS.
 */
export interface MetricsSource {
  enabled: boolean;
  urls: Record<string, string>;
  port?: number;
  scheme: 'http' | 'https';
}

export interface ClusterConfig {
  name: string;
  endpoints: string[];
  tls?: TlsMaterial;
  logs?: LogSources;
  /** Absent: scrape each member's client URL with the cluster's TLS. */
  metrics?: MetricsSource;
}

export type AlertOverrides = Partial<Record<AlertRuleName, { forMs?: number; disabled?: boolean }>>;

export interface RingsideConfig {
  /** Where the settings came from, for the UI and logs. */
  source: string;
  pollIntervalMs: number;
  hashCheckIntervalMs: number;
  requestTimeoutMs: number;
  /** Per-rule changes to the alert rules: a different `for`, or off. */
  alerts: AlertOverrides;
  clusters: ClusterConfig[];
}
