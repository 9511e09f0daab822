import { api } from '@/lib/api/contract';
import { opsOf, started } from '@/lib/http/ops';
import { route } from '@/lib/http/route';
import { forRequester } from '@/lib/http/server-paths';

/**
 * The disaster restore wizard: the stored backups, and for `?backup=&store=` the preflight, the
 * commands per member and the verification of the new ring (`kubernetes=true|false` overrides
 * whether the bump flags apply). Server paths for operators only.
 */
export const GET = route(api.restore, async ({ req, root, monitor, query }) =>
  forRequester(root, req, await opsOf(root).restore.view(monitor, { backup: query.backup, store: query.store, kubernetes: query.kubernetes === undefined ? undefined : query.kubernetes === 'true' })),
);

/** Demo rings: the whole restore through the launcher. `{ backup, store?, confirm: "<cluster name>", kubernetes? }`. */
export const POST = route(api.restoreRing, ({ root, principal, monitor, body }) => started(opsOf(root).restore.run(principal, monitor, body)));
