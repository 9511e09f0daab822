import { api } from '@/lib/api/contract';
import { parseHistoryQuery } from '@/lib/http/history-query';
import { route } from '@/lib/http/route';
import { historyView } from '@/lib/history/view';

/** Per-member history of one or more figures over a range, with the ring events to mark on the time axis. */
export const GET = route(api.history, ({ monitor, query }) => ({
  cluster: monitor.cluster.name,
  ...historyView(monitor.history, monitor.recentEvents(), parseHistoryQuery(query), Date.now()),
}));
