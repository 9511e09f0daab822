import 'server-only';
import type { LogQuery } from '../logs/buffer';
import { LOG_CATEGORIES } from '../api/contract';
import type { LogCategory } from '../logs/types';
import { quoteInput, RingsideError } from '../errors';
import { ISO_TIME } from './timeline-query';

const CATEGORIES: readonly LogCategory[] = LOG_CATEGORIES;

/** `?member=&category=a,b&text=&limit=&since=`, validated; a bad value is a 400 naming its field. */
export function parseLogQuery(query: Record<string, string | undefined>): LogQuery {
  const params = { get: (k: string) => query[k] ?? null };
  const q: LogQuery = {};
  const member = params.get('member');
  if (member !== null) {
    if (member.length > 256) throw new RingsideError('INVALID', 'member: at most 256 characters', 'member');
    q.member = member;
  }
  const category = params.get('category');
  if (category) {
    const list = category.split(',');
    const bad = list.find((c) => !CATEGORIES.includes(c as LogCategory));
    if (bad !== undefined) throw new RingsideError('INVALID', `category: ${quoteInput(bad, 30)} is not one of ${CATEGORIES.join(', ')}`, 'category');
    q.category = list as LogCategory[];
  }
  const text = params.get('text');
  if (text) {
    if (text.length > 200) throw new RingsideError('INVALID', 'text: at most 200 characters', 'text');
    q.text = text;
  }
  const limit = params.get('limit');
  if (limit !== null) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 5000) throw new RingsideError('INVALID', `limit: ${quoteInput(limit, 20)} must be a whole number from 1 to 5000`, 'limit');
    q.limit = n;
  }
  const since = params.get('since');
  if (since !== null) {
    if (!ISO_TIME.test(since) || Number.isNaN(Date.parse(since))) throw new RingsideError('INVALID', `since: ${quoteInput(since, 40)} is not an ISO time`, 'since');
    q.since = since;
  }
  return q;
}
