import type { SeriesKey } from './series';

/**
 * What differs between etcd 3.4, 3.5 and 3.6 for Ringside, in one place: from a member's reported
 * version, what it supports and how its flags, tools, metrics and alarms are spelled. Everything
 * that prints or checks one of those asks here. Pure, so the browser and the server read the same.
 *
 * Every fact was read in etcd's sources at a release tag (github.com/etcd-io/etcd) or in etcd's
 * own documentation (github.com/etcd-io/website); the unit tests check them against fixtures
 * transcribed from those files (testdata/etcd-sources, each citing its file and tag). Only 3.4.23
 * runs on Ringside's test machines: 3.5 and 3.6 behaviour is known from the sources, not run.
 */

// ---------------------------------------------------------------- versions

export interface EtcdVersion {
  major: number;
  minor: number;
  patch: number;
}

/** "3.5.21", "v3.6.0", "3.6.0-alpha.0" (pre-releases count as their patch); null for anything else. */
export function parseEtcdVersion(v: string | null | undefined): EtcdVersion | null {
  const m = /^v?(\d{1,4})\.(\d{1,4})\.(\d{1,6})(?:[-+][0-9A-Za-z.-]*)?$/.exec(v?.trim() ?? '');
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : null;
}

/** Negative when a < b; unparseable versions sort first. */
export function compareVersions(a: string | null, b: string | null): number {
  const x = parseEtcdVersion(a);
  const y = parseEtcdVersion(b);
  if (!x || !y) return (x ? 1 : 0) - (y ? 1 : 0);
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch;
}

export function atLeast(v: string | null, min: string): boolean {
  return parseEtcdVersion(v) !== null && compareVersions(v, min) >= 0;
}

/** "3.5" of "3.5.21"; null when unparseable. */
export function minorOf(v: string | null): string | null {
  const p = parseEtcdVersion(v);
  return p ? `${p.major}.${p.minor}` : null;
}

/** The minor after or before `minor` ("3.5" -> "3.6"). */
export function nextMinor(minor: string, step: 1 | -1 = 1): string {
  const [a, b] = minor.split('.').map(Number);
  return `${a}.${b + step}`;
}

/** The lowest of the versions given (the cluster runs at the lowest member's protocol). */
export function lowestVersion(versions: (string | null)[]): string | null {
  const known = versions.filter((v): v is string => parseEtcdVersion(v) !== null);
  return known.length ? known.reduce((a, b) => (compareVersions(a, b) <= 0 ? a : b)) : null;
}

/** The minors Ringside models. A newer one is read as the newest modelled (and said so). */
export const MODELLED_MINORS = ['3.4', '3.5', '3.6'] as const;

// ---------------------------------------------------------------- what a version supports

export interface VersionFacts {
  /** --feature-gates (InitialCorruptCheck, CompactHashCheck, ...): 3.6+ (server/features at v3.6.0). */
  featureGates: boolean;
  /** The leader's compaction hash check: 3.5.5+ (--experimental-compact-hash-check-enabled first registered at v3.5.5). */
  compactHashCheck: boolean;
  /** etcdutl exists from 3.5; etcdctl's snapshot status/restore are deprecated in 3.5, gone in 3.6 (only `save` at v3.6.14). */
  etcdutl: boolean;
  /** etcdutl snapshot restore --bump-revision and --mark-compacted: 3.5.10+ (etcd CHANGELOG-3.5, v3.5.10). */
  revisionBump: boolean;
  /** --max-learners (default 1) from 3.6; before, one learner at most, fixed (membership/cluster.go: const maxLearners = 1). */
  maxLearnersFlag: boolean;
}

export function versionFacts(version: string): VersionFacts {
  const at = (min: string) => atLeast(version, min);
  return { featureGates: at('3.6.0'), compactHashCheck: at('3.5.5'), etcdutl: at('3.5.0'), revisionBump: at('3.5.10'), maxLearnersFlag: at('3.6.0') };
}

// ---------------------------------------------------------------- corruption checks

/** KubeOne's period for the leader's check (seed 002: --experimental-corrupt-check-time=240m). */
export const PERIODIC_CHECK = '240m';

