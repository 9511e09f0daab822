import 'server-only';
import type { AuthReply } from '../auth/guard';
import { json } from './respond';

/** What the guard answered for a sign-in route, as HTTP: the JSON body and its cookies. */
export function authReply(r: AuthReply): Response {
  const res = json(r.body);
  for (const c of r.setCookies ?? []) res.headers.append('Set-Cookie', c);
  return res;
}
