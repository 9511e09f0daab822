import { rulesAt } from '@/lib/alerts/rules';
import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';

/** One cluster's pending and firing alerts, worst first, and the rules they come from with their `for`. */
export const GET = route(api.alerts, ({ monitor }) => ({
  cluster: monitor.cluster.name,
  alerts: monitor.alerts(),
  rules: rulesAt(monitor.settings.pollIntervalMs, monitor.settings.alerts, monitor.metricsIntervalMs),
}));