export interface CorruptCheckLines {
  /** The check against peers at start. */
  initial: string;
  /** The leader's periodic check every PERIODIC_CHECK. */
  periodic: string;
  /** The leader's compaction hash check, null before 3.5.5. */
  compactHash: string | null;
  /** All of them as a member's flags: one line each, 3.6's gates merged into one --feature-gates. */
  all: string[];
}

/**
 * The flags that turn etcd's corruption checks on, spelled for `version`: the --experimental-*
 * flags on 3.4 and 3.5, feature gates and --corrupt-check-time on 3.6 (server/etcdmain/help.go at
 * v3.6.14: "--experimental-initial-corrupt-check ... Deprecated in v3.6 ... Use
 * '--feature-gates=InitialCorruptCheck=true' instead").
 */
export function corruptCheckLines(version: string | null): CorruptCheckLines {
  const f = versionFacts(version ?? '');
  if (f.featureGates) {
    const gates = '--feature-gates=InitialCorruptCheck=true,CompactHashCheck=true';
    const periodic = `--corrupt-check-time=${PERIODIC_CHECK}`;
    return { initial: '--feature-gates=InitialCorruptCheck=true', periodic, compactHash: '--feature-gates=CompactHashCheck=true', all: [gates, periodic] };
  }
  const initial = '--experimental-initial-corrupt-check=true';
  const periodic = `--experimental-corrupt-check-time=${PERIODIC_CHECK}`;
  const compactHash = f.compactHashCheck ? '--experimental-compact-hash-check-enabled=true' : null;
  return { initial, periodic, compactHash, all: [initial, periodic, ...(compactHash ? [compactHash] : [])] };
}

/**
 * 3.6's startup line says `initial-corrupt-check: false` whatever the setting: the field is
 * server config that 3.6 no longer fills (server/embed/etcd.go at v3.6.14 logs
 * sc.InitialCorruptCheck, never set; the check reads the InitialCorruptCheck gate). Its
 * `feature-gates` field ("CompactHashCheck=true,InitialCorruptCheck=true", set gates only,
 * sorted) is where the setting is.
 */
export function featureGatesOf(value: string): Map<string, boolean | null> {
  const out = new Map<string, boolean | null>();
  for (const pair of value.split(',')) {
    const [gate, raw] = pair.trim().split('=', 2);
    if (gate) out.set(gate, raw === undefined ? null : parseGoBool(raw.trim()));
  }
  return out;
}

/** Go's strconv.ParseBool; null for anything else (etcd would refuse it at start). */
export function parseGoBool(v: string): boolean | null {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return null;
}

// ---------------------------------------------------------------- flags across versions

/** A flag as written on a command line: `--name=value`, or `--name` alone (a boolean). */
export interface ParsedFlag {
  name: string;
  value: string | null;
}

/**
 * A flag a later minor renames, turns into a feature gate, or removes. `in` is the minor where
 * the old spelling stops being the one to use; `status` whether that minor still accepts it (with
 * a warning) or refuses to start with it.
 */
export interface FlagChange {
  flag: string;
  in: '3.5' | '3.6';
  kind: 'renamed' | 'feature-gate' | 'removed' | 'value-removed';
  status: 'deprecated' | 'removed';
  /** renamed: the new flag; feature-gate: the gate. */
  to?: string;
  /** value-removed: the value that is gone. */
  value?: string;
  /** What replaces it when it is not a plain rename: a whole flag line, or words. */
  instead?: string;
}

const renamed36 = (flag: string): FlagChange => ({ flag: `experimental-${flag}`, in: '3.6', kind: 'renamed', status: 'deprecated', to: flag });
const gate36 = (flag: string, to: string): FlagChange => ({ flag, in: '3.6', kind: 'feature-gate', status: 'deprecated', to });

/**
 * From etcd's flag sets at v3.4.23, v3.5.33 and v3.6.14 (testdata/etcd-sources/flags.ts), 3.6's
 * deprecation table (server/etcdmain/config.go deprecatedFlags, server/embed/config.go
 * experimentalFlagMigrationMap, server/features ExperimentalFlagToFeatureMap at v3.6.14), 3.5's
 * (server/etcdmain/config.go deprecatedFlags at v3.5.33, server/embed/config_logging.go:
 * "--logger=capnslog is removed in v3.5") and the upgrade guides (upgrade_3_5.md, upgrade_3_6.md).
 */
