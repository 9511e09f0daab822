import { forRequester } from '@/lib/auth/server-paths';
import { action } from '@/lib/http/action';
import { handle, json, parseClusterName } from '@/lib/http/respond';
import { getMonitor } from '@/lib/monitor/registry';
import { backupSnapshot, listBackups } from '@/lib/ops/snapshots';

/** Stored snapshots, newest first: size, revision, hashes, and the restore commands per member. */
export function GET(req: Request, ctx: RouteContext<'/api/clusters/[name]/backups'>) {
  return handle(async () => {
    const monitor = getMonitor(parseClusterName((await ctx.params).name));
    return json(forRequester(req, await listBackups(monitor.cluster.name, monitor.ring)));
  });
}

/** Writes a verified snapshot to the backup directory (encrypted when configured): `{ member? }`. */
export function POST(req: Request, ctx: RouteContext<'/api/clusters/[name]/backups'>) {
  return action(req, ctx.params, 'take snapshots', (p, m, body) => backupSnapshot(p, m, body));
}

export const dynamic = 'force-dynamic';
