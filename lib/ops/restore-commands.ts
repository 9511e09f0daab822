import { BUMP_REVISION, parseEtcdVersion, versionFacts } from '../model/etcd-versions';
import { fileLabel } from '../text/file-name';
import { shellQuote } from '../text/shell';

/**
 * Which tool restores a snapshot of which etcd, and the commands a disaster restore pastes, member
 * by member. Pure: the wizard, the backups list, the demo launcher's caller and the restore
 * drills (lib/backups/drill.ts) all take the decision from `restoreToolFor`, so a later etcd
 * (issue 16: 3.5 and 3.6 everywhere) changes it here once.
 *
 * Everything a member says is data (`--name` may be `../x` or `$(...)`): every value is quoted
 * for sh, and data dirs are built from a label, never from a raw name.
 */

export type RestoreToolKind = 'etcdctl' | 'etcdutl';

export interface RestoreTool {
  kind: RestoreToolKind;
  /** The command line up to the snapshot file, e.g. `ETCDCTL_API=3 etcdctl snapshot restore`. */
  restore: string;
  /** `etcdctl snapshot status -w table` or `etcdutl snapshot status -w table`: verify the file first. */
  status: string;
  /** Under Kubernetes, on a version that has the flags: how far the revision is bumped (with --mark-compacted). */
  bumpRevision: number | null;
  /** What a person must know about this version, in words (e.g. a flag it lacks). */
  notes: string[];
}

/** etcd's recovery guide and Kubernetes' bump by a billion (lib/model/etcd-versions.ts, BUMP_REVISION). */
export const KUBERNETES_BUMP = BUMP_REVISION;

/**
 * The restore tool for a snapshot of etcd `version`: `etcdctl snapshot restore` on 3.4;
 * `etcdutl snapshot restore` from 3.5 (etcdctl's is deprecated there and gone in 3.6).
 * `--bump-revision` and `--mark-compacted` exist from 3.5.10 (etcd CHANGELOG-3.5, v3.5.10); on
 * Kubernetes they keep API server watches from going back in time. Unknown version: etcdctl,
 * which restores 3.4 and 3.5 snapshots alike, said so.
 */
export function restoreToolFor(version: string | null, o: { kubernetes: boolean }): RestoreTool {
  const known = parseEtcdVersion(version) !== null;
  const facts = versionFacts(version ?? '');
  const notes: string[] = [];
  if (!known) notes.push(`The etcd version is not known; etcdctl restores 3.4 and 3.5 snapshots (from 3.5 prefer etcdutl, the only tool on 3.6).`);
  const kind: RestoreToolKind = known && facts.etcdutl ? 'etcdutl' : 'etcdctl';
  const bumps = known && facts.revisionBump;
  if (o.kubernetes && !bumps) {
    notes.push(
      `${version ? `etcd ${version}` : 'This etcd'} has no --bump-revision (it arrived in 3.5.10): the restored ring serves revisions the API servers have already seen, so restart every kube-apiserver after the restore (their watch caches start over) and expect controllers to relist.`,
    );
  }
  return {
    kind,
    restore: kind === 'etcdctl' ? 'ETCDCTL_API=3 etcdctl snapshot restore' : 'etcdutl snapshot restore',
    status: kind === 'etcdctl' ? 'ETCDCTL_API=3 etcdctl snapshot status' : 'etcdutl snapshot status',
    bumpRevision: o.kubernetes && bumps ? KUBERNETES_BUMP : null,
    notes,
  };
}

