import { session } from '@/lib/auth/access';
import { serverPathsFor } from '@/lib/auth/server-paths';
import { handle } from '@/lib/http/respond';

/**
 * The access mode, who is signed in and the CSRF token the page sends with actions; for an
 * operator, also where this Ringside keeps its files (`paths`: config, dataDir, backupsDir).
 */
export function GET(req: Request) {
  return handle(() => {
    const paths = serverPathsFor(req);
    return session(req, paths ? { paths } : {});
  });
}

export const dynamic = 'force-dynamic';
