import { compareAlerts } from '@/lib/alerts/tracker';
import { RingsideError } from '@/lib/errors';
import { handle, json } from '@/lib/http/respond';
import { getRegistry } from '@/lib/monitor/registry';

/** Alerts across every cluster, worst first: firing ones, or with `?state=all` pending ones too. */
export function GET(req: Request) {
  return handle(() => {
    const state = new URL(req.url).searchParams.get('state') ?? 'firing';
    if (state !== 'firing' && state !== 'all') throw new RingsideError('INVALID', `state: "${state.slice(0, 20)}" is not one of firing, all`, 'state');
    const alerts = [...getRegistry().monitors.values()]
      .flatMap((m) => m.alerts())
      .filter((a) => state === 'all' || a.state === 'firing')
      .sort(compareAlerts);
    return json({ alerts });
  });
}

export const dynamic = 'force-dynamic';
