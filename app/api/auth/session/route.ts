import { api } from '@/lib/api/contract';
import { authReply } from '@/lib/http/auth-reply';
import { route } from '@/lib/http/route';

/** The access mode, who is signed in and the CSRF token the page sends with actions. */
export const GET = route(api.session, ({ req, root }) => authReply(root.access.session(req)));
