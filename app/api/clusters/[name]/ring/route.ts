import { api } from '@/lib/api/contract';
import { RingsideError } from '@/lib/errors';
import { route } from '@/lib/http/route';

/** The latest ring state (a poll now if none yet). */
export const GET = route(api.ring, async ({ monitor }) => {
  const ring = monitor.ring ?? (await monitor.pollNow());
  if (!ring) throw new RingsideError('UNAVAILABLE', 'the first poll has not finished yet');
  return ring;
});
