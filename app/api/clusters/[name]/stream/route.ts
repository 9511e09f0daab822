import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import { ringStream } from '@/lib/http/sse';

/** Server-Sent Events: `ring`, `ring-event`, `hashkv`, `alerts`, `operation`. The cluster is resolved first, so a bad name is a 4xx. */
export const GET = route(api.ringStream, ({ req, root, monitor }) => ringStream(monitor, req, root.streams));
