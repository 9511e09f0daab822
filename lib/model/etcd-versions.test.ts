import { describe, expect, test } from 'vitest';
import {
  atLeast,
  attributeCorruptAlarm,
  auditFlags,
  compareVersions,
  corruptAlarmNaming,
  corruptCheckLines,
  FLAG_CHANGES,
  flagChangesFor,
  flagsForTarget,
  learnerReady,
  lowestVersion,
  METRIC_FAMILIES,
  ONLY_IN_3_6,
  parseEtcdVersion,
  versionFacts,
} from './etcd-versions';
import { CORRUPT_ALARM_AT } from './testdata/etcd-sources/alarms';
import { BOTH_SET_ERROR_V3_6_14, DEPRECATED_FLAGS_V3_5_33, DEPRECATED_FLAGS_V3_6_14, EXPERIMENTAL_FLAG_TO_FEATURE_V3_6_14, FLAG_MIGRATION_V3_6_14, HELP_INITIAL_CORRUPT_CHECK_V3_6_14 } from './testdata/etcd-sources/deprecations';
import { FLAGS_V3_4_23, FLAGS_V3_5_33, FLAGS_V3_5_4, FLAGS_V3_5_5, FLAGS_V3_6_14 } from './testdata/etcd-sources/flags';
import { METRICS_V3_4_23, METRICS_V3_5_33, METRICS_V3_6_14 } from './testdata/etcd-sources/metrics';
import { BUMP_REVISION_HELP_V3_6_14, RECOVERY_DOC_BUMP, SNAPSHOT_TOOLS } from './testdata/etcd-sources/tools';
import { restoreToolFor as restoreTool } from '../ops/restore-commands';

const FLAGS_AT: Record<string, readonly string[]> = { '3.4': FLAGS_V3_4_23, '3.5': FLAGS_V3_5_33, '3.6': FLAGS_V3_6_14 };
const prev = (minor: string) => (minor === '3.6' ? '3.5' : '3.4');

describe('versions', () => {
  test('parsing and order, pre-releases counting as their patch', () => {
    expect(parseEtcdVersion('v3.6.0-alpha.0')).toEqual({ major: 3, minor: 6, patch: 0 });
    expect(parseEtcdVersion('3.5')).toBeNull();
    expect(parseEtcdVersion('not_decided')).toBeNull();
    expect(compareVersions('3.5.9', '3.5.10')).toBeLessThan(0);
    expect(compareVersions('3.6.0', '3.5.33')).toBeGreaterThan(0);
    expect(atLeast('3.5.5', '3.5.5') && !atLeast('3.5.4', '3.5.5') && !atLeast(null, '3.4.0')).toBe(true);
    expect(lowestVersion(['3.6.1', null, '3.5.33', '3.6.0'])).toBe('3.5.33');
  });
});

describe('corruption-check flags per version, against the flag sets at the tags', () => {
  test('3.4.23 and 3.5.4: the two --experimental-* flags; no compaction hash check before 3.5.5', () => {
    for (const [v, flags] of [['3.4.23', FLAGS_V3_4_23], ['3.5.4', FLAGS_V3_5_4]] as const) {
      const l = corruptCheckLines(v);
      expect(l.all).toEqual(['--experimental-initial-corrupt-check=true', '--experimental-corrupt-check-time=240m']);
      expect(l.compactHash).toBeNull();
      for (const line of l.all) expect(flags).toContain(line.slice(2).split('=')[0]);
      expect(flags).not.toContain('experimental-compact-hash-check-enabled');
    }
  });

  test('3.5.5 and 3.5.33 add --experimental-compact-hash-check-enabled', () => {
    for (const [v, flags] of [['3.5.5', FLAGS_V3_5_5], ['3.5.33', FLAGS_V3_5_33]] as const) {
      const l = corruptCheckLines(v);
      expect(l.compactHash).toBe('--experimental-compact-hash-check-enabled=true');
      for (const line of l.all) expect(flags).toContain(line.slice(2).split('=')[0]);
    }
  });

  test('3.6: feature gates and --corrupt-check-time, as its help text says', () => {
    const l = corruptCheckLines('3.6.14');
    expect(l.all).toEqual(['--feature-gates=InitialCorruptCheck=true,CompactHashCheck=true', '--corrupt-check-time=240m']);
    expect(HELP_INITIAL_CORRUPT_CHECK_V3_6_14).toContain(`Use '${l.initial}' instead`);
    expect(DEPRECATED_FLAGS_V3_6_14['experimental-compact-hash-check-enabled']).toContain(`Use '${l.compactHash}' instead`);
    expect(FLAGS_V3_6_14).toEqual(expect.arrayContaining(['feature-gates', 'corrupt-check-time']));
  });
});

