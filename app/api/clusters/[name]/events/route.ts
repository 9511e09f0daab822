import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';

/** Recent derived ring events, newest first. */
export const GET = route(api.events, ({ monitor }) => ({ cluster: monitor.cluster.name, events: monitor.recentEvents().reverse() }));
