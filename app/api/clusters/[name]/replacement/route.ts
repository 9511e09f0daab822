import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import { opsOf } from '@/lib/http/ops';

/** Where a member replacement stands, from etcd's membership and the audit log: `?member=<id>` picks the member to replace. */
export const GET = route(api.replacement, ({ root, monitor, query }) => opsOf(root).membership.replacementOf(monitor, query.member ?? null));
