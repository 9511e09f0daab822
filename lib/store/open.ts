import 'server-only';
import os from 'node:os';
import type { RingsideConfig } from '../config/types';
import { FilesStore } from './files';
import type { RingsideStore } from './types';

/** This process among the replicas: the host name (the pod's name in Kubernetes) and its pid. */
export function replicaName(): string {
  return `${os.hostname()}/${process.pid}`;
}

/** The files in `dataDir`: the default, and synchronous. */
export function filesStore(settings: RingsideConfig): FilesStore {
  return new FilesStore(settings.dataDir, settings.auditFile, replicaName());
}

/** The store the config asks for: PostgreSQL (connected and migrated) with `store.postgres`, else the files. */
export async function openStore(settings: RingsideConfig): Promise<RingsideStore> {
  const pg = settings.store?.postgres;
  if (!pg) return filesStore(settings);
  // Loaded only when configured: one process on files never loads the driver.
  const { openPostgres } = await import('./postgres');
  return openPostgres({ url: pg.url, urlEnv: `store.postgres.urlEnv (${pg.urlEnv})`, leaseMs: pg.leaseMs, replica: replicaName() });
}
