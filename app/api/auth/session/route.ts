import { session } from '@/lib/auth/access';
import { handle } from '@/lib/http/respond';

/** The access mode, who is signed in and the CSRF token the page sends with actions. */
export function GET(req: Request) {
  return handle(() => session(req));
}

export const dynamic = 'force-dynamic';
