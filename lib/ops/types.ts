/** Guided operations as the API serves them and the browser renders them. Pure data. */
import type { ServerPaths } from '../auth/server-paths';
import type { DrillRecord } from '../backups/types';

export type OpAction =
  | 'member-remove'
  | 'member-add'
  | 'member-launch'
  | 'member-promote'
  | 'defragment'
  | 'move-leader'
  | 'alarm-disarm'
  | 'snapshot-download'
  | 'snapshot-backup'
  | 'backup-drill'
  | 'keyspace-scan'
  | 'disaster-restore';

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

export interface OpStep {
  name: string;
  state: StepState;
  /** What happened, e.g. "db 64.1 MB -> 12.0 MB". */
  detail?: string;
  startedAt?: string;
  endedAt?: string;
}

/** interrupted: the replica running it stopped (crashed, killed) mid-way; `error` says at which step. */
export type OpState = 'running' | 'succeeded' | 'failed' | 'interrupted';

export interface Operation {
  id: string;
  cluster: string;
  action: OpAction;
  user: string;
  member?: { id: string; name: string };
  params: Record<string, unknown>;
  startedAt: string;
  endedAt?: string;
  state: OpState;
  steps: OpStep[];
  /** Why it failed, and what state it left the ring in. */
  error?: string;
  details?: Record<string, unknown>;
}

/** One preflight check: `block` refuses the action, `warn` asks the operator to read before confirming. */
export interface Check {
  key: string;
  ok: boolean;
  severity: 'block' | 'warn';
  message: string;
}

/** How to start a member that was added to the ring but not yet started. */
export interface StartInstructions {
  name: string;
  peerURL: string;
  clientURL: string;
  initialCluster: string;
  /** `etcd --flag=value ...`, one flag per line. */
  flags: string;
  /** ETCD_* environment, one per line. */
  env: string;
  /** etcd --config-file contents. */
  configYaml: string;
  tls: boolean;
  /** The etcd version these are spelled for (the ring's), null when no member says. */
  version: string | null;
}

export type ReplacementStep = 'choose' | 'preflight' | 'add' | 'start' | 'catch-up' | 'promote' | 'verify' | 'done';

export interface ReplacementView {
  step: ReplacementStep;
  /** The member being replaced (from the ring, or from the audit log once removed). */
  target: { id: string; name: string; peerURLs: string[]; clientURLs: string[] } | null;
  /** The new member, once added. */
  learner: {
    id: string;
    name: string;
    peerURL: string;
    started: boolean;
    isLearner: boolean;
    raftIndex: number | null;
    leaderRaftIndex: number | null;
  } | null;
  /** Preflight checks before removing `target`. */
  checks: Check[];
  /** What the add step proposes: the replaced member's name and peer URL (same host, empty data dir). */
  suggestion: { name: string; peerURL: string; clientURL: string } | null;
  instructions: StartInstructions | null;
  /** For the last step: the API servers' new --etcd-servers. */
  etcdServers: string | null;
  /** Why the wizard cannot go on by itself (shown above the step). */
  notes: string[];
  /** The replacement this view belongs to, from the audit log. */
  replacementId: string | null;
  /** Whether this cluster has a launcher that can start the new member (demo rings). */
  canLaunch: boolean;
}

export interface SnapshotStatusView {
  /** etcdctl snapshot status: CRC-32C over the keys and values (hex as etcdctl -w table prints it). */
  hash: string;
  revision: number;
  totalKey: number;
  totalSize: number;
}