export const FLAG_CHANGES: readonly FlagChange[] = [
  // 3.4 -> 3.5
  { flag: 'logger', in: '3.5', kind: 'value-removed', status: 'removed', value: 'capnslog', instead: '--logger=zap' },
  { flag: 'log-output', in: '3.5', kind: 'renamed', status: 'removed', to: 'log-outputs' },
  { flag: 'debug', in: '3.5', kind: 'removed', status: 'removed', instead: '--log-level=debug' },
  { flag: 'log-package-levels', in: '3.5', kind: 'removed', status: 'removed', instead: 'use --log-level (one level for every package)' },
  { flag: 'experimental-backend-bbolt-freelist-type', in: '3.5', kind: 'renamed', status: 'removed', to: 'backend-bbolt-freelist-type' },
  // deprecated in 3.5, removed in 3.6 (the v2 API and the v2 proxy)
  { flag: 'enable-v2', in: '3.6', kind: 'removed', status: 'removed', instead: 'nothing: the v2 API is gone (check the v2 store first: etcdutl check v2store)' },
  { flag: 'experimental-enable-v2v3', in: '3.6', kind: 'removed', status: 'removed', instead: 'nothing: the v2 emulation is gone' },
  ...['proxy', 'proxy-failure-wait', 'proxy-refresh-interval', 'proxy-dial-timeout', 'proxy-write-timeout', 'proxy-read-timeout'].map(
    (flag): FlagChange => ({ flag, in: '3.6', kind: 'removed', status: 'removed', instead: 'nothing: the v2 proxy is gone' }),
  ),
  // 3.5 -> 3.6: the --experimental-* names, deprecated in 3.6 and removed in 3.7
  ...[
    'compact-hash-check-time',
    'corrupt-check-time',
    'compaction-batch-limit',
    'watch-progress-notify-interval',
    'warning-apply-duration',
    'bootstrap-defrag-threshold-megabytes',
    'memory-mlock',
    'snapshot-catchup-entries',
    'compaction-sleep-interval',
    'downgrade-check-time',
    'peer-skip-client-san-verification',
    'enable-distributed-tracing',
    'distributed-tracing-address',
    'distributed-tracing-service-name',
    'distributed-tracing-instance-id',
    'distributed-tracing-sampling-rate',
  ].map(renamed36),
  gate36('experimental-initial-corrupt-check', 'InitialCorruptCheck'),
  gate36('experimental-compact-hash-check-enabled', 'CompactHashCheck'),
  gate36('experimental-stop-grpc-service-on-defrag', 'StopGRPCServiceOnDefrag'),
  gate36('experimental-txn-mode-write-with-shared-buffer', 'TxnModeWriteWithSharedBuffer'),
  gate36('experimental-enable-lease-checkpoint', 'LeaseCheckpoint'),
  gate36('experimental-enable-lease-checkpoint-persist', 'LeaseCheckpointPersist'),
];

/**
 * Flags 3.6 has and 3.5 does not (at v3.6.14 against v3.5.33), beyond the renames above: a member
 * going back to 3.5 must drop them. etcd's downgrade guide maps --max-learners to
 * --experimental-max-learners and InitialCorruptCheck to --experimental-enable-initial-corrupt-check,
 * but no 3.5 release registers either name (v3.5.33's flag set): 3.5 allows one learner, fixed,
 * and its flag is --experimental-initial-corrupt-check.
 */
export const ONLY_IN_3_6: readonly string[] = [
  'feature-gates',
  'log-format',
  'max-learners',
  'warning-unary-request-duration',
  'experimental-warning-unary-request-duration',
  'discovery-token',
  'discovery-endpoints',
  'discovery-dial-timeout',
  'discovery-request-timeout',
  'discovery-keepalive-time',
  'discovery-keepalive-timeout',
  'discovery-insecure-transport',
  'discovery-insecure-skip-tls-verify',
  'discovery-cert',
  'discovery-key',
  'discovery-cacert',
  'discovery-user',
  'discovery-password',
];

