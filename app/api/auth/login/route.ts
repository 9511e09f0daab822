import { login } from '@/lib/auth/access';
import { handle } from '@/lib/http/respond';

/** Sign in with `{ user, password }` or `{ token }`; answers the user, the CSRF token and a session cookie. */
export function POST(req: Request) {
  return handle(() => login(req));
}

export const dynamic = 'force-dynamic';
