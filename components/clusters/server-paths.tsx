'use client';

import { useAccess } from '../ops/use-access';

/** Where this Ringside keeps its files, for a signed-in operator (the server sends it to nobody else). */
export function ServerPaths() {
  const { access } = useAccess();
  const paths = access?.paths;
  if (!paths) return null;
  return (
    <p className="min-w-0 break-all font-mono text-xs text-muted" aria-label="Server paths">
      config: {paths.config} · data: {paths.dataDir}
      {paths.backupsDir && ` · backups: ${paths.backupsDir}`}
    </p>
  );
}
