import { corruptCheckLines } from '../model/etcd-versions';
import type { RingState } from '../ring/types';
import { shellQuote } from '../text/shell';
import { yamlScalar } from '../text/yaml';
import { restoreCommand, restoreInitialCluster, restoreToolFor } from './restore-commands';
import type { RestorePlan, StartInstructions } from './types';

/** Names etcd knows members by in --initial-cluster; an unstarted member has none yet. */
function initialClusterOf(ring: RingState, added: { id?: string; name: string; peerURL: string }): string {
  const parts: string[] = [];
  for (const m of ring.members) {
    const isAdded = m.id === added.id || m.peerURLs.includes(added.peerURL);
    const name = isAdded ? added.name : m.name || `member-${m.id}`;
    for (const u of m.peerURLs) parts.push(`${name}=${u}`);
  }
  if (!parts.some((p) => p.endsWith(`=${added.peerURL}`))) parts.push(`${added.name}=${added.peerURL}`);
  return parts.join(',');
}

/** The client URL the new member should advertise: the replaced member's, else the peer host on :2379. */
export function suggestClientURL(peerURL: string, replacedClientURL?: string): string {
  if (replacedClientURL) return replacedClientURL;
  const u = new URL(peerURL);
  return `${u.protocol}//${u.hostname}:2379`;
}

/** A Go duration ("240m", "4h0m0s") in nanoseconds: etcd's config file reads durations as JSON numbers. */
function nanoseconds(d: string): number {
  const unit: Record<string, number> = { h: 3600e9, m: 60e9, s: 1e9, ms: 1e6 };
  let ns = 0;
  for (const [, n, u] of d.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) ns += Number(n) * unit[u];
  return ns;
}

/**
 * etcd's corruption checks for the new member, spelled for `version` (lib/model/etcd-versions):
 * as flags and ETCD_* variables (which parse like flags), and as config-file lines, where a
 * boolean is a YAML boolean and a duration a number of nanoseconds (etcd 3.4.23 refuses "240m"
 * there: "cannot unmarshal string into Go struct field ... of type time.Duration").
 */
function corruptCheckSettings(version: string | null): { flags: [string, string][]; yaml: string[] } {
  const flags = corruptCheckLines(version).all.map((line): [string, string] => {
    const [k, ...v] = line.slice(2).split('=');
    return [k, v.join('=')];
  });
  const yaml = flags.map(([k, v]) =>
    v === 'true' ? `${k}: true` : /^\d+(\.\d+)?(ms|h|m|s)/.test(v) ? `${k}: ${nanoseconds(v)} # ${v}, in nanoseconds` : `${k}: ${yamlScalar(v)}`,
  );
  return { flags, yaml };
}

/**
 * Exactly how to start a member that was just added: etcd flags, the same as ETCD_* variables,
 * and an etcd config file. `initial-cluster-state: existing` and an empty data dir are what make
 * it join instead of founding a new cluster; TLS paths are placeholders for the operator's files.
 * The corruption checks are on, spelled for `version` (the ring's: a new member runs what its
 * peers run). Names and URLs come from etcd, so every value is quoted for sh (flags, variables)
 * or YAML.
 */