/** A stored backup as the API lists it: what its store and sidecar say, and how to restore it. */
export interface StoredSnapshot {
  /** The backup's ID: its object's file name, unique within a cluster in one store. */
  id: string;
  /** Where the data is: a file on the Ringside machine (local stores) or `s3://bucket/key`. */
  file: string;
  /** The store's name, e.g. `local:/var/backups/ringside` or `s3://bucket/prefix/`. */
  store: string;
  /** The store among the cluster's, as the drill and restore actions take it: `local-1`, `s3-1`. */
  storeKey: string;
  cluster: string;
  member: { id: string; name: string };
  /** The member's revision when the snapshot was taken. */
  revision: number;
  /** The member's etcd version (which restore tool fits); null on older backups. */
  etcdVersion: string | null;
  takenAt: string;
  /** Bytes stored (encrypted size when encrypted). */
  size: number;
  /** SHA-256 of the plain snapshot file, as sha256sum prints it. */
  sha256: string;
  encrypted: boolean;
  status: SnapshotStatusView | null;
  /** Keys live at the snapshot's revision, as the live member counted them at backup time. */
  keys: number | null;
  /** Trailer and status checked when written, and no drill has failed on it since. */
  verified: boolean;
  /** Its last restore drill: "proven restorable at ..." when passed. */
  drill: DrillRecord | null;
  /** A disaster restore, member by member. */
  restore: RestorePlan;
}

export interface RestorePlan {
  steps: string[];
  commands: { member: string; command: string }[];
}

export interface AccessView {
  mode: 'read-only' | 'no-operators' | 'auth';
  user: { name: string; role: 'operator' | 'viewer'; via: string } | null;
  csrfToken?: string;
  methods: string[];
  /** Where this Ringside keeps its files: sent to a signed-in operator only. */
  paths?: ServerPaths;
}

export type UpgradeDirection = 'upgrade' | 'downgrade' | 'patch' | 'none';

/**
 * Where one member stands: done (on the target, healthy, caught up, its hash agreeing after it came
 * back); the one to do now (`next`), or being done (down while its binary is replaced, back but
 * catching up, back and waiting for HashKV); or waiting its turn.
 */
export type UpgradeMemberState = 'done' | 'next' | 'restarting' | 'catching-up' | 'verifying' | 'waiting';

export interface UpgradeMember {
  id: string;
  name: string;
  /** What it runs now (its status), null while it does not answer. */
  version: string | null;
  /** From its /version: the cluster version it runs at, and (3.6) its storage version. */
  clusterVersion: string | null;
  storageVersion: string | null;
  isLeader: boolean;
  reachable: boolean;
  state: UpgradeMemberState;
  detail: string;
  /** Its flags (from its pod's command) that the target removes or renames, with the exact replacement. */
  flags: { flag: string; severity: 'error' | 'warning'; message: string; replacement: string | null }[];
}

export interface UpgradeStep {
  title: string;
  /** Commands to paste, one per line. */
  commands?: string[];
  text?: string;
}

export interface UpgradeView {
  cluster: string;
  target: string;
  /** The lowest version any member runs now. */
  from: string | null;
  direction: UpgradeDirection;
  /** null when Ringside can guide this move; else why not (two minors at once, 3.5 -> 3.4, ...). */
  unsupported: string | null;
  stage: 'preflight' | 'enable-downgrade' | 'members' | 'done';
  /** The cluster version most members report on /version ("3.4.0"); null when none answered. */
  clusterVersion: string | null;
  checks: Check[];
  /** Why the next member's instructions are withheld, in words; null when it may go ahead. */
  blocked: string | null;
  /** In the order they go: done first, then followers, the leader last. */
  members: UpgradeMember[];
  /** What to do now, for `currentId`: stop, replace, change flags, start; then Ringside verifies. */
  currentId: string | null;
  steps: UpgradeStep[];
  /** When the member to do now leads: the healthy follower to hand leadership to first. */
  moveLeaderTo: { id: string; name: string } | null;
  /** 3.6 -> 3.5: etcd's downgrade API first, then the members. */
  downgrade: { enabled: boolean; migrated: boolean; commands: string[] } | null;
  /** What this move renames or removes, for members whose flags Ringside cannot read. */
  flagChanges: { flag: string; replacement: string | null; note: string }[];
  notes: string[];
}
