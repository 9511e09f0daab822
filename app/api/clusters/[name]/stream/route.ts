import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import { forRequester } from '@/lib/http/server-paths';
import { ringStream } from '@/lib/http/sse';

/**
 * Server-Sent Events: `ring`, `ring-event`, `hashkv`, `alerts`, `operation` (without server paths
 * unless an operator asked). The cluster is resolved first, so a bad name is a 4xx.
 */
export const GET = route(api.ringStream, ({ req, root, monitor }) => ringStream(monitor, req, root.streams, (op) => forRequester(root, req, op)));
