import { api } from '@/lib/api/contract';
import { authReply } from '@/lib/http/auth-reply';
import { route } from '@/lib/http/route';
import { serverPathsFor } from '@/lib/http/server-paths';

/**
 * The access mode, who is signed in and the CSRF token the page sends with actions; for an
 * operator, also where this Ringside keeps its files (`paths`: config, dataDir, backupsDir).
 */
export const GET = route(api.session, async ({ req, root }) => {
  await root.access.sync(req);
  const r = root.access.session(req);
  const paths = serverPathsFor(root, req);
  return authReply(paths ? { ...r, body: { ...r.body, paths } } : r);
});