describe('flag changes, each checked against the flag sets at v3.4.23, v3.5.33 and v3.6.14', () => {
  test.each(FLAG_CHANGES.map((c) => [`${c.flag}${c.value ? `=${c.value}` : ''} (${c.kind} in ${c.in})`, c] as const))('%s', (_, c) => {
    // The old spelling exists in the minor before the change.
    expect(FLAGS_AT[prev(c.in)]).toContain(c.flag);
    // A removal is gone in its minor; a deprecation is still there (3.6 warns).
    if (c.kind === 'value-removed') return;
    expect(FLAGS_AT[c.in].includes(c.flag)).toBe(c.status === 'deprecated');
    if (c.kind === 'renamed') expect(FLAGS_AT[c.in]).toContain(c.to);
    if (c.kind === 'feature-gate') expect(EXPERIMENTAL_FLAG_TO_FEATURE_V3_6_14[c.flag]).toBe(c.to);
  });

  test("every deprecation 3.6.14 announces is known (max-snapshots and v2-deprecation stay until 3.8 and rename nothing)", () => {
    const known = new Set(FLAG_CHANGES.filter((c) => c.in === '3.6').map((c) => c.flag));
    for (const flag of Object.keys(DEPRECATED_FLAGS_V3_6_14)) {
      if (flag === 'max-snapshots' || flag === 'v2-deprecation') continue;
      expect(known, flag).toContain(flag);
    }
    for (const [flag, to] of Object.entries(FLAG_MIGRATION_V3_6_14)) expect(FLAG_CHANGES.find((c) => c.flag === flag)?.to).toBe(to);
    for (const [flag, gate] of Object.entries(EXPERIMENTAL_FLAG_TO_FEATURE_V3_6_14)) expect(FLAG_CHANGES.find((c) => c.flag === flag)).toMatchObject({ kind: 'feature-gate', to: gate });
    // What 3.5.33 calls deprecated is what 3.6 removed.
    for (const flag of DEPRECATED_FLAGS_V3_5_33) expect(FLAG_CHANGES.find((c) => c.flag === flag)).toMatchObject({ in: '3.6', status: 'removed' });
  });

  test('the flags only 3.6 has are exactly those 3.6.14 registers and 3.5.33 does not, beyond its renames', () => {
    const renamed = new Set(FLAG_CHANGES.filter((c) => c.in === '3.6' && c.kind === 'renamed').map((c) => c.to));
    const only = FLAGS_V3_6_14.filter((f) => !FLAGS_V3_5_33.includes(f) && !renamed.has(f));
    expect([...ONLY_IN_3_6].sort()).toEqual(only.sort());
  });
});

