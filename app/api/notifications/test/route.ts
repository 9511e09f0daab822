import { api } from '@/lib/api/contract';
import { RingsideError } from '@/lib/errors';
import { route } from '@/lib/http/route';

/** Operators: one test alert to every receiver, audited; answers each receiver's result. */
export const POST = route(api.notificationTest, ({ root, principal }) => {
  if (!root.delivery) throw new RingsideError('NOT_FOUND', 'Ringside has no configuration');
  return root.delivery.sendTest(principal);
});
