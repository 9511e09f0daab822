import { api } from '@/lib/api/contract';
import { opsOf } from '@/lib/http/ops';
import { route } from '@/lib/http/route';

/** A rolling upgrade (or 3.6 -> 3.5 downgrade) to `?to=X.Y.Z`: the preflight, the members in order, and where the ring stands. */
export const GET = route(api.upgrade, ({ root, monitor, query }) => opsOf(root).upgrades.planOf(monitor, query.to));
