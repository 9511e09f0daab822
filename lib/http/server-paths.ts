import 'server-only';
import { hideServerPaths, serverPathsOf, type ServerPaths } from '../auth/server-paths';
import type { Ringside } from '../root';

/** The deployment's paths when `req` comes from a signed-in operator; null for anyone else. */
export function serverPathsFor(root: Ringside, req: Request): ServerPaths | null {
  if (!root.settings || root.access.principal(req)?.role !== 'operator') return null;
  return serverPathsOf(root.settings);
}

/** What `req` may see of `value`: as it is for an operator, without server paths for anyone else. */
export function forRequester<T>(root: Ringside, req: Request, value: T): T {
  if (!root.settings || serverPathsFor(root, req)) return value;
  return hideServerPaths(value, serverPathsOf(root.settings));
}
