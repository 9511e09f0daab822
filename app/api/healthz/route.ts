import { json } from '@/lib/http/respond';
import { getRegistry } from '@/lib/monitor/registry';

/** Liveness of Ringside itself (not of etcd): 200 while the server runs and its config is valid. */
export function GET() {
  const { config, monitors, startedAt } = getRegistry();
  const ok = config.kind !== 'error';
  return json(
    {
      status: ok ? 'ok' : 'config-error',
      config: config.kind,
      clusters: [...monitors.keys()],
      startedAt: startedAt.toISOString(),
    },
    ok ? 200 : 503,
  );
}

export const dynamic = 'force-dynamic';