export interface FlagFinding {
  /** The flag as the member has it: `--experimental-corrupt-check-time=240m`. */
  flag: string;
  /** error: the version refuses to start with it; warning: accepted, deprecated. */
  severity: 'error' | 'warning';
  message: string;
  /** The exact line to use instead; null: drop it. */
  replacement: string | null;
}

const written = (f: ParsedFlag) => (f.value === null ? `--${f.name}` : `--${f.name}=${f.value}`);

/** `--new=value` for a rename; `--feature-gates=Gate=true` for a gate; the fixed line or null otherwise. */
function replacementFor(c: FlagChange, f: ParsedFlag): string | null {
  if (c.kind === 'renamed') return f.value === null ? `--${c.to}` : `--${c.to}=${f.value}`;
  if (c.kind === 'feature-gate') return `--feature-gates=${c.to}=${f.value === null ? true : (parseGoBool(f.value) ?? f.value)}`;
  return c.instead?.startsWith('--') ? c.instead : null;
}

function applies(c: FlagChange, f: ParsedFlag): boolean {
  return c.flag === f.name && (c.kind !== 'value-removed' || f.value === c.value);
}

/**
 * A member's own flags judged for the version it runs: deprecated spellings (still accepted) with
 * the exact line that replaces each, and flags this version no longer knows. On 3.6, KubeOne's
 * `--experimental-initial-corrupt-check=true` becomes `--feature-gates=InitialCorruptCheck=true`
 * (setting both is an error: server/embed/config.go SetFeatureGatesFromExperimentalFlags at
 * v3.6.14, "cannot specify both flags").
 */
export function auditFlags(version: string, flags: ParsedFlag[]): FlagFinding[] {
  const out: FlagFinding[] = [];
  for (const f of flags) {
    for (const c of FLAG_CHANGES) {
      if (!applies(c, f) || !atLeast(version, `${c.in}.0`)) continue;
      const gone = c.status === 'removed';
      out.push({
        flag: written(f),
        severity: gone ? 'error' : 'warning',
        message: gone ? `${written(f)} is not accepted by etcd ${c.in}+: etcd ${version} refuses to start with it` : `${written(f)} is deprecated in etcd ${c.in} and removed in ${nextMinor(c.in)}`,
        replacement: replacementFor(c, f),
      });
    }
  }
  return mergeGates(out, flags);
}

/**
 * What a move from `from` to `to` (one minor up or down) does to these flags: each one the target
 * removes or renames, with its exact replacement. Going up, the renames of the target minor and the
 * removals up to it; going down from 3.6, 3.6's new names back to the --experimental-* ones and
 * the 3.6-only flags dropped.
 */
export function flagsForTarget(from: string, to: string, flags: ParsedFlag[]): FlagFinding[] {
  const up = compareVersions(to, from) >= 0;
  const target = minorOf(to);
  const out: FlagFinding[] = [];
  if (up) {
    for (const f of flags) {
      for (const c of FLAG_CHANGES) {
        if (!applies(c, f) || compareVersions(`${c.in}.0`, from) <= 0 || compareVersions(`${c.in}.0`, to) > 0) continue;
        const gone = c.status === 'removed';
        out.push({
          flag: written(f),
          severity: gone ? 'error' : 'warning',
          message: gone ? `etcd ${target} refuses to start with ${written(f)}` : `etcd ${target} deprecates ${written(f)} (removed in ${nextMinor(c.in)})`,
          replacement: replacementFor(c, f),
        });
      }
    }
    return mergeGates(out, flags);
  }
  if (minorOf(from) !== '3.6' || target !== '3.5') return out;
  for (const f of flags) {
    const back = FLAG_CHANGES.find((c) => c.in === '3.6' && c.kind === 'renamed' && c.to === f.name);
    if (back) {
      out.push({ flag: written(f), severity: 'error', message: `etcd 3.5 spells ${written(f)} with its --experimental- name`, replacement: f.value === null ? `--${back.flag}` : `--${back.flag}=${f.value}` });
    } else if (f.name === 'feature-gates' && f.value !== null) {
      const lines = [...featureGatesOf(f.value)].map(([gate, on]) => {
        const c = FLAG_CHANGES.find((x) => x.kind === 'feature-gate' && x.to === gate);
        return c ? `--${c.flag}=${on ?? true}` : null;
      });
      out.push({ flag: written(f), severity: 'error', message: 'etcd 3.5 has no --feature-gates: each gate is an --experimental-* flag', replacement: lines.filter((l): l is string => l !== null).join(' ') || null });
    } else if (ONLY_IN_3_6.includes(f.name)) {
      out.push({ flag: written(f), severity: 'error', message: `etcd 3.5 does not know ${written(f)}`, replacement: null });
    }
  }
  return out;
}

