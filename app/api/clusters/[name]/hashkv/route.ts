import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import type { HashCheck } from '@/lib/ring/hashkv';

/** The latest HashKV agreement check, plus a short history of earlier verdicts. */
export const GET = route(api.hashkv, async ({ monitor }) => {
  const latest = monitor.hashCheck ?? (await monitor.checkHashes());
  const history = monitor.hashHistory().map((c) => ({ checkedAt: c.checkedAt, revision: c.revision, consistent: c.consistent, summary: c.summary }));
  const none = { revision: null, checkedAt: null, consistent: null, members: [], summary: 'no check yet' } as unknown as HashCheck;
  return { ...(latest ?? none), history };
});
