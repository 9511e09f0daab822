import { handle } from '@/lib/http/respond';
import { fleetStream } from '@/lib/http/sse';
import { getStreamAdmission } from '@/lib/http/stream-admission';
import { getRegistry } from '@/lib/monitor/registry';

/** Server-Sent Events: `fleet`, every cluster's summary (state, leader, margin, HashKV, alerts, members), after each change. */
export function GET(req: Request) {
  return handle(() => fleetStream([...getRegistry().monitors.values()], req, getStreamAdmission()));
}

export const dynamic = 'force-dynamic';
