import { featureGatesOf, parseGoBool, type ParsedFlag } from '../model/etcd-versions';
import type { CommandSettings } from '../ring/corruption-audit';

/**
 * Reads etcd's flags from a pod's command line, as KubeOne's guide does with
 * `kubectl get pods -n kube-system -l component=etcd -o jsonpath=...command`: every flag (the
 * version model judges them, lib/model/etcd-versions auditFlags), and the corruption-check
 * settings they make.
 *
 * Flag names by version:
 *   3.4/3.5: --experimental-initial-corrupt-check=true, --experimental-corrupt-check-time=240m,
 *            --experimental-compact-hash-check-enabled=true (3.5.5+)
 *   3.6:     --feature-gates=InitialCorruptCheck=true,CompactHashCheck=true, --corrupt-check-time=240m
 *            (the 3.5 names still work, deprecated)
 * Parsed the way Go's flag package does: `-name` or `--name`, `=value` or (non-boolean flags) the
 * next word, and the last occurrence wins. Repeated --feature-gates merge, as component-base's
 * feature gates do. Settings made through ETCD_* environment variables are not on the command
 * line and read as null here.
 */
export type CorruptCheckFlags = CommandSettings;

const INITIAL = new Set(['experimental-initial-corrupt-check']);
const PERIODIC = new Set(['experimental-corrupt-check-time', 'corrupt-check-time']);
const COMPACT_HASH = new Set(['experimental-compact-hash-check-enabled']);
/**
 * etcd's boolean flags (fs.BoolVar at v3.4.23, v3.5.33 and v3.6.14): Go's flag package never takes
 * the next word as their value, so `--enable-v2 --name x` is two flags.
 */
const BOOLEAN_FLAGS = new Set([
  ...INITIAL,
  ...COMPACT_HASH,
  'auto-tls', 'client-cert-auth', 'debug', 'enable-distributed-tracing', 'enable-grpc-gateway', 'enable-log-rotation', 'enable-pprof',
  'enable-v2', 'experimental-enable-distributed-tracing', 'experimental-enable-lease-checkpoint', 'experimental-enable-lease-checkpoint-persist',
  'experimental-memory-mlock', 'experimental-peer-skip-client-san-verification', 'experimental-stop-grpc-service-on-defrag',
  'experimental-txn-mode-write-with-shared-buffer', 'force-new-cluster', 'initial-election-tick-advance', 'memory-mlock', 'peer-auto-tls',
  'peer-client-cert-auth', 'peer-skip-client-san-verification', 'pre-vote', 'socket-reuse-address', 'socket-reuse-port',
  'strict-reconfig-check', 'unsafe-no-fsync', 'discovery-insecure-transport', 'discovery-insecure-skip-tls-verify',
]);

export function corruptCheckFlags(command: string[]): CorruptCheckFlags {
  const flags = parseEtcdFlags(command);
  const out: CorruptCheckFlags = { initialCheck: null, periodicCheck: null, compactHashCheck: null, flags };
  for (const { name, value } of flags) {
    if (INITIAL.has(name)) out.initialCheck = parseGoBool(value ?? 'true');
    else if (COMPACT_HASH.has(name)) out.compactHashCheck = parseGoBool(value ?? 'true');
    else if (PERIODIC.has(name) && value !== null) out.periodicCheck = value;
    else if (name === 'feature-gates' && value !== null) applyFeatureGates(out, value);
  }
  return out;
}

function applyFeatureGates(out: CorruptCheckFlags, value: string): void {
  const gates = featureGatesOf(value);
  if (gates.has('InitialCorruptCheck')) out.initialCheck = gates.get('InitialCorruptCheck')!;
  if (gates.has('CompactHashCheck')) out.compactHashCheck = gates.get('CompactHashCheck')!;
}

/** Every flag on the command line, in order (`value` null: given alone, which only booleans allow). */
export function parseEtcdFlags(command: string[]): ParsedFlag[] {
  const args = command.flatMap(words);
  const flags: ParsedFlag[] = [];
  for (let i = 0; i < args.length; i++) {
    const m = /^--?([^-=][^=]*)(?:=([\s\S]*))?$/.exec(args[i]);
    if (!m) continue; // the binary, or a word of a shell script
    const name = m[1];
    let value = m[2] ?? null;
    // Go's flag package takes the next word as the value of a non-boolean flag.
    if (value === null && !BOOLEAN_FLAGS.has(name) && i + 1 < args.length && !args[i + 1].startsWith('-')) value = args[++i];
    flags.push({ name, value });
  }
  return flags;
}

/**
 * Some manifests run etcd through a shell (`command: [sh, -c, "exec etcd --flag=..."]`): split such
 * a script into words. Quotes are removed; values with spaces are not expected in these flags.
 */
function words(arg: string): string[] {
  if (!/\s/.test(arg)) return [arg];
  return arg
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => w.replace(/^(['"])(.*)\1$/, '$2').replace(/(=)(['"])(.*)\2$/, '$1$3'));
}
