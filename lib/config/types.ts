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

export interface ClusterConfig {
  name: string;
  endpoints: string[];
  tls?: TlsMaterial;
  logs?: LogSources;
}

export interface RingsideConfig {
  /** Where the settings came from, for the UI and logs. */
  source: string;
  pollIntervalMs: number;
  hashCheckIntervalMs: number;
  requestTimeoutMs: number;
  clusters: ClusterConfig[];
}
