// A member launcher for demo and test rings: Ringside's replacement wizard asks it to start the
// member it just added ("Start it" button), with the flags the wizard shows a person. It listens
// on 127.0.0.1 only, and only starts etcd members of this ring through the harness (which tracks
// and ends them). Production members are started by people on their own machines.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EtcdRing } from './ring';

export interface Launcher {
  url: string;
  close(): Promise<void>;
}

export async function startLauncher(ring: EtcdRing, onStart?: () => void): Promise<Launcher> {
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/start') return reply(404, { error: 'POST /start only' });
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      text += c;
      if (text.length > 16_384) req.destroy();
    });
    req.on('end', async () => {
      let body: { name?: unknown; peerURL?: unknown; clientURL?: unknown; initialCluster?: unknown };
      try {
        body = JSON.parse(text);
      } catch {
        return reply(400, { error: 'body: not JSON' });
      }
      const { name, peerURL, clientURL, initialCluster } = body;
      if (typeof name !== 'string' || typeof peerURL !== 'string' || typeof clientURL !== 'string' || typeof initialCluster !== 'string') {
        return reply(400, { error: 'expected { name, peerURL, clientURL, initialCluster } strings' });
      }
      try {
        const m = await ring.launchJoining({ name, peerURL, clientURL, initialCluster });
        onStart?.();
        reply(200, { name: m.name, pid: m.pid, clientURL: m.clientURL });
      } catch (e) {
        reply(500, { error: (e instanceof Error ? e.message : String(e)).split('\n')[0] });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
