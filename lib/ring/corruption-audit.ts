import { auditFlags, corruptCheckLines, featureGatesOf, versionFacts, type FlagFinding, type ParsedFlag } from '../model/etcd-versions';

/**
 * Are etcd's own corruption checks on? Read from what a member itself reports: its
 * "starting an etcd server" log line, or its pod's command line on Kubernetes. All are off by
 * default; KubeOne turns on the first two with a 240m periodic check. The flags recommended and
 * the flags found deprecated are spelled for the member's own version (lib/model/etcd-versions).
 */
export interface CorruptionAudit {
  member: string;
  source: 'startup-log' | 'pod-command';
  /** The member's version when known (from its startup line, or the ring for a pod). */
  version: string | null;
  /** null when the source did not say. */
  initialCheck: boolean | null;
  /** Go duration of the leader's periodic check ("5s", "4h0m0s"), null when off or unknown. */
  periodicInterval: string | null;
  /** The leader's compaction hash check (3.5.5+); null when unknown or the version has none. */
  compactHashCheck: boolean | null;
  findings: string[];
  /** Flags to add, for the member's version. */
  recommended: string[];
  /** Flags it runs with that its version deprecates or refuses, each with its replacement (pod command only). */
  deprecated: FlagFinding[];
  ok: boolean;
}

/** Go durations as etcd prints them: "0s" and "" mean off. */
export function isZeroDuration(d: string): boolean {
  return /^(0+(\.0+)?(ns|us|µs|ms|s|m|h)?)+$/.test(d) || d === '';
}

/**
 * From the startup line's fields. On 3.6 the setting is in `feature-gates`: its
 * `initial-corrupt-check` field is always false (server/embed/etcd.go at v3.6.14 logs a server
 * config field 3.6 no longer fills), so reading it would call every 3.6 member's check off.
 */
export function auditFromStartLine(member: string, fields: Record<string, unknown>): CorruptionAudit {
  const version = typeof fields['etcd-version'] === 'string' ? (fields['etcd-version'] as string) : null;
  const facts = versionFacts(version ?? '');
  const interval = typeof fields['corrupt-check-time-interval'] === 'string' ? (fields['corrupt-check-time-interval'] as string) : null;
  const snapshotCount = typeof fields['snapshot-count'] === 'number' ? (fields['snapshot-count'] as number) : null;
  let initial: boolean | null = typeof fields['initial-corrupt-check'] === 'boolean' ? (fields['initial-corrupt-check'] as boolean) : null;
  let compact: boolean | null = facts.compactHashCheck && typeof fields['compact-check-time-enabled'] === 'boolean' ? (fields['compact-check-time-enabled'] as boolean) : null;
  if (facts.featureGates) {
    // Only gates set explicitly are listed; an absent one is at its default (off, alpha).
    const gates = typeof fields['feature-gates'] === 'string' ? featureGatesOf(fields['feature-gates'] as string) : null;
    initial = gates ? (gates.get('InitialCorruptCheck') ?? false) : null;
    compact = gates ? (gates.get('CompactHashCheck') ?? false) : null;
  }
  return judge({
    member,
    source: 'startup-log',
    version,
    initialCheck: initial,
    periodicInterval: interval === null || isZeroDuration(interval) ? null : interval,
    periodicKnown: interval !== null,
    compactHashCheck: compact,
    snapshotCount,
    deprecated: [],
  });
}

/** What a pod's command line sets (lib/k8s/flags.ts reads it the way Go's flag package does). */
export interface CommandSettings {
  initialCheck: boolean | null;
  periodicCheck: string | null;
  compactHashCheck: boolean | null;
  flags: ParsedFlag[];
}

export function auditFromFlags(member: string, settings: CommandSettings, version: string | null): CorruptionAudit {
  const periodic = settings.periodicCheck && !isZeroDuration(settings.periodicCheck) ? settings.periodicCheck : null;
  // On a command line an absent flag means the default: off.
  return judge({
    member,
    source: 'pod-command',
    version,
    initialCheck: settings.initialCheck ?? false,
    periodicInterval: periodic,
    periodicKnown: true,
    compactHashCheck: version === null || versionFacts(version).compactHashCheck ? (settings.compactHashCheck ?? false) : null,
    snapshotCount: null,
    deprecated: version ? auditFlags(version, settings.flags) : [],
  });
}

interface Observed {
  member: string;
  source: CorruptionAudit['source'];
  version: string | null;
  initialCheck: boolean | null;
  periodicInterval: string | null;
  periodicKnown: boolean;
  compactHashCheck: boolean | null;
  snapshotCount: number | null;
  deprecated: FlagFinding[];
}

function judge(o: Observed): CorruptionAudit {
  const lines = corruptCheckLines(o.version);
  const gates = versionFacts(o.version ?? '').featureGates;
  const findings: string[] = [];
  const recommended: string[] = [];
  const wantGates: string[] = [];
  if (o.initialCheck === false) {
    findings.push('initial corruption check is off: a member with diverged data can rejoin the ring');
    if (gates) wantGates.push('InitialCorruptCheck=true');
    else recommended.push(lines.initial);
  } else if (o.initialCheck === null) {
    findings.push('initial corruption check: not reported');
  } else if (o.snapshotCount !== null && o.snapshotCount >= 10_000 && o.version?.startsWith('3.4.')) {
    // ETCD.md's trap: 3.4 only knows peers for the initial check from a v2 snapshot file.
    findings.push(`initial check is on, but on 3.4 it checks nothing until the first snapshot (snapshot-count ${o.snapshotCount})`);
  }
  if (o.periodicKnown && o.periodicInterval === null) {
    findings.push('periodic corruption check is off: the leader never compares hashes');
    recommended.push(lines.periodic);
  }
  if (o.compactHashCheck === false && lines.compactHash) {
    findings.push('compaction hash check is off: the leader does not compare hashes at compacted revisions');
    if (gates) wantGates.push('CompactHashCheck=true');
    else recommended.push(lines.compactHash);
  }
  if (wantGates.length) recommended.unshift(`--feature-gates=${wantGates.join(',')}`);
  for (const d of o.deprecated) findings.push(d.replacement ? `${d.message}: use ${d.replacement}` : d.message);
  const ok = recommended.length === 0 && o.initialCheck !== null && !o.deprecated.some((d) => d.severity === 'error');
  return {
    member: o.member,
    source: o.source,
    version: o.version,
    initialCheck: o.initialCheck,
    periodicInterval: o.periodicInterval,
    compactHashCheck: o.compactHashCheck,
    findings,
    recommended,
    deprecated: o.deprecated,
    ok,
  };
}
