import type { Endpoint } from './contract';

// Building URLs from the contract's paths, for both sides; no schema library here, so the
// browser's bundle carries none.

/** `/api/clusters/[name]/ring` with `{ name: 'prod' }`: each value encoded as one path segment. */
export function pathOf(e: Pick<Endpoint, 'path'>, params: Record<string, string> = {}): string {
  return e.path.replace(/\[(\w+)\]/g, (_, k: string) => {
    const v = params[k];
    if (v === undefined) throw new Error(`${e.path}: missing path parameter ${k}`);
    return encodeURIComponent(v);
  });
}

/** A query string from defined values, in a stable order (so it can be a cache key). */
export function queryString(query: Record<string, string | number | boolean | undefined> = {}): string {
  const entries = Object.entries(query).filter(([, v]) => v !== undefined && v !== '') as [string, string | number | boolean][];
  if (!entries.length) return '';
  return `?${new URLSearchParams(entries.sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, String(v)])).toString()}`;
}
