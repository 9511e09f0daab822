/**
 * A strict parser for the Prometheus text exposition format (version 0.0.4), the format etcd's
 * `/metrics` speaks. Pure.
 *
 * Why not a library: the npm parsers checked (parse-prometheus-text-format 1.1.1, exposition
 * 1.2.0) both drop the labels of labelled histograms, merging every `To` peer of etcd's
 * `etcd_network_peer_round_trip_time_seconds` into one. This one is tested on real etcd output
 * and against prom-client's serializer (exposition.test.ts).
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export type Labels = Record<string, string>;

export interface Sample {
  /** The sample's own name: `x_bucket`, `x_sum` and `x_count` for a histogram `x`. */
  name: string;
  labels: Labels;
  value: number;
  timestampMs?: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionError';
  }
}

const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SUFFIX = /_(bucket|sum|count)$/;

export interface ParseOptions {
  /** Parse only these families (by family name); other lines are skipped after reading their name. */
  only?: ReadonlySet<string>;
}

/** Parses a whole exposition into its families, keyed by family name, in order of appearance. */
export function parseExposition(text: string, opts: ParseOptions = {}): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const declared = new Map<string, MetricType>();
  const family = (name: string): MetricFamily => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: declared.get(name) ?? 'untyped', help: '', samples: [] };
      families.set(name, f);
    }
    return f;
  };
  const wanted = (name: string) => !opts.only || opts.only.has(name);

  // With `only`, a line is looked at closely only if its name (or that name without a histogram
  // or summary suffix) is wanted: a member's /metrics has ~1,500 lines and Ringside reads ~60 of
  // them, every second per member.
  const only = opts.only;
  const mayWant = (at: number) => {
    let e = at;
    for (let c = text.charCodeAt(e); e < text.length && c !== 123 && c !== 32 && c !== 9 && c !== 10; c = text.charCodeAt(++e));
    const name = text.slice(at, e);
    return only!.has(name) || only!.has(name.replace(SUFFIX, ''));
  };

  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNo++;
    const from = start;
    start = end + 1;
    const first = text.charCodeAt(from);
    if (only && first !== 32 && first !== 9) {
      const hash = first === 35; // '#'
      if (!hash && !mayWant(from)) continue;
      if (hash && !((text.startsWith('# HELP ', from) || text.startsWith('# TYPE ', from)) && mayWant(from + 7))) continue;
    }
    const line = text.slice(from, end).trim();
    if (line === '') continue;

    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(line);
      if (!m) continue; // a plain comment
      const [, kind, name, rest = ''] = m;
      if (!NAME.test(name)) throw new ExpositionError(lineNo, `"${name}" is not a metric name`);
      if (kind === 'TYPE') {
        const type = rest.trim() as MetricType;
        if (!TYPES.has(type)) throw new ExpositionError(lineNo, `unknown type "${rest}" for ${name}`);
        if (declared.has(name)) throw new ExpositionError(lineNo, `second TYPE line for ${name}`);
        if (families.get(name)?.samples.length) throw new ExpositionError(lineNo, `TYPE line for ${name} after its samples`);
        declared.set(name, type);
        if (wanted(name)) family(name).type = type;
      } else if (wanted(name)) {
        family(name).help = unescape(rest, false);
      }
      continue;
    }

    const nameEnd = scanName(line);
    const name = line.slice(0, nameEnd);
    if (!NAME.test(name)) throw new ExpositionError(lineNo, `"${line.slice(0, 60)}" does not start with a metric name`);
    const familyName = familyOf(name, declared);
    if (!wanted(familyName)) continue;
    family(familyName).samples.push(parseSample(line, name, nameEnd, lineNo));
  }
  return families;
}

/** The family a sample belongs to: `x` for `x_bucket` when `x` was declared a histogram, etc. */
function familyOf(name: string, declared: Map<string, MetricType>): string {
  if (declared.has(name)) return name;
  for (const suffix of ['_bucket', '_sum', '_count'] as const) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const type = declared.get(base);
    if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) return base;
  }
  return name;
}

function scanName(line: string): number {
  let i = 0;
  while (i < line.length && line[i] !== '{' && line[i] !== ' ' && line[i] !== '\t') i++;
  return i;
}