/**
 * Every flag change a move from `from` to `to` makes, as patterns to check a member's
 * configuration against when Ringside cannot read its flags: `--old=<value>` -> `--new=<value>`.
 */
export function flagChangesFor(from: string, to: string): { flag: string; replacement: string | null; note: string }[] {
  const fromMinor = minorOf(from);
  const toMinor = minorOf(to);
  if (!fromMinor || !toMinor || fromMinor === toMinor) return [];
  if (compareVersions(to, from) > 0) {
    return FLAG_CHANGES.filter((c) => compareVersions(`${c.in}.0`, from) > 0 && compareVersions(`${c.in}.0`, to) <= 0).map((c) => ({
      flag: c.kind === 'value-removed' ? `--${c.flag}=${c.value}` : c.kind === 'removed' ? `--${c.flag}` : `--${c.flag}=<value>`,
      replacement: c.kind === 'renamed' ? `--${c.to}=<value>` : c.kind === 'feature-gate' ? `--feature-gates=${c.to}=<value>` : (c.instead?.startsWith('--') ? c.instead : null),
      note: c.status === 'removed' ? `etcd ${c.in} refuses it${c.instead && !c.instead.startsWith('--') ? `; ${c.instead}` : ''}` : `deprecated in ${c.in}, removed in ${nextMinor(c.in)}`,
    }));
  }
  if (fromMinor !== '3.6' || toMinor !== '3.5') return [];
  return [
    ...FLAG_CHANGES.filter((c) => c.in === '3.6' && c.kind === 'renamed').map((c) => ({ flag: `--${c.to}=<value>`, replacement: `--${c.flag}=<value>`, note: 'etcd 3.5 knows only the --experimental- name' })),
    ...FLAG_CHANGES.filter((c) => c.in === '3.6' && c.kind === 'feature-gate').map((c) => ({ flag: `--feature-gates=${c.to}=<value>`, replacement: `--${c.flag}=<value>`, note: 'etcd 3.5 has no feature gates' })),
    ...ONLY_IN_3_6.map((f) => ({ flag: `--${f}`, replacement: null, note: 'etcd 3.5 does not know it' })),
  ];
}

/** Several --experimental-* flags becoming gates are one --feature-gates line, merged with any already given. */
function mergeGates(findings: FlagFinding[], flags: ParsedFlag[]): FlagFinding[] {
  const gated = findings.filter((f) => f.replacement?.startsWith('--feature-gates='));
  if (gated.length === 0) return findings;
  const existing = flags.filter((f) => f.name === 'feature-gates' && f.value).flatMap((f) => f.value!.split(','));
  const merged = `--feature-gates=${[...existing, ...gated.map((f) => f.replacement!.slice('--feature-gates='.length))].join(',')}`;
  return findings.map((f) => (gated.includes(f) ? { ...f, replacement: merged } : f));
}

// ---------------------------------------------------------------- snapshot tools

/**
 * etcd's own advice (op-guide/recovery.md, "Restoring with revision bump"): 1,000,000,000 covers
 * a week-old snapshot below 1,500 writes per second.
 */
export const BUMP_REVISION = 1_000_000_000;

/** `etcdutl check v2store` (3.5.18+; 3.5.32+ also reads the WAL; 3.6's etcdutl has no `check`). */
export const V2STORE_CHECK = 'etcdutl check v2store --data-dir';

// ---------------------------------------------------------------- metrics

/**
 * The families Ringside reads from a member's /metrics, by what they measure. Every name exists
 * in 3.4.23, 3.5.33 and 3.6.14 (testdata/etcd-sources/metrics.ts) except where a version range
 * says otherwise; `names` are tried in order.
 */
