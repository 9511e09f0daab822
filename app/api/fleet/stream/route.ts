import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import { fleetStream } from '@/lib/http/sse';

/** Server-Sent Events: `fleet`, every cluster's summary, after each change (the NOC screen). */
export const GET = route(api.fleetStream, ({ req, root }) => fleetStream(root.monitors, req, root.streams));