function parseSample(line: string, name: string, from: number, lineNo: number): Sample {
  const labels: Labels = {};
  let i = from;
  if (line[i] === '{') {
    i++;
    for (;;) {
      i = skipSpace(line, i);
      if (line[i] === '}') {
        i++;
        break;
      }
      const eq = line.indexOf('=', i);
      if (eq === -1) throw new ExpositionError(lineNo, `label without "=" in ${name}`);
      const label = line.slice(i, eq).trim();
      if (!LABEL_NAME.test(label)) throw new ExpositionError(lineNo, `"${label}" is not a label name in ${name}`);
      i = skipSpace(line, eq + 1);
      if (line[i] !== '"') throw new ExpositionError(lineNo, `label ${label} of ${name} has no quoted value`);
      const close = findClosingQuote(line, i + 1);
      if (close === -1) throw new ExpositionError(lineNo, `label ${label} of ${name} has an unterminated value`);
      if (label in labels) throw new ExpositionError(lineNo, `label ${label} repeated in ${name}`);
      labels[label] = unescape(line.slice(i + 1, close), true);
      i = skipSpace(line, close + 1);
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new ExpositionError(lineNo, `expected "," or "}" after label ${label} of ${name}`);
    }
  }
  const [valueText, tsText, extra] = tokens(line, i);
  if (!valueText || extra) throw new ExpositionError(lineNo, `${name}: expected a value and an optional timestamp`);
  const value = parseValue(valueText);
  if (value === null) throw new ExpositionError(lineNo, `${name}: "${valueText}" is not a number`);
  const sample: Sample = { name, labels, value };
  if (tsText) {
    const ts = Number(tsText);
    if (!Number.isInteger(ts)) throw new ExpositionError(lineNo, `${name}: "${tsText}" is not a timestamp in ms`);
    sample.timestampMs = ts;
  }
  return sample;
}

/** Up to three whitespace-separated tokens from `i` on (a regex split costs more on the hot path). */
function tokens(line: string, i: number): (string | undefined)[] {
  const out: string[] = [];
  while (out.length < 3) {
    i = skipSpace(line, i);
    if (i >= line.length) break;
    let j = i;
    while (j < line.length && line[j] !== ' ' && line[j] !== '\t') j++;
    out.push(line.slice(i, j));
    i = j;
  }
  return out;
}

function skipSpace(line: string, i: number): number {
  while (line[i] === ' ' || line[i] === '\t') i++;
  return i;
}

function findClosingQuote(line: string, i: number): number {
  for (; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '"') return i;
  }
  return -1;
}

/** Label values escape `\\`, `\"` and `\n`; HELP text escapes `\\` and `\n`. */
function unescape(s: string, quotes: boolean): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\' || i === s.length - 1) {
      out += c;
      continue;
    }
    const n = s[++i];
    if (n === 'n') out += '\n';
    else if (n === '\\') out += '\\';
    else if (n === '"' && quotes) out += '"';
    else out += `\\${n}`;
  }
  return out;
}

/** A sample value as Go's strconv.ParseFloat reads it (Prometheus does): NaN and Inf in any case. */
export function parseValue(s: string): number | null {
  switch (s.toLowerCase()) {
    case '+inf':
    case 'inf':
    case '+infinity':
    case 'infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
    case 'nan':
      return NaN;
  }
  const v = Number(s);
  return s.trim() === '' || Number.isNaN(v) ? null : v;
}

/** One labelled series of a histogram: cumulative buckets by upper bound, ascending, ending at +Inf. */
export interface HistogramSeries {
  labels: Labels;
  buckets: { le: number; count: number }[];
  sum: number | null;
  count: number | null;
}

/** Groups a histogram family's samples into one series per label set (without `le`). */
export function histogramSeries(f: MetricFamily | undefined): HistogramSeries[] {
  if (!f || f.type !== 'histogram') return [];
  const byKey = new Map<string, HistogramSeries>();
  for (const s of f.samples) {
    const { le, ...labels } = s.labels;
    const key = labelKey(labels);
    let series = byKey.get(key);
    if (!series) {
      series = { labels, buckets: [], sum: null, count: null };
      byKey.set(key, series);
    }
    if (s.name === `${f.name}_bucket`) {
      const bound = le === undefined ? null : parseValue(le);
      if (bound !== null && !Number.isNaN(bound)) series.buckets.push({ le: bound, count: s.value });
    } else if (s.name === `${f.name}_sum`) series.sum = s.value;
    else if (s.name === `${f.name}_count`) series.count = s.value;
  }
  for (const s of byKey.values()) s.buckets.sort((a, b) => a.le - b.le);
  return [...byKey.values()];
}

/** The value of a counter, gauge or untyped family's sample with these labels (all of them if none given). */
export function sampleValue(f: MetricFamily | undefined, labels: Labels = {}): number | null {
  const s = f?.samples.find((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s ? s.value : null;
}

export function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
}
