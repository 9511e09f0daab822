import 'server-only';
import { getAccess } from '../auth/access';
import { getRegistry } from '../monitor/registry';
import { clientAddress, throttleKey } from './peer';
import type { StreamAdmission } from './sse';
import { StreamLimiter } from './streams';

const KEY = Symbol.for('ringside.streams');
type Global = typeof globalThis & { [KEY]?: StreamAdmission };

/** The process's live-stream slots (config `http.maxStreams`, `http.maxStreamsPerClient`). */
export function getStreamAdmission(): StreamAdmission {
  const g = globalThis as Global;
  if (!g[KEY]) {
    const { config } = getRegistry();
    const http = config.kind === 'ok' ? config.config.http : { maxStreams: 1000, maxStreamsPerClient: 32 };
    const trusted = getAccess().trustedProxies;
    g[KEY] = {
      limiter: new StreamLimiter(http.maxStreams, http.maxStreamsPerClient),
      clientOf: (req) => throttleKey(clientAddress((n) => req.headers.get(n), trusted)),
    };
  }
  return g[KEY];
}
