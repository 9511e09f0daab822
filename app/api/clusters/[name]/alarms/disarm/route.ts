import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import { opsOf, started } from '@/lib/http/ops';

/** `{ alarm: "NOSPACE" | "CORRUPT", confirm: "<cluster name>" }`: NOSPACE after compaction and defrag, CORRUPT once hashes agree. */
export const POST = route(api.disarmAlarm, ({ root, principal, monitor, body }) => started(opsOf(root).maintenance.disarmAlarm(principal, monitor, body)));
