// (m) 200 SSE viewers of one cluster: how late each receives a ring change, against one viewer
// alone, measured in the same run through the built server.
//
// Method: the built Ringside (`next start`) watches a real 3-member ring at 1 s polls. Viewers are
// HTTP streams of /api/clusters/{name}/stream read by this process. (1) Delivery lag: for every
// `ring` frame each viewer receives over the window, the time from the poll that made it (the
// frame's `at`, the server's clock: the same machine) to its arrival. (2) A ring change a person
// would notice: a follower is SIGKILLed, and each viewer's lag from the kill to its
// `member-down` event (detection included: up to a poll interval plus the dead member's timeout).
import type { EtcdRing } from '../e2e/harness/ring';
import { RingsideServer } from '../e2e/support/ringside-server';
import { quantile, sleep, type Row } from './stats';

const VIEWERS = 200;
const WINDOW_MS = 15_000;
const POLL_MS = 1000;

interface Viewer {
  /** Arrival minus poll time of every ring frame. */
  lags: number[];
  /** When this viewer heard member-down, if it did. */
  downAt: number | null;
  close(): void;
}

/** Opens one stream and records what it receives; resolves once the first ring frame is in. */
async function openViewer(url: string): Promise<Viewer> {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal });
  if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
  const viewer: Viewer = { lags: [], downAt: null, close: () => abort.abort() };
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let first!: () => void;
  const ready = new Promise<void>((r) => (first = r));
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const arrived = Date.now();
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (!data) continue;
          if (event === 'ring') {
            viewer.lags.push(arrived - Date.parse((JSON.parse(data) as { at: string }).at));
            first();
          } else if (event === 'ring-event' && viewer.downAt === null && (JSON.parse(data) as { kind: string }).kind === 'member-down') {
            viewer.downAt = arrived;
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  await ready;
  return viewer;
}

async function lagsOf(server: RingsideServer, n: number): Promise<{ viewers: Viewer[]; lags: number[] }> {
  const viewers = await Promise.all(Array.from({ length: n }, () => openViewer(`${server.url}/api/clusters/b/stream`)));
  for (const v of viewers) v.lags.length = 0;
  await sleep(WINDOW_MS);
  return { viewers, lags: viewers.flatMap((v) => v.lags) };
}

export async function measureSseFanout(ring: EtcdRing): Promise<{ rows: Row[]; summary: string[]; notes: string[] }> {
  const server = await RingsideServer.start({
    clusters: [{ name: 'b', endpoints: ring.endpoints(), metrics: { enabled: false } }],
    pollIntervalMs: POLL_MS,
    extraYaml: ['readOnly: true', 'http:', `  maxStreams: ${VIEWERS + 50}`, `  maxStreamsPerClient: ${VIEWERS + 50}`].join('\n'),
  });
  try {
    await sleep(2000);
    const one = await lagsOf(server, 1);
    for (const v of one.viewers) v.close();
    const many = await lagsOf(server, VIEWERS);
    const leader = await ring.leaderName();
    const victim = ring.members.find((m) => m.name !== leader)!;
    const killedAt = Date.now();
    await ring.kill(victim.name);
    const deadline = Date.now() + 10_000;
    while (many.viewers.some((v) => v.downAt === null) && Date.now() < deadline) await sleep(50);
    const heard = many.viewers.filter((v) => v.downAt !== null).map((v) => v.downAt! - killedAt);
    for (const v of many.viewers) v.close();
    const p = (xs: number[], q: number) => quantile(xs, q);
    return {
      rows: [
        { measure: `ring frame delivery lag p50, ${VIEWERS} viewers`, value: p(many.lags, 0.5), baseline: 'one viewer alone', baselineValue: p(one.lags, 0.5) },
        { measure: `ring frame delivery lag p99, ${VIEWERS} viewers`, value: p(many.lags, 0.99), baseline: 'one poll interval', baselineValue: POLL_MS },
        { measure: `SIGKILL -> member-down at every viewer, p99`, value: p(heard, 0.99), baseline: 'one poll interval', baselineValue: POLL_MS },
      ],
      summary: [
        `${VIEWERS} SSE viewers of one cluster: a ring frame arrives p50 ${p(many.lags, 0.5).toFixed(0)} ms / p99 ${p(many.lags, 0.99).toFixed(0)} ms after its poll started (one viewer alone: p50 ${p(one.lags, 0.5).toFixed(0)} / p99 ${p(one.lags, 0.99).toFixed(0)} ms; target p99 <= ${POLL_MS} ms, one poll interval); ${many.lags.length} frames over ${WINDOW_MS / 1000} s`,
        `a killed follower reached ${heard.length} of ${VIEWERS} viewers as member-down: p50 ${p(heard, 0.5).toFixed(0)} ms / p99 ${p(heard, 0.99).toFixed(0)} ms after the kill (detection by the next poll included)`,
      ],
      notes: ['sse-fanout: lags use the server’s and this process’s clocks, the same machine’s; a poll’s own duration (the members’ answers) is inside the lag.'],
    };
  } finally {
    await server.stop();
  }
}