describe("auditing a member's flags", () => {
  // KubeOne's corruption-check flags (seed 002) on a member of each version.
  const KUBEONE = [
    { name: 'experimental-corrupt-check-time', value: '240m' },
    { name: 'experimental-initial-corrupt-check', value: 'true' },
  ];

  test('on 3.5 they are the right spelling', () => {
    expect(auditFlags('3.5.33', KUBEONE)).toEqual([]);
    expect(auditFlags('3.4.23', KUBEONE)).toEqual([]);
  });

  test('on 3.6 they are deprecated, each with the exact line that replaces it', () => {
    expect(auditFlags('3.6.14', KUBEONE)).toEqual([
      {
        flag: '--experimental-corrupt-check-time=240m',
        severity: 'warning',
        message: '--experimental-corrupt-check-time=240m is deprecated in etcd 3.6 and removed in 3.7',
        replacement: '--corrupt-check-time=240m',
      },
      {
        flag: '--experimental-initial-corrupt-check=true',
        severity: 'warning',
        message: '--experimental-initial-corrupt-check=true is deprecated in etcd 3.6 and removed in 3.7',
        replacement: '--feature-gates=InitialCorruptCheck=true',
      },
    ]);
  });

  test('3.6: several gates become one --feature-gates line, merged with the gates already given', () => {
    const f = auditFlags('3.6.14', [
      { name: 'feature-gates', value: 'StopGRPCServiceOnDefrag=true' },
      { name: 'experimental-initial-corrupt-check', value: 'true' },
      { name: 'experimental-compact-hash-check-enabled', value: null },
    ]);
    expect(f.map((x) => x.replacement)).toEqual([
      '--feature-gates=StopGRPCServiceOnDefrag=true,InitialCorruptCheck=true,CompactHashCheck=true',
      '--feature-gates=StopGRPCServiceOnDefrag=true,InitialCorruptCheck=true,CompactHashCheck=true',
    ]);
    // Keeping the old flag next to its gate is what 3.6 refuses; the replacement drops it.
    expect(BOTH_SET_ERROR_V3_6_14).toContain('please just use --feature-gates=InitialCorruptCheck=true');
  });

  test('a 3.6 member given a flag 3.6 removed is told it will not start', () => {
    expect(auditFlags('3.6.0', [{ name: 'enable-v2', value: 'false' }])).toEqual([
      { flag: '--enable-v2=false', severity: 'error', message: '--enable-v2=false is not accepted by etcd 3.6+: etcd 3.6.0 refuses to start with it', replacement: null },
    ]);
  });
});

describe('flags for an upgrade or a downgrade target', () => {
  test('3.4 -> 3.5: capnslog, --log-output and --debug are gone, with what replaces each', () => {
    const f = flagsForTarget('3.4.23', '3.5.33', [
      { name: 'logger', value: 'capnslog' },
      { name: 'log-output', value: 'stderr' },
      { name: 'debug', value: null },
      { name: 'experimental-initial-corrupt-check', value: 'true' },
    ]);
    expect(f.map((x) => [x.flag, x.severity, x.replacement])).toEqual([
      ['--logger=capnslog', 'error', '--logger=zap'],
      ['--log-output=stderr', 'error', '--log-outputs=stderr'],
      ['--debug', 'error', '--log-level=debug'],
    ]);
  });

  test('3.5 -> 3.6: KubeOne flags deprecated with replacements, --enable-v2 refused', () => {
    const f = flagsForTarget('3.5.33', '3.6.14', [
      { name: 'experimental-initial-corrupt-check', value: 'true' },
      { name: 'experimental-corrupt-check-time', value: '240m' },
      { name: 'enable-v2', value: 'true' },
    ]);
    expect(f.map((x) => [x.flag, x.severity, x.replacement])).toEqual([
      ['--experimental-initial-corrupt-check=true', 'warning', '--feature-gates=InitialCorruptCheck=true'],
      ['--experimental-corrupt-check-time=240m', 'warning', '--corrupt-check-time=240m'],
      ['--enable-v2=true', 'error', null],
    ]);
  });

  test('3.6 -> 3.5 (downgrade): new names back to --experimental-*, gates to flags, 3.6-only flags dropped', () => {
    const f = flagsForTarget('3.6.14', '3.5.33', [
      { name: 'corrupt-check-time', value: '240m' },
      { name: 'feature-gates', value: 'InitialCorruptCheck=true,CompactHashCheck=true' },
      { name: 'max-learners', value: '1' },
      { name: 'name', value: 'cp-1' },
    ]);
    expect(f.map((x) => [x.flag, x.replacement])).toEqual([
      ['--corrupt-check-time=240m', '--experimental-corrupt-check-time=240m'],
      ['--feature-gates=InitialCorruptCheck=true,CompactHashCheck=true', '--experimental-initial-corrupt-check=true --experimental-compact-hash-check-enabled=true'],
      ['--max-learners=1', null],
    ]);
    // Every replacement is a flag 3.5.33 registers.
    for (const r of f.flatMap((x) => x.replacement?.split(' ') ?? [])) expect(FLAGS_V3_5_33).toContain(r.slice(2).split('=')[0]);
  });
});

