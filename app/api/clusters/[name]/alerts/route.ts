import { forMsOf, RULES, ALERT_RULES } from '@/lib/alerts/rules';
import { handle, json, parseClusterName } from '@/lib/http/respond';
import { getMonitor } from '@/lib/monitor/registry';

/** One cluster's pending and firing alerts, worst first, and the rules they come from with their `for`. */
export function GET(_req: Request, ctx: RouteContext<'/api/clusters/[name]/alerts'>) {
  return handle(async () => {
    const monitor = getMonitor(parseClusterName((await ctx.params).name));
    const overrides = monitor.settings.alerts ?? {};
    const rules = ALERT_RULES.map((name) => ({
      name,
      ...RULES[name],
      forMs: overrides[name]?.forMs ?? forMsOf(name, monitor.settings.pollIntervalMs),
      disabled: Boolean(overrides[name]?.disabled),
    }));
    return json({ cluster: monitor.cluster.name, alerts: monitor.alerts(), rules });
  });
}
