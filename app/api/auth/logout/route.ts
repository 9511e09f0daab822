import { api } from '@/lib/api/contract';
import { authReply } from '@/lib/http/auth-reply';
import { route } from '@/lib/http/route';

/** Ends this browser's session (header x-ringside-csrf required) and clears its cookie. */
export const POST = route(api.logout, async ({ req, root }) => {
  await root.access.sync(req, true);
  return authReply(root.access.logout(req));
});
