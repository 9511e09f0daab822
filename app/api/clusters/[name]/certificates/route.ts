import { api } from '@/lib/api/contract';
import { certificatesView } from '@/lib/certs/view';
import { route } from '@/lib/http/route';

/** Each member's certificates (subject, SANs, not-after, days left, whether they cover its address), the CA and Ringside's own. */
export const GET = route(api.certificates, ({ root, monitor }) => certificatesView(monitor.cluster.name, monitor.certificates, root.settings!.certificates, Date.now()));
