import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import { DELIVERY_OFF } from '@/lib/notify/delivery';

/** Alert delivery per receiver (last success, last error, queued, dropped, failing since) and its recent audit lines. Secret-free. */
export const GET = route(api.notifications, async ({ root }) => ({ ...(root.delivery?.view() ?? DELIVERY_OFF), recent: (await root.delivery?.recent()) ?? [] }));
