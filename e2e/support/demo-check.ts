// The demo's check (`npm run demo -- --check`), shared with the image test so that "passes the
// demo check" means the same thing for both: the dashboard serves the ring (every member
// reachable, a leader), its history has a WAL fsync p99 from every member's /metrics, and the
// operator signs in. Each part polls with a bound and fails naming what it saw last.
import type { RingState } from '../../lib/ring/types';

const CHECK_MS = 15_000; // the first polls may race the ring's first election
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface DemoTarget {
  /** The dashboard, e.g. http://127.0.0.1:3000 */
  url: string;
  cluster: string;
  /** How many members the ring has. */
  members: number;
}

function ringProblem(ring: RingState, members: number): string | null {
  const reachable = ring.members.filter((m) => m.reachable).length;
  if (ring.members.length !== members) return `expected ${members} members, API lists ${ring.members.length}`;
  if (reachable !== members) return `expected ${members} reachable members, ${reachable} are`;
  if (!ring.leader) return 'no leader';
  return null;
}

async function until(what: string, probe: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + CHECK_MS;
  let problem = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      problem = await probe();
      if (problem === '') return;
    } catch (e) {
      problem = e instanceof Error ? e.message : String(e);
    }
    await sleep(500);
  }
  throw new Error(`${what} check failed after ${CHECK_MS / 1000} s: ${problem}`);
}

/** Polls the ring route until it shows every member reachable and a leader. */
export function checkRing(t: DemoTarget): Promise<void> {
  return until('ring', async () => {
    const res = await fetch(`${t.url}/api/clusters/${t.cluster}/ring`, { signal: AbortSignal.timeout(3000) });
    return res.ok ? (ringProblem((await res.json()) as RingState, t.members) ?? '') : `HTTP ${res.status}: ${await res.text()}`;
  });
}

/** Polls the history until every member has a WAL fsync p99 from its /metrics (writes make fsyncs). */
export function checkHistory(t: DemoTarget): Promise<void> {
  return until('history', async () => {
    const res = await fetch(`${t.url}/api/clusters/${t.cluster}/history?metric=walFsyncP99Ms&range=5m`, { signal: AbortSignal.timeout(3000) });
    const body = (await res.json()) as { members: { id: string; name: string }[]; series: { walFsyncP99Ms?: Record<string, (number | null)[]> } };
    const missing = body.members.filter((m) => !body.series.walFsyncP99Ms?.[m.id]?.some((v) => v !== null)).map((m) => m.name);
    return body.members.length !== t.members ? `history lists ${body.members.length} members` : missing.length ? `no fsync p99 yet for ${missing.join(', ')}` : '';
  });
}

/** Signs in with a password; resolves with the session cookie and CSRF token of an operator. */
export async function checkSignIn(t: DemoTarget, user: string, password: string): Promise<{ cookie: string; csrfToken: string }> {
  const res = await fetch(`${t.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: t.url },
    body: JSON.stringify({ user, password }),
  });
  const body = (await res.json()) as { user?: { role?: string }; csrfToken?: string };
  if (res.status !== 200 || body.user?.role !== 'operator') throw new Error(`sign-in check failed: HTTP ${res.status} ${JSON.stringify(body)}`);
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0], csrfToken: body.csrfToken ?? '' };
}
