import { api } from '@/lib/api/contract';
import { opsOf } from '@/lib/http/ops';
import { route } from '@/lib/http/route';
import { forRequester } from '@/lib/http/server-paths';
import { backupSnapshot, listBackups } from '@/lib/ops/snapshots';

/** Stored snapshots, newest first: size, revision, hashes, and the restore commands per member. Server paths for operators only. */
export const GET = route(api.backups, async ({ req, root, monitor }) => forRequester(root, req, await listBackups(opsOf(root).deps, monitor.cluster.name, monitor.ring)));

/** Writes a verified snapshot to the backup directory (encrypted when configured): `{ member? }`. */
export const POST = route(api.backup, ({ root, principal, monitor, body }) => backupSnapshot(opsOf(root).deps, principal, monitor, body).then(({ operation }) => ({ operation })));
