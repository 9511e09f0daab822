import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import { json } from '@/lib/http/respond';

/** Liveness of Ringside itself (not of etcd): 200 while the server runs and its config is valid. */
export const GET = route(api.healthz, ({ root }) => {
  const ok = root.config.kind !== 'error';
  return json(
    { status: ok ? 'ok' : 'config-error', config: root.config.kind, clusters: [...root.monitors.keys()], startedAt: root.startedAt.toISOString() },
    ok ? 200 : 503,
  );
});
