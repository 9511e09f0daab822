import { classify } from './classify';
import type { LogLevel, LogLine } from './types';

/**
 * Parses one line of etcd output. Understands every format an etcd 3.4/3.5 member writes:
 *
 * - zap JSON (`--logger=zap`): `{"level":"warn","ts":"2026-11-22T06:13:06.301Z","caller":"...","msg":"...",...}`;
 *   `ts` is an ISO string in etcd's own config and a float epoch (seconds) in zap's default one.
 * - capnslog (3.4's default logger, and /health warnings on stderr even under zap):
 *   `2026-11-22 06:17:18.433612 W | etcdserver: failed to send out heartbeat on time ...`
 * - Go's standard log, used by raft under capnslog: `raft2026/11/22 06:17:24 INFO: ... became leader at term 3`
 * - grpc-go's logger on stderr: `WARNING: 2026/11/22 06:13:05 [core] grpc: addrConn.createTransport failed ...`
 * - Go panics (`panic: ...`, `fatal error: ...`) and their goroutine traces.
 *
 * Anything else comes back with level `unknown` and category `other`. Never throws.
 * `member` is left null: only the source knows whose log this is.
 */
export function parseLine(raw: string, source = ''): LogLine {
  const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  try {
    return (
      (text.startsWith('{') ? parseZap(text, raw, source) : null) ??
      parseText(text, raw, source) ??
      unknownLine(text, raw, source)
    );
  } catch {
    return unknownLine(text, raw, source);
  }
}

// ---------------------------------------------------------------- zap JSON

const ZAP_LEVELS: Record<string, LogLevel> = {
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  dpanic: 'panic',
  panic: 'panic',
  fatal: 'fatal',
};

function parseZap(text: string, raw: string, source: string): LogLine | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(quoteUnsafeIntegers(text));
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const { level, ts, msg, ...fields } = parsed as Record<string, unknown>;
  if (level === undefined && msg === undefined) return null;
  const lvl = (typeof level === 'string' && ZAP_LEVELS[level.toLowerCase()]) || 'unknown';
  return build(zapTime(ts), lvl, typeof msg === 'string' ? msg : msg === undefined ? '' : String(msg), fields, raw, source);
}

/**
 * JSON text with integers beyond 2^53 turned into strings, so JSON.parse cannot round them
 * (etcd logs member IDs as hex strings, but request IDs and the like as 19-digit numbers).
 * Strings are skipped, so digits inside a message are never touched.
 */
export function quoteUnsafeIntegers(json: string): string {
  if (!/\d{16}/.test(json)) return json;
  let out = '';
  let copied = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      for (i++; i < json.length && json[i] !== '"'; i++) if (json[i] === '\\') i++;
      continue;
    }
    if (c !== '-' && (c < '0' || c > '9')) continue;
    let j = i + 1;
    while (j < json.length && /[\d.eE+-]/.test(json[j])) j++;
    const token = json.slice(i, j);
    if (/^-?\d{16,}$/.test(token) && !Number.isSafeInteger(Number(token))) {
      out += `${json.slice(copied, i)}"${token}"`;
      copied = j;
    }
    i = j - 1;
  }
  return out + json.slice(copied);
}

function zapTime(ts: unknown): string | null {
  if (typeof ts === 'number' && Number.isFinite(ts)) {
    // zap's EpochTimeEncoder writes seconds; tolerate millis and nanos from other encoders.
    const ms = ts < 1e11 ? ts * 1000 : ts < 1e14 ? ts : ts / 1e6;
    return isoOrNull(new Date(ms));
  }
  if (typeof ts !== 'string') return null;
  // etcd's ISO8601 encoder writes "2026-11-22T06:13:06.301Z" or "...301+0100"; 3.5 may write
  // microseconds. Date only promises to parse milliseconds and a "+01:00" offset.
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/.exec(ts.trim());
  if (!m) return isoOrNull(new Date(ts));
  const frac = (m[2] ?? '').padEnd(3, '0').slice(0, 3);
  const zone = m[3] === undefined ? '' : m[3] === 'Z' ? 'Z' : `${m[3].slice(0, 3)}:${m[3].slice(-2)}`;
  return isoOrNull(new Date(`${m[1]}.${frac}${zone}`));
}

