import { handle, json, parseClusterName } from '@/lib/http/respond';
import { parseHistoryQuery } from '@/lib/http/history-query';
import { markersIn } from '@/lib/history/markers';
import { HISTORY_RANGES } from '@/lib/history/ranges';
import { SERIES } from '@/lib/history/series';
import { getMonitor } from '@/lib/monitor/registry';

/** Per-member history of one or more figures over a range, with the ring events to mark on the time axis. */
export function GET(req: Request, ctx: RouteContext<'/api/clusters/[name]/history'>) {
  return handle(async () => {
    const monitor = getMonitor(parseClusterName((await ctx.params).name));
    const { keys, range, agg } = parseHistoryQuery(new URL(req.url).searchParams);
    const to = Date.now();
    const from = to - HISTORY_RANGES[range].ms;
    const result = monitor.history.query({ keys, from, to, stepMs: HISTORY_RANGES[range].stepMs, agg });
    for (const byMember of Object.values(result.series)) {
      for (const values of Object.values(byMember)) values.forEach((v, i) => (values[i] = v === null ? null : Math.round(v * 1000) / 1000));
    }
    return json({
      cluster: monitor.cluster.name,
      range,
      ...result,
      units: Object.fromEntries(keys.map((k) => [k, SERIES[k].unit])),
      events: markersIn(monitor.recentEvents(), from, to),
    });
  });
}
