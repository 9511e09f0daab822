import {
  compareVersions,
  END_OF_LIFE,
  hasDataLossBug,
  KUBERNETES_MINIMUM,
  MIN_35_BEFORE_36,
  minorOf,
  MODELLED_MINORS,
  parseEtcdVersion,
} from '../model/etcd-versions';

/**
 * Known version problems, from the version model (lib/model/etcd-versions): 3.5.0-3.5.2 can lose
 * committed writes; Kubernetes asks for 3.4.29+ or 3.5.11+; 3.4 is out of support; 3.6 members
 * must not meet 3.5 members below the patch the upgrade guide requires; versions mixed beyond a
 * rolling upgrade's one minor; a member that refuses to start because its ring or its data dir
 * was written by a newer etcd.
 */
export interface VersionAdvisory {
  kind:
    | 'data-loss-bug'
    | 'below-kubernetes-minimum'
    | 'end-of-life'
    | 'upgrade-patch-level'
    | 'mixed-versions'
    | 'not-modelled'
    | 'newer-data-dir';
  severity: 'critical' | 'warning';
  members: string[];
  message: string;
}

/** A member that refused to start over versions, from its own log line (lib/logs, category `version`). */
export interface VersionRefusal {
  member: string;
  /** ISO time of the line, null when it carried none. */
  at: string | null;
  message: string;
  /** What the line says it found: "it runs 3.5.33, the ring 3.6". */
  detail: string | null;
}

export interface AdvisoryMember {
  name: string;
  version: string | null;
  /** A refusal is news only while the member is down and since it last answered. */
  reachable?: boolean;
  lastSeen?: string | null;
}

const list = (ms: { name: string; version: string }[]) => ms.map((m) => `${m.name} (${m.version})`).join(', ');

export function versionAdvisories(members: AdvisoryMember[], refusals: VersionRefusal[] = []): VersionAdvisory[] {
  const known = members.filter((m): m is AdvisoryMember & { version: string } => parseEtcdVersion(m.version) !== null);
  const out: VersionAdvisory[] = [];
  const add = (kind: VersionAdvisory['kind'], severity: VersionAdvisory['severity'], ms: { name: string }[], message: string) =>
    out.push({ kind, severity, members: ms.map((m) => m.name), message });

  const bad = known.filter((m) => hasDataLossBug(m.version));
  if (bad.length) add('data-loss-bug', 'critical', bad, `${list(bad)}: etcd 3.5.0-3.5.2 can lose committed writes on some members when killed under load; upgrade to 3.5.3 or later and enable the corruption checks`);

  const old = known.filter((m) => {
    const v = parseEtcdVersion(m.version)!;
    const min = KUBERNETES_MINIMUM[`${v.major}.${v.minor}`];
    return (min !== undefined && v.patch < min) || (v.major === 3 && v.minor < 4);
  });
  if (old.length) add('below-kubernetes-minimum', 'warning', old, `${list(old)}: below what Kubernetes asks for (3.4.29+ or 3.5.11+)`);

  const eol = known.filter((m) => END_OF_LIFE[minorOf(m.version)!] !== undefined);
  if (eol.length) {
    const minor = minorOf(eol[0].version)!;
    add('end-of-life', 'warning', eol, `${list(eol)}: etcd ${minor} is out of support since ${END_OF_LIFE[minor].last} (${END_OF_LIFE[minor].on}); upgrade one minor at a time (${minor} -> 3.5 -> 3.6)`);
  }

  const minors = [...new Set(known.map((m) => minorOf(m.version)!))].sort((a, b) => compareVersions(`${a}.0`, `${b}.0`));
  const on36 = known.filter((m) => minorOf(m.version) === '3.6');
  const low35 = known.filter((m) => minorOf(m.version) === '3.5' && compareVersions(m.version, MIN_35_BEFORE_36) < 0);
  if (on36.length && low35.length) {
    add(
      'upgrade-patch-level',
      'critical',
      low35,
      `${list(low35)} ${low35.length > 1 ? 'run' : 'runs'} with 3.6 members but below ${MIN_35_BEFORE_36}, the 3.5 patch the upgrade guide requires first: older patches fail the upgrade with "too many learner members" or leave zombie members (etcd issues 19557, 20793). Bring ${low35.length > 1 ? 'them' : 'it'} to ${MIN_35_BEFORE_36}+ before upgrading another member.`,
    );
  }

  const versions = [...new Set(known.map((m) => m.version))];
  if (minors.length > 2 || (minors.length === 2 && !oneApart(minors[0], minors[1]))) {
    add('mixed-versions', 'critical', known, `Members run etcd ${minors.join(' and ')} (${versions.join(', ')}): etcd upgrades one minor at a time, so this ring is outside any supported upgrade. Bring every member to one minor.`);
  } else if (minors.length === 2) {
    const upper = known.filter((m) => minorOf(m.version) === minors[1]);
    add(
      'mixed-versions',
      'warning',
      known,
      `Members run ${versions.join(', ')}: a rolling upgrade (or downgrade) between ${minors[0]} and ${minors[1]} is under way, ${upper.length} of ${known.length} on ${minors[1]}. The ring speaks ${minors[0]}'s protocol until every member runs one version: finish it one member at a time (the Upgrade page tracks it).`,
    );
  } else if (versions.length > 1) {
    add('mixed-versions', 'warning', known, `Members run different patches of ${minors[0]} (${versions.join(', ')}): fine during a patch upgrade one member at a time; outside one, bring them to the same patch`);
  }

  const unmodelled = known.filter((m) => !MODELLED_MINORS.includes(minorOf(m.version) as (typeof MODELLED_MINORS)[number]) && compareVersions(m.version, '3.6.0') > 0);
  if (unmodelled.length) add('not-modelled', 'warning', unmodelled, `${list(unmodelled)}: Ringside knows etcd 3.4 to 3.6; flags, tools and metrics are shown as 3.6 spells them`);

  const refusing = refusals.filter((r) => {
    const m = members.find((x) => x.name === r.member);
    return m?.reachable === false && (m.lastSeen == null || (r.at !== null && r.at >= m.lastSeen));
  });
  if (refusing.length) {
    add(
      'newer-data-dir',
      'critical',
      refusing.map((r) => ({ name: r.member })),
      `${refusing.map((r) => `${r.member} refuses to start: "${r.message}"${r.detail ? ` (${r.detail})` : ''}`).join('; ')}. Its ring or its data dir was written by a newer etcd: start it with the version it ran before, or bring it down through etcd's downgrade (3.6 -> 3.5: etcdctl downgrade enable 3.5 first).`,
    );
  }
  return out;
}

function oneApart(a: string, b: string): boolean {
  const [x, y] = [parseEtcdVersion(`${a}.0`)!, parseEtcdVersion(`${b}.0`)!];
  return x.major === y.major && Math.abs(x.minor - y.minor) === 1;
}
