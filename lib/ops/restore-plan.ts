import type { DrillRecord } from '../backups/types';
import { formatAge, formatUtc } from '../model/format';
import { memberLabel } from '../model/labels';
import type { HashCheck } from '../ring/hashkv';
import type { RingState } from '../ring/types';
import { allVotersAgree, isHealthyVoter } from './preflight';
import {
  fetchCommands,
  restoreCommand,
  restoredDataDir,
  restoredStartCommand,
  restoreInitialCluster,
  restoreToolFor,
  type BackupLocation,
  type RestoreMember,
} from './restore-commands';
import type { Check } from './types';

/**
 * The guided disaster restore, as pure functions of the ring, the chosen backup and what the
 * audit log says of the last restore: the preflight (who answers, what is lost since the
 * backup), the plan (per member the exact commands with the tool for the version, the new
 * cluster token, how to start it), and the verification as the new ring comes up (the same
 * endpoints, a new cluster ID, every voter healthy, the revision, HashKV). lib/ops/restore.ts
 * serves it and, on a demo ring, carries the plan out with the launcher.
 */

/** A stored backup as the wizard offers it: newest first, with its age, revision and drill. */
export interface RestoreChoice {
  id: string;
  storeKey: string;
  store: string;
  takenAt: string;
  revision: number;
  keys: number | null;
  etcdVersion: string | null;
  encrypted: boolean;
  verified: boolean;
  /** SHA-256 of the plain snapshot, checked before restoring. */
  sha256: string;
  drill: DrillRecord | null;
  hashKv: number | null;
}

export interface RestorePlanView {
  tool: { kind: 'etcdctl' | 'etcdutl'; bumpRevision: number | null; notes: string[] };
  token: string;
  initialCluster: string;
  /** Getting the plain snapshot onto each host and checking it. */
  fetch: string[];
  /** Where the backup is and how it reaches the members' hosts, in one sentence. */
  fetchNote: string;
  /** The plain snapshot's file name in those commands. */
  snapshot: string;
  members: { id: string; name: string; peerURL: string; clientURL: string; dataDir: string; restore: string; start: string }[];
}

export interface RestoreView {
  cluster: string;
  backups: RestoreChoice[];
  chosen: RestoreChoice | null;
  /** Before restoring: who answers, what is lost, what blocks. */
  checks: Check[];
  /** Each member of the ring as the restore sees it now. */
  members: { id: string; name: string; endpoint: string | null; reachable: boolean; revision: number | null; split: boolean }[];
  /** What a restore from the chosen backup loses, in one sentence. */
  lost: string | null;
  plan: RestorePlanView | null;
  verification: {
    /** The cluster ID before the restore, when Ringside knows it (its own restore, or the change it saw). */
    previousClusterId: string | null;
    clusterId: string | null;
    checks: Check[];
    /** Every check passes: the restored ring is up and consistent. */
    done: boolean;
  };
  /** A demo ring: the wizard carries the plan out with the launcher. */
  canLaunch: boolean;
  kubernetes: boolean;
  /** Notes above the wizard (why it cannot go on by itself). */
  notes: string[];
}

/** The restore Ringside last carried out on this cluster, from the audit log. */
export interface LastRestore {
  at: string;
  backup: string;
  previousClusterId: string | null;
}

