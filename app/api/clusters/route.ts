import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import { summarizeCluster } from '@/lib/ring/summary';

/** Every configured cluster's summary. */
export const GET = route(api.clusters, ({ root }) => ({
  clusters: [...root.monitors.values()].map((m) => summarizeCluster(m.cluster, m.ring, m.alerts(), m.hashCheck, m.backups)),
}));
