import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import { opsOf, started } from '@/lib/http/ops';

/** Removes a voter to replace it: `{ confirm: "<member name>" }`. Refused (409) with the reasons when unsafe. */
export const POST = route(api.removeMember, ({ root, principal, monitor, params, body }) =>
  started(opsOf(root).membership.removeMember(principal, monitor, { memberId: params.id, confirm: body.confirm })),
);
