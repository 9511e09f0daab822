import { api } from '@/lib/api/contract';
import { authReply } from '@/lib/http/auth-reply';
import { route } from '@/lib/http/route';

/** Sign in with `{ user, password }` or `{ token }`; answers the user, the CSRF token and a session cookie. */
export const POST = route(api.login, async ({ req, root, body }) => authReply(await root.access.login(req, body)));