/** A member of the ring to restore, as the member list names it. */
export interface RestoreMember {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

/**
 * A new data dir for a restored member. Not from the raw name (`../x` is a valid one): a name
 * that is already a plain label is kept, any other is labelled and made unique by its member ID.
 */
export function restoredDataDir(m: { id: string; name: string }): string {
  const label = fileLabel(m.name);
  return `/var/lib/etcd-restored-${label === m.name ? label : `${label}-${m.id}`}`;
}

/** `m1=http://10.0.0.1:2380,m2=...`: every member under the name it will have in the new cluster. */
export function restoreInitialCluster(members: readonly RestoreMember[]): string {
  return members.flatMap((m) => m.peerURLs.map((u) => `${m.name}=${u}`)).join(',');
}

/** One member's restore command: the same snapshot file, its own name, peer URL and a new data dir. */
export function restoreCommand(o: { tool: RestoreTool; snapshot: string; member: RestoreMember; initialCluster: string; token: string; dataDir?: string }): string {
  const { tool, member: m } = o;
  const flags = [
    `--name=${shellQuote(m.name)}`,
    `--initial-cluster=${shellQuote(o.initialCluster)}`,
    `--initial-cluster-token=${shellQuote(o.token)}`,
    `--initial-advertise-peer-urls=${shellQuote(m.peerURLs.join(','))}`,
    `--data-dir=${shellQuote(o.dataDir ?? restoredDataDir(m))}`,
    ...(tool.bumpRevision !== null ? [`--bump-revision=${tool.bumpRevision}`, '--mark-compacted'] : []),
  ];
  return [`${tool.restore} ${shellQuote(o.snapshot)} \\`, ...flags.map((f, i) => `  ${f}${i < flags.length - 1 ? ' \\' : ''}`)].join('\n');
}

/** How to start a restored member: its restored data dir, the same URLs as before, the new token. */
export function restoredStartCommand(o: { member: RestoreMember; initialCluster: string; token: string; tls: boolean }): string {
  const m = o.member;
  const client = m.clientURLs[0] ?? '';
  const peer = m.peerURLs[0] ?? '';
  const listen = (u: string) => {
    try {
      const url = new URL(u);
      return `${url.protocol}//${url.hostname}:${url.port}`;
    } catch {
      return u;
    }
  };
  const flags: [string, string][] = [
    ['name', m.name],
    ['data-dir', restoredDataDir(m)],
    ['listen-client-urls', listen(client)],
    ['advertise-client-urls', m.clientURLs.join(',')],
    ['listen-peer-urls', listen(peer)],
    ['initial-advertise-peer-urls', m.peerURLs.join(',')],
    ['initial-cluster', o.initialCluster],
    ['initial-cluster-token', o.token],
    ...(o.tls
      ? ([
          ['client-cert-auth', 'true'],
          ['trusted-ca-file', '/etc/etcd/pki/ca.crt'],
          ['cert-file', '/etc/etcd/pki/server.crt'],
          ['key-file', '/etc/etcd/pki/server.key'],
          ['peer-client-cert-auth', 'true'],
          ['peer-trusted-ca-file', '/etc/etcd/pki/ca.crt'],
          ['peer-cert-file', '/etc/etcd/pki/peer.crt'],
          ['peer-key-file', '/etc/etcd/pki/peer.key'],
        ] as [string, string][])
      : []),
  ];
  return ['etcd \\', ...flags.map(([k, v], i) => `  --${k}=${shellQuote(v)}${i < flags.length - 1 ? ' \\' : ''}`)].join('\n');
}

/** Where a stored backup is fetched from before a restore, as a person runs it. */
export type BackupLocation = { kind: 'local'; file: string } | { kind: 's3'; bucket: string; key: string; endpoint?: string };

/**
 * Getting the plain snapshot onto a member's host: copy it from its store, decrypt it when it was
 * stored encrypted, then check it (etcd's trailer and status, and the SHA-256 recorded at backup
 * time). Returns the commands and the plain file's name.
 */
export function fetchCommands(o: { location: BackupLocation; id: string; encrypted: boolean; sha256: string; tool: RestoreTool }): { commands: string[]; snapshot: string } {
  const stored = o.location.kind === 'local' ? o.location.file : o.id;
  const plain = o.encrypted ? o.id.replace(/\.enc$/, '') : stored;
  const commands: string[] = [];
  if (o.location.kind === 's3') {
    const { bucket, key, endpoint } = o.location;
    commands.push(`aws s3 cp ${shellQuote(`s3://${bucket}/${key}`)} ${shellQuote(o.id)}${endpoint ? ` --endpoint-url ${shellQuote(endpoint)}` : ''}`);
  }
  if (o.encrypted) commands.push(`RINGSIDE_BACKUP_KEY=... npm run decrypt-snapshot -- ${shellQuote(stored)} ${shellQuote(plain)}`);
  commands.push(`echo ${shellQuote(`${o.sha256}  ${plain}`)} | sha256sum -c -`);
  commands.push(`${o.tool.status} ${shellQuote(plain)} -w table`);
  return { commands, snapshot: plain };
}
