import 'server-only';
import { json } from '../http/respond';
import { getRegistry } from '../monitor/registry';
import { createAccess, type AccessControl, type AccessMode, type AuthReply, type Principal, type RequireOperatorOptions } from './guard';

export type { AccessMode, Principal, RequireOperatorOptions };
export { CSRF_HEADER, SESSION_COOKIE } from './guard';

/**
 * Sessions and sign-in failures are process-wide state. Next.js loads route handlers as separate
 * module graphs (see registry.ts), so a module-level store would give the login route and an
 * action route different sessions.
 */
const KEY = Symbol.for('ringside.access');
type Global = typeof globalThis & { [KEY]?: AccessControl };

function getAccess(): AccessControl {
  const g = globalThis as Global;
  if (!g[KEY]) {
    const { config } = getRegistry();
    g[KEY] = createAccess(config.kind === 'ok' ? config.config : undefined);
  }
  return g[KEY];
}

/**
 * The first call of every mutating route: the operator behind the request, or a RingsideError
 * (404 read-only, 403 cross-origin / no operators / viewer / CSRF, 401 not signed in).
 */
export function requireOperator(req: Request, opts?: RequireOperatorOptions): Promise<Principal> {
  return getAccess().requireOperator(req, opts);
}

export async function login(req: Request): Promise<Response> {
  return reply(await getAccess().login(req));
}

export async function logout(req: Request): Promise<Response> {
  return reply(getAccess().logout(req));
}

/** Who sent `req`, for reads that show more to an operator; null when nobody is signed in. */
export function principal(req: Request): Principal | null {
  return getAccess().principal(req);
}

/** The session's state, with `extra` fields for the caller to add (what only an operator sees). */
export function session(req: Request, extra: Record<string, unknown> = {}): Response {
  const r = getAccess().session(req);
  return reply({ ...r, body: { ...r.body, ...extra } });
}

function reply(r: AuthReply): Response {
  const res = json(r.body);
  if (r.setCookie) res.headers.append('Set-Cookie', r.setCookie);
  return res;
}