/** The new ring's --initial-cluster-token: new for every restore (it follows the backup and the cluster ID it replaces), stable while the page is open. */
export function restoreToken(cluster: string, backupId: string, clusterId: string | null): string {
  let h = 2166136261;
  for (const c of `${backupId}/${clusterId ?? ''}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return `${cluster}-restore-${(h >>> 0).toString(16).padStart(8, '0')}`;
}

/** The voters a restore brings back: every voter of the member list, under the name and URLs it has. */
export function restoreMembers(ring: RingState | null): RestoreMember[] {
  return (ring?.members ?? [])
    .filter((m) => !m.isLearner)
    .map((m) => ({ id: m.id, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs }))
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

export function restoreView(input: {
  cluster: string;
  ring: RingState | null;
  hash: HashCheck | null;
  backups: RestoreChoice[];
  chosen: RestoreChoice | null;
  location: BackupLocation | null;
  kubernetes: boolean;
  tls: boolean;
  canLaunch: boolean;
  /** A backup key is configured (encrypted backups need it). */
  hasKey: boolean;
  lastRestore: LastRestore | null;
  now: number;
}): RestoreView {
  const { ring, chosen } = input;
  const members = restoreMembers(ring);
  const checks: Check[] = [];
  const add = (key: string, ok: boolean, severity: Check['severity'], message: string) => checks.push({ key, ok, severity, message });
  const notes: string[] = [];

  const answering = (ring?.members ?? []).filter((m) => m.reachable);
  const revisions = answering.map((m) => m.revision).filter((r): r is number => r !== null);
  const current = revisions.length ? Math.max(...revisions) : null;
  let lost: string | null = null;

  if (ring && chosen) {
    const age = formatAge(Math.max(0, input.now - Date.parse(chosen.takenAt)));
    lost =
      current === null
        ? `No member answers, so Ringside cannot count what was written since the backup: everything after ${formatUtc(chosen.takenAt)} (${age} ago, revision ${chosen.revision}) is lost.`
        : current > chosen.revision
          ? `${(current - chosen.revision).toLocaleString('en-US')} revisions written since the backup (revision ${chosen.revision}, ${age} ago; the ring is at ${current}) are lost.`
          : `Nothing the answering members hold is newer than the backup (revision ${chosen.revision}, ${age} ago; the ring is at ${current}).`;

    if (ring.quorum.hasQuorum) {
      add('quorum', true, 'warn', `The ring has quorum (${ring.quorum.healthy} of ${ring.quorum.voters} voters healthy): a restore rolls every member back to the backup. Do it only to roll back data; a failed member is replaced instead, one at a time.`);
    } else {
      add('quorum', true, 'warn', `The ring has lost quorum (${ring.quorum.healthy} of ${ring.quorum.voters} voters healthy, ${ring.quorum.needed} needed): writes are blocked; a restore brings it back from the backup.`);
    }
    add('answering', true, 'warn', answering.length ? `Answering now: ${answering.map((m) => `${memberLabel(m)} (revision ${m.revision ?? '?'})`).join(', ')}. Every member is stopped and restored, these too.` : 'No member answers.');
    const unnamed = (ring.members ?? []).filter((m) => !m.isLearner && (!m.name || !m.peerURLs.length || !m.clientURLs.length));
    add('members', members.length > 0 && unnamed.length === 0, 'block', unnamed.length ? `${unnamed.map((m) => m.id).join(', ')} ${unnamed.length === 1 ? 'has' : 'have'} no name or URLs in the member list (added but never started): remove ${unnamed.length === 1 ? 'it' : 'them'} first, or restore without ${unnamed.length === 1 ? 'it' : 'them'} by hand.` : `${members.length} voter${members.length === 1 ? '' : 's'} to restore: ${members.map((m) => m.name).join(', ')}, on the same URLs.`);
    const learners = (ring.members ?? []).filter((m) => m.isLearner);
    if (learners.length) add('learners', true, 'warn', `Learner${learners.length === 1 ? '' : 's'} ${learners.map(memberLabel).join(', ')} ${learners.length === 1 ? 'is' : 'are'} left out: add ${learners.length === 1 ? 'it' : 'them'} again after the restore.`);
    if (chosen.drill?.result === 'failed') add('drill', false, 'block', `Its last restore drill FAILED (${chosen.drill.reason}): pick another backup.`);
    else if (chosen.drill?.result === 'passed') add('drill', true, 'block', `Proven restorable at ${formatUtc(chosen.drill.at)} (restore drill passed).`);
    else add('drill', true, 'warn', 'Never drilled: nothing has proven this backup restores yet (run a drill from the backups panel first if there is time).');
    if (!chosen.verified) add('verified', false, 'block', 'This backup was never verified (its trailer and status were not checked when written).');
    if (chosen.encrypted && !input.hasKey) add('key', false, 'block', 'The backup is encrypted and Ringside has no key ($RINGSIDE_BACKUP_KEY): it cannot be decrypted here.');
    const versions = [...new Set(answering.map((m) => m.version).filter((v): v is string => Boolean(v)))];
    const minor = (v: string) => v.split('.').slice(0, 2).join('.');
    if (chosen.etcdVersion && versions.some((v) => minor(v) !== minor(chosen.etcdVersion!))) {
      add('version', true, 'warn', `The backup comes from etcd ${chosen.etcdVersion} and the members run ${versions.join(', ')}: restore it with the tool of the snapshot's version and start the same minor version.`);
    }
  }

  let plan: RestorePlanView | null = null;
  if (chosen && input.location && members.length) {
    const tool = restoreToolFor(chosen.etcdVersion ?? answering.find((m) => m.version)?.version ?? null, { kubernetes: input.kubernetes });
    const token = restoreToken(input.cluster, chosen.id, ring?.clusterId ?? null);
    const initialCluster = restoreInitialCluster(members);
    const fetched = fetchCommands({ location: input.location, id: chosen.id, encrypted: chosen.encrypted, sha256: chosen.sha256, tool });
    plan = {
      tool: { kind: tool.kind, bumpRevision: tool.bumpRevision, notes: tool.notes },
      token,
      initialCluster,
      fetch: fetched.commands,
      fetchNote:
        input.location.kind === 'local'
          ? "The backup is a file on the Ringside machine: copy it to each member's host (e.g. scp), then check it there."
          : "On each member's host, fetch it from the bucket (with the AWS CLI or any S3 client), then check it.",
      snapshot: fetched.snapshot,
      members: members.map((m) => ({
        id: m.id,
        name: m.name,
        peerURL: m.peerURLs[0] ?? '',
        clientURL: m.clientURLs[0] ?? '',
        dataDir: restoredDataDir(m),
        restore: restoreCommand({ tool, snapshot: fetched.snapshot, member: m, initialCluster, token }),
        start: restoredStartCommand({ member: m, initialCluster, token, tls: input.tls }),
      })),
    };
  }
  if (input.kubernetes) notes.push('This etcd backs Kubernetes: stop every kube-apiserver before the restore and start them after it (their --etcd-servers stay the same: the endpoints do not change).');
  if (!input.canLaunch && chosen) notes.push('Ringside does not start or stop members on this ring: run each member\'s commands on its host; this page checks the new ring as it comes up.');

  const previousClusterId = input.lastRestore?.previousClusterId ?? ring?.clusterIdChanged?.from ?? null;
  return {
    cluster: input.cluster,
    backups: input.backups,
    chosen,
    checks,
    members: (ring?.members ?? [])
      .filter((m) => !m.isLearner)
      .map((m) => ({ id: m.id, name: memberLabel(m), endpoint: m.endpoint, reachable: m.reachable, revision: m.revision, split: m.split !== null }))
      .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true })),
    lost,
    plan,
    verification: verifyRestore({ ring, hash: input.hash, previousClusterId, chosen, bumpRevision: plan?.tool.bumpRevision ?? null, since: input.lastRestore?.at ?? ring?.clusterIdChanged?.at ?? null }),
    canLaunch: input.canLaunch,
    kubernetes: input.kubernetes,
    notes,
  };
}

