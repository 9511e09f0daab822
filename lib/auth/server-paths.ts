import type { RingsideConfig } from '../config/types';

/**
 * Where this Ringside keeps its files. Shown to signed-in operators only: to anyone else who can
 * open the dashboard (a wall screen, a viewer, a passer-by on a read-only deployment) a path is a
 * map of the server.
 */
export interface ServerPaths {
  config: string;
  dataDir: string;
  /** The first local backup store (today's `backups.dir`), null without one. */
  backupsDir: string | null;
  /** Every other local backup store, in the order the config names them. */
  otherBackupDirs?: string[];
  /** Where backups are spooled and drilled (`backups.workDir`). */
  backupsWorkDir?: string | null;
}

export function serverPathsOf(config: RingsideConfig): ServerPaths {
  const b = config.backups;
  const dirs = [...new Set(Object.values(b?.clusters ?? {}).flatMap((c) => c.stores.flatMap((s) => (s.kind === 'local' ? [s.dir] : []))))];
  return { config: config.source, dataDir: config.dataDir, backupsDir: dirs[0] ?? null, otherBackupDirs: dirs.slice(1), backupsWorkDir: b?.workDir ?? null };
}

/**
 * `value` with every occurrence of a server path in its strings (however deep) replaced by the
 * name of the setting it comes from: "/var/backups/ringside/prod/x.db" becomes
 * "<backups.dir>/prod/x.db". The longest path goes first, so one inside another (backups under
 * the data dir) keeps its own name. Pure.
 */
export function hideServerPaths<T>(value: T, paths: ServerPaths): T {
  const candidates: [string | null | undefined, string][] = [
    [paths.backupsDir, '<backups.dir>'],
    ...(paths.otherBackupDirs ?? []).map((d, i): [string, string] => [d, `<backups local store ${i + 2}>`]),
    [paths.backupsWorkDir, '<backups.workDir>'],
    [paths.dataDir, '<dataDir>'],
    [paths.config, '<config file>'],
  ];
  // "/" alone would turn every path into placeholders.
  const names = candidates.filter((p): p is [string, string] => typeof p[0] === 'string' && p[0].length > 1).sort((a, b) => b[0].length - a[0].length);
  const hide = (v: unknown): unknown => {
    if (typeof v === 'string') return names.reduce((s, [p, name]) => s.split(p).join(name), v);
    if (Array.isArray(v)) return v.map(hide);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hide(x)]));
    return v;
  };
  return hide(value) as T;
}