export const METRIC_FAMILIES = {
  serverId: { names: ['etcd_server_id'] },
  version: { names: ['etcd_server_version'] },
  /** The Prometheus client library's, not etcd's: every version. */
  processStart: { names: ['process_start_time_seconds'] },
  hasLeader: { names: ['etcd_server_has_leader'] },
  isLeader: { names: ['etcd_server_is_leader'] },
  isLearner: { names: ['etcd_server_is_learner'] },
  walFsync: { names: ['etcd_disk_wal_fsync_duration_seconds'] },
  backendCommit: { names: ['etcd_disk_backend_commit_duration_seconds'] },
  peerRtt: { names: ['etcd_network_peer_round_trip_time_seconds'] },
  peerSentFailures: { names: ['etcd_network_peer_sent_failures_total'] },
  proposalsPending: { names: ['etcd_server_proposals_pending'] },
  proposalsFailed: { names: ['etcd_server_proposals_failed_total'] },
  leaderChanges: { names: ['etcd_server_leader_changes_seen_total'] },
  slowApplies: { names: ['etcd_server_slow_apply_total'] },
  heartbeatFailures: { names: ['etcd_server_heartbeat_send_failures_total'] },
  /** 3.4 serves both; 3.5 removed the debugging name (upgrade_3_5.md). Older members had only the debugging one. */
  dbSize: { names: ['etcd_mvcc_db_total_size_in_bytes', 'etcd_debugging_mvcc_db_total_size_in_bytes'] },
  dbSizeInUse: { names: ['etcd_mvcc_db_total_size_in_use_in_bytes'] },
  quota: { names: ['etcd_server_quota_backend_bytes'] },
  /** major.minor only ("3.5"), in the `cluster_version` label. */
  clusterVersion: { names: ['etcd_cluster_version'] },
} as const satisfies Record<string, { names: readonly string[] }>;

export type MetricKey = keyof typeof METRIC_FAMILIES;

/**
 * The families behind each charted figure. A scrape that lacks one (a version that stopped
 * serving it, a proxy in the way) is reported on that figure's chart, never left as an empty chart.
 */
export const SERIES_FAMILIES: Partial<Record<SeriesKey, MetricKey[]>> = {
  walFsyncP99Ms: ['walFsync'],
  backendCommitP99Ms: ['backendCommit'],
  peerRttP99Ms: ['peerRtt'],
  proposalsPending: ['proposalsPending'],
  proposalsFailed15m: ['proposalsFailed'],
  leaderChanges15m: ['leaderChanges'],
  slowApplies15m: ['slowApplies'],
  heartbeatFailures15m: ['heartbeatFailures'],
  quotaUsedPct: ['dbSize', 'quota'],
};

// ---------------------------------------------------------------- the CORRUPT alarm

export type CorruptAlarmNaming = 'checked-member' | 'member-0' | 'quorum-minority';

/**
 * Whom a CORRUPT alarm names, by the version of the leader that raised it (server/etcdserver/corrupt.go):
 * - before 3.4.23 and 3.5.7: the member the leader's periodic check compared (the follower that
 *   differed, or the leader itself when its own hash moved), whichever side was bad;
 * - 3.4.23+ and 3.5.7+: member 0, always ("It isn't clear which member's data is corrupted, so we
 *   intentionally set the memberID as 0", etcd PR 14828);
 * - 3.6: the members outside a quorum that agrees, from the compaction hash check (0 when no
 *   quorum agrees); the periodic check names the follower that differs from the leader.
 */
export function corruptAlarmNaming(leaderVersion: string | null): CorruptAlarmNaming {
  if (atLeast(leaderVersion, '3.6.0')) return 'quorum-minority';
  const v = parseEtcdVersion(leaderVersion);
  if (v && ((v.minor === 4 && v.patch < 23) || (v.minor === 5 && v.patch < 7))) return 'checked-member';
  return 'member-0';
}

export interface AlarmAttribution {
  /** The member etcd names, null for member 0. */
  memberId: string | null;
  /** Whether etcd's choice can be taken as the bad member without HashKV agreeing. */
  trusted: boolean;
  /** In words, for the alarm panel. */
  text: string;
}

