import { TIMELINE_KINDS } from '../api/contract';
import { quoteInput, RingsideError } from '../errors';
import type { TimelineKind, TimelineQuery } from '../timeline/types';

const KINDS: readonly TimelineKind[] = TIMELINE_KINDS;
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The latest instant a JavaScript Date can hold (±100,000,000 days from 1970). */
const MAX_TIME = 8.64e15;
/** The longest `last` window: the store keeps 14 days, a year leaves room for a longer retention. */
const MAX_LAST_MS = 366 * 86_400_000;

/** ISO 8601 as a person or a permalink writes it; V8's Date.parse alone reads "-5" as May 2001. */
export const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function time(raw: string, field: string): number {
  const n = /^\d{1,16}$/.test(raw) ? Number(raw) : ISO_TIME.test(raw) ? Date.parse(raw) : NaN;
  if (!Number.isFinite(n) || n < 0 || n > MAX_TIME) {
    throw new RingsideError('INVALID', `${field}: ${quoteInput(raw, 40)} is not a time; expected ISO 8601 (2026-11-23T03:00:00Z) or epoch milliseconds`, field);
  }
  return n;
}

const list = (v: string | null) => (v ? v.split(',').map((x) => x.trim()).filter(Boolean) : undefined);

/**
 * `?cluster=a,b&member=m1&kind=member-down,action&from=&to=&last=30m&limit=&collapse=true`: a
 * window is `from` and `to` (ISO or epoch ms; a permalink), or `last` (e.g. 15m, 2h, 7d) up to
 * now; `collapse` folds a log line that repeats into one entry with its count (before `limit`).
 */
export function parseTimelineQuery(query: Record<string, string | undefined>, now = Date.now()): TimelineQuery & { from: number; to: number; limit: number; collapse: boolean } {
  const params = { get: (k: string) => query[k] ?? null };
  const last = params.get('last');
  let from: number;
  let to = params.get('to') ? time(params.get('to')!, 'to') : now;
  if (last) {
    if (params.get('from')) throw new RingsideError('INVALID', 'last: give either last or from, not both', 'last');
    const m = /^(\d{1,9})([smhd])$/.exec(last);
    if (!m) throw new RingsideError('INVALID', `last: ${quoteInput(last, 20)} is not a duration; expected e.g. 15m, 2h, 7d`, 'last');
    const span = Number(m[1]) * UNITS[m[2]];
    if (span > MAX_LAST_MS) throw new RingsideError('INVALID', 'last: at most 366d', 'last');
    to = now;
    from = now - span;
  } else {
    from = params.get('from') ? time(params.get('from')!, 'from') : now - 3_600_000;
  }
  if (from > to) throw new RingsideError('INVALID', 'from: must not be after to', 'from');
  const kinds = list(params.get('kind'));
  for (const k of kinds ?? []) {
    if (!KINDS.includes(k as TimelineKind)) throw new RingsideError('INVALID', `kind: ${quoteInput(k, 30)} is not a timeline kind; the kinds are ${KINDS.join(', ')}`, 'kind');
  }
  const rawLimit = params.get('limit');
  const limit = rawLimit === null ? 1000 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new RingsideError('INVALID', 'limit: expected a whole number from 1 to 10000', 'limit');
  const collapse = params.get('collapse');
  if (collapse !== null && collapse !== 'true' && collapse !== 'false') throw new RingsideError('INVALID', 'collapse: expected true or false', 'collapse');
  return { from, to, clusters: list(params.get('cluster')), members: list(params.get('member')), kinds: kinds as TimelineKind[] | undefined, limit, collapse: collapse === 'true' };
}

