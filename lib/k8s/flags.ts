/**
 * Reads etcd's corruption-check settings from a pod's command line, as KubeOne's guide does with
 * `kubectl get pods -n kube-system -l component=etcd -o jsonpath=...command`.
 *
 * Flag names by version:
 *   3.4/3.5: --experimental-initial-corrupt-check=true, --experimental-corrupt-check-time=240m,
 *            --experimental-compact-hash-check-enabled=true (3.5)
 *   3.6:     --feature-gates=InitialCorruptCheck=true,CompactHashCheck=true, --corrupt-check-time=240m
 * Parsed the way Go's flag package does: `-name` or `--name`, `=value` or (non-boolean flags) the
 * next word, and the last occurrence wins. Repeated --feature-gates merge, as component-base's
 * feature gates do. Settings made through ETCD_* environment variables are not on the command
 * line and read as null here.
 */
export interface CorruptCheckFlags {
  /** The initial check against peers at start; null when the command does not say (etcd's default: off). */
  initialCheck: boolean | null;
  /** The leader's periodic check interval as written ("240m"); "0s" means off; null when not set (default: off). */
  periodicCheck: string | null;
  /** The leader's compaction hash check (3.5+); null when not set (default: off). */
  compactHashCheck: boolean | null;
}

const INITIAL = new Set(['experimental-initial-corrupt-check']);
const PERIODIC = new Set(['experimental-corrupt-check-time', 'corrupt-check-time']);
const COMPACT_HASH = new Set(['experimental-compact-hash-check-enabled']);
const BOOLEAN_FLAGS = new Set([...INITIAL, ...COMPACT_HASH]);

export function corruptCheckFlags(command: string[]): CorruptCheckFlags {
  const out: CorruptCheckFlags = { initialCheck: null, periodicCheck: null, compactHashCheck: null };
  for (const { name, value } of parseFlags(command.flatMap(words))) {
    if (INITIAL.has(name)) out.initialCheck = parseGoBool(value ?? 'true');
    else if (COMPACT_HASH.has(name)) out.compactHashCheck = parseGoBool(value ?? 'true');
    else if (PERIODIC.has(name) && value !== null) out.periodicCheck = value;
    else if (name === 'feature-gates' && value !== null) applyFeatureGates(out, value);
  }
  return out;
}

function applyFeatureGates(out: CorruptCheckFlags, value: string): void {
  for (const pair of value.split(',')) {
    const [gate, raw] = pair.trim().split('=', 2);
    const on = raw === undefined ? null : parseGoBool(raw.trim());
    if (gate === 'InitialCorruptCheck') out.initialCheck = on;
    else if (gate === 'CompactHashCheck') out.compactHashCheck = on;
  }
}

/** Go's strconv.ParseBool; anything else would stop etcd at start, so it says nothing here. */
function parseGoBool(v: string): boolean | null {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return null;
}

interface Flag {
  name: string;
  /** null: given without a value (`--flag`), which only booleans allow. */
  value: string | null;
}

function parseFlags(args: string[]): Flag[] {
  const flags: Flag[] = [];
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
