import { api } from '@/lib/api/contract';
import { parseLogQuery } from '@/lib/http/log-query';
import { route } from '@/lib/http/route';
import { logStream } from '@/lib/http/sse';
import { lineMatcher } from '@/lib/logs/buffer';

/** Server-Sent Events: `log` for each new etcd log line matching the same filters as /logs. */
export const GET = route(api.logStream, ({ req, root, monitor, query }) => logStream(monitor, lineMatcher(parseLogQuery(query)), req, root.streams));