// ---------------------------------------------------------------- text formats

const CAPNSLOG_LEVELS: Record<string, LogLevel> = {
  T: 'debug',
  D: 'debug',
  I: 'info',
  N: 'info', // NOTICE
  W: 'warn',
  E: 'error',
  C: 'fatal', // CRITICAL: what capnslog's Fatal and Panic write before exiting
};

const WORD_LEVELS: Record<string, LogLevel> = {
  DEBUG: 'debug',
  INFO: 'info',
  NOTICE: 'info',
  WARN: 'warn',
  WARNING: 'warn',
  ERROR: 'error',
  PANIC: 'panic',
  FATAL: 'fatal',
};

// 2026-11-22 06:17:18.433612 W | etcdserver: failed to send out heartbeat on time (...)
const CAPNSLOG = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))? ([TDINWEC]) \| (?:([a-z0-9][\w./-]*): )?(.*)$/s;
// raft2026/11/22 06:17:24 INFO: f12be2585ae763f7 became leader at term 3
const GO_LOG = /^([a-z]*)(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))? (?:([A-Z]+): )?(.*)$/s;
// WARNING: 2026/11/22 06:13:05 [core] grpc: addrConn.createTransport failed to connect ...
const GRPC_LOG = /^([A-Z]+): (\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))? (.*)$/s;
// [WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead
const BRACKETED = /^\[([A-Z]+)\] (.*)$/s;
const GO_TRACE = /^(goroutine \d+ \[.*\]:|\t.*|created by .*|[\w./*()-]+\(.*\)|exit status \d+)$/s;

function parseText(text: string, raw: string, source: string): LogLine | null {
  let m = CAPNSLOG.exec(text);
  if (m) {
    const fields = m[9] ? { pkg: m[9] } : {};
    return build(localTime(m.slice(1, 8)), CAPNSLOG_LEVELS[m[8]], m[10], fields, raw, source);
  }
  m = GRPC_LOG.exec(text);
  if (m && WORD_LEVELS[m[1]]) {
    return build(localTime(m.slice(2, 9)), WORD_LEVELS[m[1]], m[9], { pkg: 'grpc' }, raw, source);
  }
  m = GO_LOG.exec(text);
  if (m) {
    const level = m[9] ? (WORD_LEVELS[m[9]] ?? 'unknown') : 'unknown';
    // No level word: the "WORD: " was part of the message after all.
    const message = m[9] && !WORD_LEVELS[m[9]] ? `${m[9]}: ${m[10]}` : m[10];
    return build(localTime(m.slice(2, 9)), level, message, m[1] ? { pkg: m[1] } : {}, raw, source);
  }
  if (text.startsWith('panic: ')) return build(null, 'panic', text.slice(7), {}, raw, source);
  if (text.startsWith('fatal error: ')) return build(null, 'fatal', text.slice(13), {}, raw, source);
  m = BRACKETED.exec(text);
  if (m && WORD_LEVELS[m[1]]) return build(null, WORD_LEVELS[m[1]], m[2], {}, raw, source);
  if (GO_TRACE.test(text)) {
    // A line of a panic's stack trace: kept verbatim and marked so a viewer can fold it.
    return { ...unknownLine(text, raw, source), fields: { goTrace: true } };
  }
  return null;
}

/**
 * capnslog and Go's log print local time without a zone; read it as this process's local
 * time, which is right when Ringside and etcd share a host or both run in UTC.
 */
function localTime([y, mo, d, h, mi, s, frac]: (string | undefined)[]): string | null {
  const ms = Number((frac ?? '').padEnd(3, '0').slice(0, 3));
  return isoOrNull(new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms));
}

// ---------------------------------------------------------------- helpers

function isoOrNull(d: Date): string | null {
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function build(
  at: string | null,
  level: LogLevel,
  message: string,
  fields: Record<string, unknown>,
  raw: string,
  source: string,
): LogLine {
  const { category, good, check } = classify(message, fields, level);
  return { at, level, member: null, message, fields, category, good, check, raw, source };
}

function unknownLine(text: string, raw: string, source: string): LogLine {
  return { at: null, level: 'unknown', member: null, message: text, fields: {}, category: 'other', good: false, check: null, raw, source };
}