test('the changes of a move, as patterns for members whose flags Ringside cannot read', () => {
  const up = flagChangesFor('3.5.33', '3.6.14');
  expect(up).toContainEqual({ flag: '--experimental-corrupt-check-time=<value>', replacement: '--corrupt-check-time=<value>', note: 'deprecated in 3.6, removed in 3.7' });
  expect(up).toContainEqual({ flag: '--experimental-initial-corrupt-check=<value>', replacement: '--feature-gates=InitialCorruptCheck=<value>', note: 'deprecated in 3.6, removed in 3.7' });
  expect(up).toContainEqual({ flag: '--enable-v2', replacement: null, note: 'etcd 3.6 refuses it; nothing: the v2 API is gone (check the v2 store first: etcdutl check v2store)' });
  expect(flagChangesFor('3.4.23', '3.5.33')).toContainEqual({ flag: '--logger=capnslog', replacement: '--logger=zap', note: 'etcd 3.5 refuses it' });
  expect(flagChangesFor('3.4.23', '3.5.33').some((c) => c.flag.startsWith('--experimental-corrupt'))).toBe(false);
  const down = flagChangesFor('3.6.14', '3.5.33');
  expect(down).toContainEqual({ flag: '--feature-gates=InitialCorruptCheck=<value>', replacement: '--experimental-initial-corrupt-check=<value>', note: 'etcd 3.5 has no feature gates' });
  expect(down).toContainEqual({ flag: '--max-learners', replacement: null, note: 'etcd 3.5 does not know it' });
  expect(flagChangesFor('3.5.20', '3.5.33')).toEqual([]);
});