export function startInstructions(
  ring: RingState,
  added: { id?: string; name: string; peerURL: string; clientURL: string },
  tls: boolean,
  version: string | null,
): StartInstructions {
  const initialCluster = initialClusterOf(ring, added);
  const peer = new URL(added.peerURL);
  const client = new URL(added.clientURL);
  const listenClient = `${client.protocol}//${client.hostname}:${client.port || '2379'}`;
  const listenPeer = `${peer.protocol}//${peer.hostname}:${peer.port || '2380'}`;
  const base: [string, string][] = [
    ['name', added.name],
    ['data-dir', '/var/lib/etcd'],
    ['initial-cluster-state', 'existing'],
    ['initial-cluster', initialCluster],
    ['initial-advertise-peer-urls', added.peerURL],
    ['listen-peer-urls', listenPeer],
    ['advertise-client-urls', added.clientURL],
    ['listen-client-urls', listenClient],
  ];
  const tlsFlags: [string, string][] = tls
    ? [
        ['client-cert-auth', 'true'],
        ['trusted-ca-file', '/etc/etcd/pki/ca.crt'],
        ['cert-file', '/etc/etcd/pki/server.crt'],
        ['key-file', '/etc/etcd/pki/server.key'],
        ['peer-client-cert-auth', 'true'],
        ['peer-trusted-ca-file', '/etc/etcd/pki/ca.crt'],
        ['peer-cert-file', '/etc/etcd/pki/peer.crt'],
        ['peer-key-file', '/etc/etcd/pki/peer.key'],
      ]
    : [];
  const checks = corruptCheckSettings(version);
  const all = [...base, ...tlsFlags, ...checks.flags];
  const flags = ['etcd \\', ...all.map(([k, v], i) => `  --${k}=${shellQuote(v)}${i < all.length - 1 ? ' \\' : ''}`)].join('\n');
  const env = all.map(([k, v]) => `ETCD_${k.toUpperCase().replace(/-/g, '_')}=${shellQuote(v)}`).join('\n');
  const configYaml = [
    '# etcd --config-file=etcd-config.yml',
    ...base.map(([k, v]) => `${k}: ${yamlScalar(v)}`),
    ...checks.yaml,
    ...(tls
      ? [
          'client-transport-security:',
          '  client-cert-auth: true',
          '  trusted-ca-file: /etc/etcd/pki/ca.crt',
          '  cert-file: /etc/etcd/pki/server.crt',
          '  key-file: /etc/etcd/pki/server.key',
          'peer-transport-security:',
          '  client-cert-auth: true',
          '  trusted-ca-file: /etc/etcd/pki/ca.crt',
          '  cert-file: /etc/etcd/pki/peer.crt',
          '  key-file: /etc/etcd/pki/peer.key',
        ]
      : []),
  ].join('\n');
  return { name: added.name, peerURL: added.peerURL, clientURL: added.clientURL, initialCluster, flags, env, configYaml, tls, version };
}

/** The API servers' --etcd-servers: every voter's client URL. */
export function etcdServersFlag(ring: RingState): string {
  return ring.members
    .filter((m) => !m.isLearner)
    .flatMap((m) => m.clientURLs.slice(0, 1))
    .join(',');
}

/**
 * A disaster restore from one snapshot: every member restores the same file into a new data dir
 * with its own name and peer URL, then all start as a new cluster, with the tool for the
 * snapshot's etcd version (lib/ops/restore-commands.ts). Every value is quoted for sh: names,
 * URLs and paths are data.
 */
export function restorePlan(
  ring: RingState | null,
  o: {
    /** The stored file as the commands name it (a local path, or the name it is fetched to). */
    file: string;
    /** How to fetch it first, when it is not on the hosts already (an object store). */
    fetch?: string;
    encrypted: boolean;
    cluster: string;
    takenAt: string;
    /** The etcd version the snapshot came from: it picks the restore tool. */
    version: string | null;
    kubernetes: boolean;
  },
): RestorePlan {
  const { file, encrypted, cluster, takenAt, version, kubernetes } = o;
  const members = (ring?.members ?? []).filter((m) => !m.isLearner && m.name && m.peerURLs.length);
  const initialCluster = restoreInitialCluster(members);
  const token = `${cluster}-restore-${takenAt.slice(0, 19).replace(/[-:T]/g, '')}`;
  const source = encrypted ? file.replace(/\.enc$/, '') : file;
  const tool = restoreToolFor(version ?? members.find((m) => m.version)?.version ?? null, { kubernetes });
  const steps = [
    ...(o.fetch ? [`Fetch it onto each member's host: ${o.fetch}`] : []),
    ...(encrypted ? [`Decrypt first: RINGSIDE_BACKUP_KEY=... npm run decrypt-snapshot -- ${shellQuote(file)} ${shellQuote(source)}`] : []),
    'Stop etcd on every member (and the API servers that use it).',
    "Move each member's old data dir aside; never restore over it.",
    `On each member's host, run its command below (the same snapshot file on every host; ${tool.kind} is the restore tool for this version).`,
    "Start every member on its restored data dir; they form a new cluster with the snapshot's data.",
    'Check: etcdctl endpoint status --cluster and endpoint hashkv --cluster, then start the API servers.',
    ...tool.notes,
  ];
  const commands = members.map((m) => ({ member: m.name, command: restoreCommand({ tool, snapshot: source, member: m, initialCluster, token }) }));
  return { steps, commands };
}
