import * as z from 'zod/mini';
import { describeIssue } from '../api/contract';
import { RingsideError } from '../errors';

/** Parses one part of a request with its schema; the first problem is a 400 naming the field. */
export function validate<S extends z.ZodMiniType>(schema: S, value: unknown, where: 'path' | 'query' | 'body'): z.infer<S> {
  const parsed = z.safeParse(schema, value, { reportInput: true });
  if (parsed.success) return parsed.data;
  const { field, message } = describeIssue(parsed.error.issues[0], where);
  throw new RingsideError('INVALID', `${field}: ${message}`, field);
}

/** A query string as an object; a parameter given twice is refused rather than guessed at. */
export function queryObject(url: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URL(url).searchParams) {
    if (Object.hasOwn(out, k)) throw new RingsideError('INVALID', `${k.slice(0, 40)}: given more than once`, k.slice(0, 40));
    out[k] = v;
  }
  return out;
}