describe('restore tool and flags per version (lib/ops/restore-commands.ts decides from this model)', () => {
  const restoreFlagsOf = (key: string) => SNAPSHOT_TOOLS[key].restoreFlags!;
  const bumpFlags = (t: { bumpRevision: number | null }) => (t.bumpRevision === null ? [] : [`--bump-revision=${t.bumpRevision}`, '--mark-compacted']);

  test('3.4: etcdctl snapshot restore (etcdctl has it at v3.4.23; no etcdutl, no revision bump)', () => {
    const t = restoreTool('3.4.23', { kubernetes: false });
    expect(t).toMatchObject({ kind: 'etcdctl', restore: 'ETCDCTL_API=3 etcdctl snapshot restore', bumpRevision: null, status: 'ETCDCTL_API=3 etcdctl snapshot status' });
    expect(SNAPSHOT_TOOLS['etcdctl@v3.4.23'].subcommands).toContain('restore');
    expect(restoreTool('3.4.23', { kubernetes: true }).notes.join(' ')).toMatch(/no --bump-revision.*restart every kube-apiserver/);
  });

  test("3.5: etcdutl (etcdctl's restore is deprecated at v3.5.33); the bump only from 3.5.10", () => {
    expect(SNAPSHOT_TOOLS['etcdctl@v3.5.33'].deprecated).toBe(true);
    expect(restoreTool('3.5.4', { kubernetes: false })).toMatchObject({ kind: 'etcdutl', restore: 'etcdutl snapshot restore', bumpRevision: null });
    expect(restoreTool('3.5.9', { kubernetes: true }).bumpRevision).toBeNull();
    expect(restoreFlagsOf('etcdutl@v3.5.4')).not.toContain('bump-revision');
    const k = restoreTool('3.5.10', { kubernetes: true });
    expect(bumpFlags(k)).toEqual(['--bump-revision=1000000000', '--mark-compacted']);
    for (const flag of bumpFlags(k)) expect(restoreFlagsOf('etcdutl@v3.5.10')).toContain(flag.slice(2).split('=')[0]);
  });

  test("3.6: etcdutl only (etcdctl snapshot has just save at v3.6.14), with the bump etcd's recovery guide gives", () => {
    expect(SNAPSHOT_TOOLS['etcdctl@v3.6.14'].subcommands).toEqual(['save']);
    const t = restoreTool('3.6.14', { kubernetes: true });
    expect(t.kind).toBe('etcdutl');
    expect(t.status).toBe('etcdutl snapshot status');
    expect(`${t.restore} snapshot.db ${bumpFlags(t).join(' ')}`.replace('=', ' ')).toBe(RECOVERY_DOC_BUMP.replace(' --data-dir output-dir', ''));
    expect(BUMP_REVISION_HELP_V3_6_14['mark-compacted']).toContain('required if --bump-revision > 0');
    expect(restoreTool('3.6.14', { kubernetes: false }).bumpRevision).toBeNull();
  });

  test('the member flags every plan passes exist in every restore tool', () => {
    for (const key of ['etcdctl@v3.4.23', 'etcdutl@v3.5.4', 'etcdutl@v3.6.14']) {
      expect(restoreFlagsOf(key)).toEqual(expect.arrayContaining(['name', 'initial-cluster', 'initial-cluster-token', 'initial-advertise-peer-urls', 'data-dir']));
    }
  });

  test('an unknown version gets etcdctl (it restores 3.4 and 3.5 snapshots), saying so', () => {
    const t = restoreTool(null, { kubernetes: true });
    expect(t.kind).toBe('etcdctl');
    expect(t.notes[0]).toMatch(/version is not known.*prefer etcdutl, the only tool on 3\.6/);
  });
});

describe('metric families', () => {
  test('every family Ringside reads exists in 3.4.23, 3.5.33 and 3.6.14 (the first name of each)', () => {
    for (const [key, { names }] of Object.entries(METRIC_FAMILIES)) {
      if (key === 'processStart') continue; // the Prometheus client library's, in every version
      for (const metrics of [METRICS_V3_4_23, METRICS_V3_5_33, METRICS_V3_6_14]) expect(metrics, names[0]).toHaveProperty(names[0]);
    }
  });

  test("3.5 removed 3.4's debugging names (upgrade_3_5.md); each replacement exists in 3.5 and 3.6, and Ringside reads the debugging one only as a fallback", () => {
    const removed: Record<string, string> = {
      etcd_debugging_mvcc_db_total_size_in_bytes: 'etcd_mvcc_db_total_size_in_bytes',
      etcd_debugging_mvcc_put_total: 'etcd_mvcc_put_total',
      etcd_debugging_mvcc_delete_total: 'etcd_mvcc_delete_total',
      etcd_debugging_mvcc_txn_total: 'etcd_mvcc_txn_total',
    };
    expect(Object.keys(METRICS_V3_4_23).filter((n) => !(n in METRICS_V3_5_33)).sort()).toEqual(Object.keys(removed).sort());
    for (const to of Object.values(removed)) {
      expect(METRICS_V3_5_33).toHaveProperty(to);
      expect(METRICS_V3_6_14).toHaveProperty(to);
    }
    expect(METRIC_FAMILIES.dbSize.names).toEqual(['etcd_mvcc_db_total_size_in_bytes', 'etcd_debugging_mvcc_db_total_size_in_bytes']);
  });

  test('what 3.6 removed (the v2 API and proxy) touches nothing Ringside reads; what it added', () => {
    const gone = Object.keys(METRICS_V3_5_33).filter((n) => !(n in METRICS_V3_6_14));
    expect(gone.sort()).toEqual([
      'etcd_debugging_mvcc_range_total',
      'etcd_http_failed_total',
      'etcd_http_received_total',
      'etcd_http_successful_duration_seconds',
      'etcd_proxy_dropped_total',
      'etcd_proxy_handled_total',
      'etcd_proxy_handling_duration_seconds',
      'etcd_proxy_requests_total',
    ]);
    const read = new Set<string>(Object.values(METRIC_FAMILIES).flatMap((f) => f.names));
    expect(gone.filter((n) => read.has(n))).toEqual([]);
    for (const n of ['etcd_server_feature_enabled', 'etcd_network_known_peers', 'etcd_debugging_server_alarms']) expect(METRICS_V3_6_14).toHaveProperty(n);
  });
});