/** The new ring as it comes up: what a person checks after starting every restored member. */
export function verifyRestore(o: {
  ring: RingState | null;
  hash: HashCheck | null;
  previousClusterId: string | null;
  chosen: Pick<RestoreChoice, 'revision'> | null;
  bumpRevision: number | null;
  /** When the restore happened: a HashKV check must be newer. */
  since: string | null;
}): RestoreView['verification'] {
  const { ring } = o;
  const checks: Check[] = [];
  const add = (key: string, ok: boolean, message: string) => checks.push({ key, ok, severity: 'block', message });
  const clusterId = ring?.clusterId ?? null;
  if (o.previousClusterId) {
    add(
      'cluster-id',
      clusterId !== null && clusterId !== o.previousClusterId,
      clusterId !== null && clusterId !== o.previousClusterId ? `A new cluster ID, ${clusterId} (was ${o.previousClusterId}): the endpoints serve the restored cluster.` : `Still cluster ${o.previousClusterId}: the members have not been restored yet.`,
    );
  } else {
    add('cluster-id', false, `The cluster ID is ${clusterId ?? 'unknown'}; after the restore it is a new one (Ringside says so on the cluster page).`);
  }
  const voters = (ring?.members ?? []).filter((m) => !m.isLearner);
  const healthy = ring ? voters.filter((m) => isHealthyVoter(ring, m)) : [];
  add('voters', voters.length > 0 && healthy.length === voters.length, `${healthy.length} of ${voters.length} voters healthy${voters.length && healthy.length < voters.length ? `; waiting for ${voters.filter((m) => !healthy.includes(m)).map(memberLabel).join(', ')}` : ''}.`);
  const splits = ring?.splits ?? [];
  add('splits', splits.length === 0, splits.length ? `${splits.map((s) => s.endpoint).join(', ')} still ${splits.length === 1 ? 'answers' : 'answer'} as another cluster: stop ${splits.length === 1 ? 'it' : 'them'} and restore ${splits.length === 1 ? 'it' : 'them'} too.` : 'No endpoint answers with another cluster ID.');
  const revision = Math.max(-1, ...voters.map((m) => m.revision ?? -1));
  const want = o.chosen ? o.chosen.revision + (o.bumpRevision ?? 0) : null;
  if (want !== null) add('revision', revision >= want, revision >= 0 ? `Revision ${revision}${revision >= want ? ' ≥' : ' <'} ${want} (the backup's${o.bumpRevision ? ` plus the ${o.bumpRevision.toLocaleString('en-US')} bump` : ''}).` : 'No revision yet: no voter answers.');
  const agree = ring !== null && allVotersAgree(ring, o.hash, o.since ?? undefined);
  add('hashkv', agree, agree ? `HashKV agrees on every voter at revision ${o.hash!.revision}.` : `HashKV: ${o.hash?.summary ?? 'not checked yet'}.`);
  return { previousClusterId: o.previousClusterId, clusterId, checks, done: checks.every((c) => c.ok) };
}
