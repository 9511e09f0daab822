import { json } from '@/lib/http/respond';
import { getRegistry } from '@/lib/monitor/registry';
import { summarizeCluster } from '@/lib/ring/summary';

export function GET() {
  const { monitors } = getRegistry();
  const clusters = [...monitors.values()].map((m) => summarizeCluster(m.cluster, m.ring, m.alerts(), m.hashCheck));
  return json({ clusters });
}

export const dynamic = 'force-dynamic';
