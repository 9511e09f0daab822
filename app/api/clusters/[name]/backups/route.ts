import { api } from '@/lib/api/contract';
import { opsOf, started } from '@/lib/http/ops';
import { route } from '@/lib/http/route';
import { forRequester } from '@/lib/http/server-paths';

/**
 * Stored backups of every store, newest first, with `freshness`, each one's `store` and last
 * `drill`, and the restore commands per member. Server paths for operators only.
 */
export const GET = route(api.backups, async ({ req, root, monitor }) => forRequester(root, req, await opsOf(root).backups.list(monitor)));

/** A verified backup into every store of the cluster (encrypted when configured), then retention: `{ member? }`. */
export const POST = route(api.backup, ({ root, principal, monitor, body }) => started(opsOf(root).backups.backupNow(principal, monitor, body)));
