import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import { opsOf } from '@/lib/http/ops';
import { snapshotResponse } from '@/lib/http/snapshot-response';
import { downloadSnapshot } from '@/lib/ops/snapshots';

/**
 * A snapshot as a download, streamed from a healthy follower (or `member`). Takes a native form
 * POST (fields `csrf`, `member`) so the browser saves it to disk as it arrives, or JSON. Nobody
 * gets a byte of their body read before they are known to be an operator.
 */
export const POST = route(api.snapshot, async ({ req, root, principal, monitor, body }) =>
  snapshotResponse(await downloadSnapshot(opsOf(root).deps, principal, monitor, { member: body.member || undefined }, req.signal)),
);
