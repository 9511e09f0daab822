import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import { liveness } from '@/lib/http/probes';

/** Liveness of Ringside itself (not of etcd): 200 while the process answers. Open to anyone; says nothing else. */
export const GET = route(api.healthz, () => liveness());
