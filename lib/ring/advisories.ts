/**
 * Known version problems: 3.5.0-3.5.2 can lose committed writes on some members when killed
 * under load (fixed in 3.5.3); Kubernetes asks for 3.4.29+ or 3.5.11+; a ring on mixed versions
 * is mid-upgrade at best.
 */
export interface VersionAdvisory {
  kind: 'data-loss-bug' | 'below-kubernetes-minimum' | 'mixed-versions';
  severity: 'critical' | 'warning';
  members: string[];
  message: string;
}

type Semver = [number, number, number];

function parse(v: string): Semver | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

const KUBERNETES_MINIMUM: Record<string, number> = { '3.4': 29, '3.5': 11 };

export function versionAdvisories(members: { name: string; version: string | null }[]): VersionAdvisory[] {
  const known = members.filter((m): m is { name: string; version: string } => Boolean(m.version));
  const out: VersionAdvisory[] = [];
  const bad = known.filter((m) => {
    const v = parse(m.version);
    return v !== null && v[0] === 3 && v[1] === 5 && v[2] <= 2;
  });
  if (bad.length) {
    out.push({
      kind: 'data-loss-bug',
      severity: 'critical',
      members: bad.map((m) => m.name),
      message: `${bad.map((m) => `${m.name} (${m.version})`).join(', ')}: etcd 3.5.0-3.5.2 can lose committed writes on some members when killed under load; upgrade to 3.5.3 or later and enable the corruption checks`,
    });
  }
  const old = known.filter((m) => {
    const v = parse(m.version);
    const min = v ? KUBERNETES_MINIMUM[`${v[0]}.${v[1]}`] : undefined;
    return v !== null && ((min !== undefined && v[2] < min) || (v[0] === 3 && v[1] < 4));
  });
  if (old.length) {
    out.push({
      kind: 'below-kubernetes-minimum',
      severity: 'warning',
      members: old.map((m) => m.name),
      message: `${old.map((m) => `${m.name} (${m.version})`).join(', ')}: below what Kubernetes asks for (3.4.29+ or 3.5.11+)`,
    });
  }
  const versions = [...new Set(known.map((m) => m.version))];
  if (versions.length > 1) {
    out.push({
      kind: 'mixed-versions',
      severity: 'warning',
      members: known.map((m) => m.name),
      message: `Members run different versions (${versions.join(', ')}): finish the rolling upgrade one member at a time`,
    });
  }
  return out;
}