/**
 * What a CORRUPT alarm on `alarmMemberId` says about which member is bad, given the leader's
 * version. `minority` is Ringside's own HashKV minority, the inference when etcd names nobody.
 */
export function attributeCorruptAlarm(alarmMemberId: string, leaderVersion: string | null, name: (id: string) => string, minority: string[]): AlarmAttribution {
  const naming = corruptAlarmNaming(leaderVersion);
  const inferred = minority.length ? ` Inferred: ${minority.map(name).join(', ')} (the HashKV minority).` : ' The hashes do not single out a member yet.';
  if (alarmMemberId === '0') {
    const why = naming === 'quorum-minority' ? 'etcd 3.6 names member 0 when no quorum of hashes agrees' : `etcd ${leaderVersion ?? 'since 3.4.23 and 3.5.7'} raises it on member 0 whatever it found`;
    return { memberId: null, trusted: false, text: `Raised on member 0, which names nobody (${why}).${inferred}` };
  }
  const who = name(alarmMemberId);
  if (naming === 'quorum-minority') {
    const agrees = minority.length === 0 || minority.includes(alarmMemberId);
    return {
      memberId: alarmMemberId,
      trusted: agrees,
      text: `etcd ${leaderVersion} names ${who}: its compaction hash check names the members outside a quorum that agrees, its periodic check the follower that differs from the leader.${agrees ? '' : inferred}`,
    };
  }
  return {
    memberId: alarmMemberId,
    trusted: false,
    text: `etcd ${leaderVersion ?? 'before 3.4.23/3.5.7'} names ${who}, the member its leader compared, which is not proof that ${who} is the bad one (the leader's own data may differ).${inferred}`,
  };
}

// ---------------------------------------------------------------- learners

/**
 * etcd promotes a learner only once its raft progress is at least 90% of the leader's
 * (readyPercent = 0.9, etcdserver/server.go isLearnerReady at v3.4.23; readyPercentThreshold at
 * v3.6.14); until then it answers "can only promote a learner member which is in sync with leader".
 * Ringside reads the learner's raft index from its own status as the nearest it can see of the
 * leader's Match for it.
 */
export const PROMOTE_READY = 0.9;

export function learnerReady(learnerIndex: number | null, leaderIndex: number | null): boolean {
  if (learnerIndex === null || leaderIndex === null || leaderIndex <= 0) return false;
  return learnerIndex >= leaderIndex * PROMOTE_READY;
}

/** How many learners a ring of `version` may hold, in words for a refusal. */
export function learnerLimit(version: string | null): string {
  return versionFacts(version ?? '').maxLearnersFlag
    ? 'etcd 3.6 allows as many as its --max-learners (default 1)'
    : `etcd ${minorOf(version) ?? 'before 3.6'} allows one at a time`;
}

// ---------------------------------------------------------------- support and upgrades

/**
 * The newest 3.5 patch the 3.5 -> 3.6 upgrade guide requires on every member first
 * (upgrade_3_6.md, "Update 3.5"; 3.5.20 when 3.6.0 came out, 3.5.26 in late 2025, 3.5.32 since
 * August 2026): older patches fail with "too many learner members" or leave zombie members (etcd
 * issues 19557, 20793; the learner-promotion persistence fix is in 3.5.24, etcd PR 20797).
 */
export const MIN_35_BEFORE_36 = '3.5.32';

/** 3.4.45 (2026-06-01) ended 3.4's support (CHANGELOG-3.4.md); etcd supports two minors at a time. */
export const END_OF_LIFE: Readonly<Record<string, { last: string; on: string }>> = { '3.4': { last: '3.4.45', on: 'June 2026' } };

/** Known bad patches: 3.5.0-3.5.2 can lose committed writes on some members when killed under load (fixed in 3.5.3). */
export function hasDataLossBug(version: string | null): boolean {
  const v = parseEtcdVersion(version);
  return v !== null && v.major === 3 && v.minor === 5 && v.patch <= 2;
}

/** Kubernetes asks for 3.4.29+ or 3.5.11+ (ETCD.md); 3.6 is what kubeadm 1.36 deploys. */
export const KUBERNETES_MINIMUM: Readonly<Record<string, number>> = { '3.4': 29, '3.5': 11 };
