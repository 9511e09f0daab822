import { logout } from '@/lib/auth/access';
import { handle } from '@/lib/http/respond';

/** Ends this browser's session (header x-ringside-csrf required) and clears its cookie. */
export function POST(req: Request) {
  return handle(() => logout(req));
}

export const dynamic = 'force-dynamic';