describe('the CORRUPT alarm', () => {
  test.each(CORRUPT_ALARM_AT.map((a) => [a.tag, a] as const))('whom it names at %s', (tag, a) => {
    const naming = corruptAlarmNaming(tag.slice(1));
    // The model keys on the check etcd recommends on that version: the compaction hash check from 3.6.
    expect(naming).toBe(a.compactHash === 'quorum-minority' ? 'quorum-minority' : a.periodic);
  });

  const name = (id: string) => ({ a1: 'm1', b2: 'm2' })[id] ?? id;

  test('member 0 names nobody; the HashKV minority is an inference', () => {
    const a = attributeCorruptAlarm('0', '3.5.33', name, ['b2']);
    expect(a).toMatchObject({ memberId: null, trusted: false });
    expect(a.text).toBe('Raised on member 0, which names nobody (etcd 3.5.33 raises it on member 0 whatever it found). Inferred: m2 (the HashKV minority).');
    expect(attributeCorruptAlarm('0', '3.6.14', name, []).text).toMatch(/no quorum of hashes agrees/);
  });

  test('3.6 names the member itself; HashKV agreeing makes it trusted', () => {
    expect(attributeCorruptAlarm('b2', '3.6.14', name, ['b2'])).toMatchObject({ memberId: 'b2', trusted: true });
    expect(attributeCorruptAlarm('b2', '3.6.14', name, ['a1'])).toMatchObject({ memberId: 'b2', trusted: false });
  });

  test('before 3.4.23 and 3.5.7 a named member is only the one the leader compared', () => {
    expect(attributeCorruptAlarm('b2', '3.5.5', name, [])).toMatchObject({ memberId: 'b2', trusted: false });
    expect(attributeCorruptAlarm('b2', '3.5.5', name, []).text).toMatch(/not proof that m2 is the bad one/);
  });
});

describe('what each version supports', () => {
  test('facts, each against the flag sets and tools at the tags', () => {
    expect(versionFacts('3.4.23')).toEqual({ featureGates: false, compactHashCheck: false, etcdutl: false, revisionBump: false, maxLearnersFlag: false });
    expect(versionFacts('3.5.4')).toEqual({ featureGates: false, compactHashCheck: false, etcdutl: true, revisionBump: false, maxLearnersFlag: false });
    expect(versionFacts('3.5.10').revisionBump).toBe(true);
    expect(versionFacts('3.5.33')).toEqual({ featureGates: false, compactHashCheck: true, etcdutl: true, revisionBump: true, maxLearnersFlag: false });
    expect(versionFacts('3.6.14')).toEqual({ featureGates: true, compactHashCheck: true, etcdutl: true, revisionBump: true, maxLearnersFlag: true });
    expect(FLAGS_V3_6_14).toContain('max-learners');
    expect(FLAGS_V3_5_33).not.toContain('max-learners');
    expect(SNAPSHOT_TOOLS['etcdutl@v3.5.4'].subcommands).toContain('restore');
  });

  test("a learner is ready at 90% of the leader's progress", () => {
    expect(learnerReady(900, 1000)).toBe(true);
    expect(learnerReady(899, 1000)).toBe(false);
    expect(learnerReady(null, 1000) || learnerReady(5, 0)).toBe(false);
  });
});
