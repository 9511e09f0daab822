import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import { json } from '@/lib/http/respond';
import { readiness } from '@/lib/http/probes';

/** Readiness: 200 once the config is loaded and every cluster has been polled, else 503. Open to anyone; says nothing else. */
export const GET = route(api.readyz, ({ root }) => {
  const r = readiness(root.config.kind, root.monitors.values());
  return json(r, r.status === 'ready' ? 200 : 503);
});
