import { compareAlerts } from '@/lib/alerts/tracker';
import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';

/** Alerts across every cluster, worst first: firing ones, or with `?state=all` pending ones too. */
export const GET = route(api.allAlerts, ({ root, query }) => ({
  alerts: [...root.monitors.values()]
    .flatMap((m) => m.alerts())
    .filter((a) => query.state === 'all' || a.state === 'firing')
    .sort(compareAlerts),
}));
