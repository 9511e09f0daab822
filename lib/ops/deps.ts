import type { AuditStore } from '../audit/types';
import type { BackupSettings, ClusterConfig, OpsSettings, TlsMaterial } from '../config/types';
import type { MemberClient } from '../etcd/client';
import type { HashCheck } from '../ring/hashkv';
import type { RingState } from '../ring/types';
import type { OperationRunner } from './runner';

/** Time as operations see it: injected so a test can run a 2-minute promotion in no time. */
export interface OpsClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: OpsClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** The calls operations make on one member (a subset of MemberClient, so a test can stand in). */
export type MemberConnection = Pick<
  MemberClient,
  'memberAdd' | 'memberRemove' | 'memberPromote' | 'defragment' | 'moveLeader' | 'alarmDisarm' | 'compact' | 'status' | 'snapshot' | 'countKeys' | 'close'
>;

/** What an operation needs of a cluster's monitor: its config, its latest state and a fresh poll. */
export interface MonitorView {
  readonly cluster: ClusterConfig;
  readonly ring: RingState | null;
  readonly hashCheck: HashCheck | null;
  pollNow(): Promise<RingState>;
  checkHashes(): Promise<HashCheck | null>;
}

/** Everything guided operations use, handed in by the composition root (lib/root). */
export interface OpsDeps {
  runner: OperationRunner;
  audit: AuditStore;
  config: { ops: OpsSettings; backups?: BackupSettings };
  /** A client for one call sequence on one member; closed after. */
  connect(endpoint: string, tls: TlsMaterial | undefined, timeoutMs: number): MemberConnection;
  clock: OpsClock;
  /** How the demo launcher is reached. */
  fetch: typeof fetch;
}
