import type { AlertRuleName } from '../alerts/rules';
import type { CertificateSettings, NotifySettings } from '../notify/config';
import type { BackupSettings } from '../backups/config';
import type { CapacitySettings } from '../capacity/config';

export type { BackupSettings };

/** Settings after validation, with TLS material read from disk. Server-side only: holds keys. */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface LogSources {
  files: { path: string; member?: string }[];
  /** How much of each file's end is read at start, in bytes; then the file is followed. */
  backlogBytes: number;
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
  /** This cluster's scrape period; absent: the top-level metricsIntervalMs. */
  intervalMs?: number;
}

export interface ClusterConfig {
  name: string;
  endpoints: string[];
  tls?: TlsMaterial;
  logs?: LogSources;
  /** Absent: scrape each member's client URL with the cluster's TLS. */
  metrics?: MetricsSource;
  /** Demo rings: a loopback service that starts a member the wizard added. */
  launcher?: string;
}

export type Role = 'operator' | 'viewer';

export interface UserConfig {
  name: string;
  role: Role;
  passwordHash?: string;
  tokenHash?: string;
}

export interface AuthSettings {
  users: UserConfig[];
  proxy?: { trustedProxies: string[]; userHeader?: string; operators: string[] };
  /** viewer: reading needs no sign-in; none: every read needs a user or a token. */
  anonymous: 'viewer' | 'none';
  sessionIdleMs: number;
  sessionMaxMs: number;
  allowedOrigins: string[];
}

export interface OpsSettings {
  snapshotMaxAgeMs: number;
  promoteTimeoutMs: number;
}

export type AlertOverrides = Partial<Record<AlertRuleName, { forMs?: number; disabled?: boolean }>>;

export interface HttpSettings {
  allowedHosts: string[];
  maxStreams: number;
  maxStreamsPerClient: number;
}

export interface RingsideConfig {
  /** Where the settings came from, for the UI and logs. */
  source: string;
  pollIntervalMs: number;
  hashCheckIntervalMs: number;
  /** How often members' /metrics are scraped (a cluster's metrics.intervalMs overrides it). */
  metricsIntervalMs: number;
  requestTimeoutMs: number;
  /** Per-rule changes to the alert rules: a different `for`, or off. */
  alerts: AlertOverrides;
  /** No action exists at all; nobody signs in. */
  readOnly: boolean;
  /** Absent or without operators: Ringside is read-only. */
  auth?: AuthSettings;
  http: HttpSettings;
  /** Ringside's own files (the audit log), absolute. */
  dataDir: string;
  auditFile: string;
  /** The shared store of several replicas; absent: files in dataDir. `url` holds a password: never log it. */
  store?: { postgres: { url: string; urlEnv: string; leaseMs: number } };
  /** Stores, schedules, retention and drills per cluster, the key and the work dir; absent without a `backups:` block. */
  backups?: BackupSettings;
  /** Keyspace scans, the forecast window and the defragment rules per cluster; every default without a `capacity:` block. */
  capacity: CapacitySettings;
  ops: OpsSettings;
  /** Alert delivery; absent: alerts are only shown, never sent. Holds secrets (webhook keys, secret URLs). */
  notifications?: NotifySettings;
  certificates: CertificateSettings;
  clusters: ClusterConfig[];
}
